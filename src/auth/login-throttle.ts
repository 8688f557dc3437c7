import { Inject, Injectable } from '@nestjs/common';
import { isIPv4, isIPv6 } from 'node:net';
import { TooManyRequests } from '../common/errors.js';
import { NOUNS } from '../common/messages.js';
import type { RedisClient } from '../redis/redis-client.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { REDIS } from '../redis/redis.module.js';

/**
 * Each counter is a hash `{ n: failures, t: last failure (ms, Redis's clock) }` that expires `window` ms after its
 * last failure. Past its limit, a counter makes the next attempt wait `base·2^(n-limit)` ms, at most `cap`,
 * after its last failure.
 *
 * KEYS: (account, address) pair, account, address. ARGV: limit per account, limit per address, window ms, base
 * ms, cap ms. Returns [refused (0, 1 account, 2 address), wait ms].
 *
 * The account's own counter (failures from everywhere) holds back only addresses that failed for this account
 * themselves: an owner at an address that did not fail is never refused because of someone else's guesses.
 */
const RESERVE_ATTEMPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local base, cap = tonumber(ARGV[4]), tonumber(ARGV[5])
local function wait(key, limit)
  local v = redis.call('HMGET', key, 'n', 't')
  local n, last = tonumber(v[1] or '0'), tonumber(v[2] or '0')
  if n < limit then return 0, n end
  local left = last + math.min(cap, base * 2 ^ math.min(n - limit, 40)) - now
  local ttl = redis.call('PTTL', key)
  if ttl > 0 and ttl < left then left = ttl end
  if left < 0 then left = 0 end
  return left, n
end
local byAddress = wait(KEYS[3], tonumber(ARGV[2]))
if byAddress > 0 then return {2, byAddress} end
local byPair, pairFailures = wait(KEYS[1], tonumber(ARGV[1]))
if byPair > 0 then return {1, byPair} end
if pairFailures > 0 then
  local byAccount = wait(KEYS[2], tonumber(ARGV[1]))
  if byAccount > 0 then return {1, byAccount} end
end
for i = 1, 3 do
  redis.call('HINCRBY', KEYS[i], 'n', 1)
  redis.call('HSET', KEYS[i], 't', now)
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return {0, 0}
`;

/**
 * KEYS: pair, account, address; ARGV: window ms. The password was wrong: the wait and the window start from now,
 * when the answer is given (a slow hash could otherwise outlast a short window), and a counter that expired while
 * the password was checked keeps this failure.
 */
const MARK_FAILURE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i = 1, 3 do
  redis.call('HSETNX', KEYS[i], 'n', 1)
  redis.call('HSET', KEYS[i], 't', now)
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return 0
`;

/** KEYS: pair, account, address. The password was right: the account's failures go, the address's attempt is taken back. */
const REFUND_ATTEMPT = `
redis.call('DEL', KEYS[1], KEYS[2])
if tonumber(redis.call('HGET', KEYS[3], 'n') or '0') > 0 then redis.call('HINCRBY', KEYS[3], 'n', -1) end
return 0
`;

/** The first delay past a limit; each further failure doubles it. */
const BASE_DELAY_MS = 1000;

/**
 * An address as the throttle counts it: IPv4 as it is (an IPv4-mapped IPv6 address as its IPv4), IPv6 by its /64,
 * the block one subscriber is usually given, so that walking through one's own addresses does not help a guesser.
 */
export function throttledAddress(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIPv4(ip)) return ip;
  const bare = ip.split('%')[0];
  if (!isIPv6(bare)) return ip;
  let text = bare.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const first = head ? head.split(':') : [];
  const last = tail ? tail.split(':') : [];
  const groups = text.includes('::') ? [...first, ...Array<string>(8 - first.length - last.length).fill('0'), ...last] : first;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Counts failed sign-ins in Redis per account, per (account, address) and per address (IPv6 by /64), and answers
 * guessing with growing delays rather than a lock: past `LOGIN_MAX_FAILURES`, an address that failed for an
 * account waits 1, 2, 4... seconds (at most `LOGIN_MAX_DELAY_SECONDS`) after the account's last failure before
 * it may try that account again, while the owner at any address that did not fail signs in at once; past
 * `LOGIN_MAX_FAILURES_PER_ADDRESS` (high, so a shared office is not held back by one guesser), an address waits
 * the same way for every account. Failures are forgotten `LOGIN_LOCK_SECONDS` after the last one, and a right
 * password clears the account's.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private keys(username: string, ip: string | undefined): [string, string, string] {
    const p = `${this.config.queuePrefix}:login-failures`;
    const account = encodeURIComponent(username.toLowerCase());
    const address = throttledAddress(ip);
    return [`${p}:pair:${account}:${address}`, `${p}:account:${account}`, `${p}:address:${address}`];
  }

  /**
   * Lets one sign-in attempt through, or throws 429 saying how long to wait. The attempt is counted as a failure
   * before the password is checked, in one atomic step with the check, so guesses sent all at once cannot overrun
   * the limit; `recordFailure` restarts the wait when the answer is given, `recordSuccess` takes the attempt back.
   * A refused attempt counts nothing and does not lengthen the wait.
   */
  async assertAllowed(username: string, ip: string | undefined): Promise<void> {
    const { maxFailures, maxFailuresPerAddress, lockSeconds, maxDelaySeconds } = this.config.login;
    const [refused, waitMs] = (await this.redis.eval(
      RESERVE_ATTEMPT,
      3,
      ...this.keys(username, ip),
      maxFailures,
      maxFailuresPerAddress,
      lockSeconds * 1000,
      BASE_DELAY_MS,
      maxDelaySeconds * 1000,
    )) as [number, number];
    if (refused === 1) throw this.tooMany('this account', Number(waitMs));
    if (refused === 2) throw this.tooMany('this address', Number(waitMs));
  }

  /** The password was wrong (or the user unknown or inactive). */
  async recordFailure(username: string, ip: string | undefined): Promise<void> {
    await this.redis.eval(MARK_FAILURE, 3, ...this.keys(username, ip), this.config.login.lockSeconds * 1000);
  }

  /** The password was right: clears the account's failures and takes back the attempt counted for the address. */
  async recordSuccess(username: string, ip: string | undefined): Promise<void> {
    await this.redis.eval(REFUND_ATTEMPT, 3, ...this.keys(username, ip));
  }

  private tooMany(who: 'this account' | 'this address', waitMs: number) {
    const retryAfter = Math.max(Math.ceil(waitMs / 1000), 1);
    return new TooManyRequests('too_many_sign_ins', { who: NOUNS[who], seconds: retryAfter }, retryAfter);
  }
}

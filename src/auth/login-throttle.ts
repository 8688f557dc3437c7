import { Inject, Injectable } from '@nestjs/common';
import { TooManyRequests } from '../common/errors.js';
import { NOUNS } from '../common/messages.js';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { REDIS } from '../redis/redis.module.js';

/** KEYS: account, address counters; ARGV: max per account, max per address, lock seconds. Returns [refused (0, 1 account, 2 address), ttl]. */
const RESERVE_ATTEMPT = `
local account = tonumber(redis.call('GET', KEYS[1]) or '0')
if account >= tonumber(ARGV[1]) then return {1, redis.call('TTL', KEYS[1])} end
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
if address >= tonumber(ARGV[2]) then return {2, redis.call('TTL', KEYS[2])} end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {0, 0}
`;

/** KEYS: account, address counters. */
const REFUND_ATTEMPT = `
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 0
`;

/**
 * Counts failed sign-ins in Redis, per account and per address, over a sliding lock window. An account
 * with too many failures gets 429 for a while, whoever asks; an address gets 429 only after far more
 * failures, so one guesser in a shared office does not lock its colleagues out.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private keys(username: string, address: string) {
    const p = `${this.config.queuePrefix}:login-failures`;
    return { account: `${p}:account:${username.toLowerCase()}`, address: `${p}:address:${address}` };
  }

  /**
   * Lets one sign-in attempt through, or throws 429. The attempt is counted as a failure before the password
   * is checked, in one atomic step with the check, so guesses sent all at once cannot overrun the limit;
   * `recordSuccess` takes it back. A refused attempt counts nothing and does not extend a lock.
   */
  async assertAllowed(username: string, address: string): Promise<void> {
    const { account, address: addr } = this.keys(username, address);
    const { maxFailures, maxFailuresPerAddress, lockSeconds } = this.config.login;
    const [refused, ttl] = (await this.redis.eval(RESERVE_ATTEMPT, 2, account, addr, maxFailures, maxFailuresPerAddress, lockSeconds)) as [
      number,
      number,
    ];
    if (refused === 1) throw this.tooMany('this account', Number(ttl));
    if (refused === 2) throw this.tooMany('this address', Number(ttl));
  }

  /** The password was right: clears the account's failures and takes back the attempt counted for the address. */
  async recordSuccess(username: string, address: string): Promise<void> {
    const { account, address: addr } = this.keys(username, address);
    await this.redis.eval(REFUND_ATTEMPT, 2, account, addr);
  }

  private tooMany(who: 'this account' | 'this address', ttl: number) {
    const retryAfter = Math.max(ttl, 1);
    return new TooManyRequests('too_many_sign_ins', { who: NOUNS[who], minutes: Math.ceil(retryAfter / 60) }, retryAfter);
  }
}

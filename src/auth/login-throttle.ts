import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { REDIS } from '../redis/redis.module.js';

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

  async assertAllowed(username: string, address: string): Promise<void> {
    const { account, address: addr } = this.keys(username, address);
    const [[, accountFailures], [, addressFailures], [, accountTtl], [, addressTtl]] = (await this.redis
      .multi()
      .get(account)
      .get(addr)
      .ttl(account)
      .ttl(addr)
      .exec()) as [unknown, string | null][];
    const { maxFailures, maxFailuresPerAddress } = this.config.login;
    if (Number(accountFailures ?? 0) >= maxFailures) {
      throw this.tooMany('this account', Number(accountTtl));
    }
    if (Number(addressFailures ?? 0) >= maxFailuresPerAddress) {
      throw this.tooMany('this address', Number(addressTtl));
    }
  }

  async recordFailure(username: string, address: string): Promise<void> {
    const { account, address: addr } = this.keys(username, address);
    const seconds = this.config.login.lockSeconds;
    await this.redis.multi().incr(account).expire(account, seconds).incr(addr).expire(addr, seconds).exec();
  }

  async recordSuccess(username: string): Promise<void> {
    await this.redis.del(this.keys(username, '').account);
  }

  private tooMany(who: string, ttl: number) {
    const retryAfter = Math.max(ttl, 1);
    return new HttpException(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        message: `too many failed sign-ins for ${who}; try again in ${Math.ceil(retryAfter / 60)} minute(s)`,
        retryAfterSeconds: retryAfter,
      },
      429,
    );
  }
}

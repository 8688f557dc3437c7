import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { createRedisClient, type RedisClient } from './redis-client.js';

/** The shared ioredis connection for the service's own keys (BullMQ opens its own connections). */
export const REDIS = Symbol('REDIS');

class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        // ioredis reconnects by itself; the listener keeps a lost connection from being reported as an unhandled
        // 'error' on every attempt, and says once that it is lost and once that it is back.
        const redis = createRedisClient(config, { maxRetriesPerRequest: 2, connectionName: `${config.queuePrefix}:app` });
        const logger = new Logger('Redis');
        let lost = false;
        redis.on('error', (err: Error) => {
          if (!lost) logger.warn(`connection lost: ${err.message}; reconnecting`);
          lost = true;
        });
        redis.on('ready', () => {
          if (lost) logger.log('connection back');
          lost = false;
        });
        return redis;
      },
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}

import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { bullConnection } from '../redis/redis-client.js';

/** What BullMQ connects with (bullConnection): options on one server, one shared `Cluster` on a cluster. */
export const QUEUE_CONNECTION = Symbol('QUEUE_CONNECTION');

/**
 * BullMQ leaves a client it was given open: the shared cluster client is closed here, at application shutdown,
 * once the workers stopped (WorkerLifecycle, at module destroy); the queues no longer send anything then.
 */
class QueueConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_CONNECTION) private readonly connection: ReturnType<typeof bullConnection>) {}
  async onApplicationShutdown(): Promise<void> {
    const connection = this.connection;
    if ('quit' in connection) await connection.quit().catch(() => connection.disconnect());
  }
}

@Module({
  providers: [
    {
      provide: QUEUE_CONNECTION,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const connection = bullConnection(config, `${config.queuePrefix}:queues`);
        // Lost and found again by the cluster client itself; the listener keeps each attempt from being an
        // unhandled 'error' (BullMQ reports its own connections' errors).
        if ('on' in connection) connection.on('error', () => undefined);
        return connection;
      },
    },
    QueueConnectionCloser,
  ],
  exports: [QUEUE_CONNECTION],
})
export class QueueConnectionModule {}

import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/** A node-postgres pool for the engine's hand-written transactions (the hot path: a handful of statements). */
export const PG_POOL = Symbol('PG_POOL');

/** Closes the pool after every module's onModuleDestroy (workers finish their jobs first). */
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        // No JIT: it compiled the national-size report queries for 100-300 ms on top of a 50-300 ms run
        // (bench/reports.ts); none of this service's statements runs long enough to repay it.
        const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 20, options: '-c jit=off' });
        pool.on('error', () => undefined); // an idle client lost its connection; the pool replaces it
        return pool;
      },
    },
    PoolCloser,
  ],
  exports: [PG_POOL],
})
export class PgPoolModule {}

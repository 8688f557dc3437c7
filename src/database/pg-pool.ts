import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DB, kyselyOf, type Db } from './db.js';

/** The one node-postgres pool: Kysely's (`DB`) and the engine's statement batches share it. */
export const PG_POOL = Symbol('PG_POOL');

/** Closes the pool after every module's onModuleDestroy (workers finish their jobs first). */
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(DB) private readonly db: Db) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy(); // ends the pool
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
        // A connection that cannot be had within DATABASE_CONNECT_TIMEOUT_SECONDS (5 by default: the database away,
        // or every connection of the pool busy) fails, 503 to the request, rather than waiting forever.
        const pool = new pg.Pool({
          connectionString: config.databaseUrl,
          max: 20,
          options: '-c jit=off',
          connectionTimeoutMillis: config.databaseConnectTimeoutSeconds * 1000,
        });
        pool.on('error', () => undefined); // an idle client lost its connection; the pool replaces it
        // A checked-out client whose connection drops emits 'error' on itself, which without a listener ends the
        // process; the statement it was running (if any) fails on its own, and the pool discards the client.
        pool.on('connect', (client) => client.on('error', () => undefined));
        return pool;
      },
    },
    { provide: DB, inject: [PG_POOL], useFactory: kyselyOf },
    PoolCloser,
  ],
  exports: [PG_POOL, DB],
})
export class PgPoolModule {}

import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DB, type Db } from '../database/db.js';
import { defineTask, type TaskHandler } from '../queues/job-definition.js';

/** Deletes the Idempotency-Key records older than IDEMPOTENCY_TTL_HOURS, of every user. */
@Injectable()
export class IdempotencyPurgeHandler implements TaskHandler<Record<string, never>> {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle() {
    const result = await this.db
      .deleteFrom('idempotency_records')
      .where('created_at', '<', sql<Date>`now() - make_interval(hours => ${this.config.idempotencyTtlHours})`)
      .executeTakeFirst();
    return `${result.numDeletedRows} expired idempotency records`;
  }
}

/**
 * Every 10 minutes on one worker (the first at worker start), so that the table stays small without a table-wide
 * delete on each keyed POST; a key used again after it expired is made new by the request itself.
 */
export const idempotencyPurgeTask = defineTask({
  queue: { name: 'housekeeping', concurrency: 1 },
  name: 'idempotency-purge',
  version: 1,
  payload: z.strictObject({}),
  handler: IdempotencyPurgeHandler,
  retries: { attempts: 3, backoffMs: 1000 },
  every: () => 10 * 60_000,
});

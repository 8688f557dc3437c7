import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import { JobRegistry } from './job-registry.js';

/** Runs an effect job: its handler once per outbox row, the row marked done after it, or failed after the last try. */
@Injectable()
export class OutboxRunner {
  private readonly logger = new Logger('Jobs');

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly registry: JobRegistry,
  ) {}

  async run(job: Job<Record<string, unknown> & { outboxId: string }>): Promise<string> {
    const outboxId = job.data.outboxId;
    const { rows } = await this.pool.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [outboxId]);
    if (!rows.length || rows[0].status === 'done') return 'already done';
    const definition = this.registry.get(job.queueName, job.name);
    const refusal = !definition ? `no handler for job ${job.queueName}/${job.name}` : definition.validate(job.data);
    if (refusal) {
      // Retrying cannot help: the row says failed, and the job goes to the failed set at once.
      await this.pool.query(`UPDATE outbox SET status = 'failed', last_error = $2, attempts = attempts + 1 WHERE id = $1`, [outboxId, refusal]);
      this.logger.error(`job ${job.queueName}/${job.name} ${outboxId} refused: ${refusal}`);
      throw new UnrecoverableError(refusal);
    }
    try {
      await definition!.handle(job.data, { outboxId, attempt: job.attemptsMade + 1 });
    } catch (err) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await this.pool.query(
        `UPDATE outbox SET attempts = attempts + 1, last_error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END WHERE id = $1`,
        [outboxId, (err as Error).message, last],
      );
      if (last) this.logger.error(`job ${job.queueName}/${job.name} ${outboxId} failed for good: ${(err as Error).message}`);
      throw err;
    }
    await this.pool.query(`UPDATE outbox SET status = 'done', done_at = now(), attempts = attempts + 1 WHERE id = $1`, [outboxId]);
    return 'done';
  }
}

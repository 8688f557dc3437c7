import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import { WorkflowRegistry } from '../engine/registry.js';
import { JobRegistry } from './job-registry.js';
import { ALL_QUEUES, redisOf } from './queue-names.js';

/**
 * Refuses to start a worker that could not finish what the database holds: an effect of a workflow
 * without a job handler, or an open instance on a version this build does not have. Warns when Redis
 * may evict keys (BullMQ needs maxmemory-policy noeviction).
 */
@Injectable()
export class WorkerStartupChecks implements OnApplicationBootstrap {
  private readonly logger = new Logger('StartupChecks');

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly workflows: WorkflowRegistry,
    private readonly jobs: JobRegistry,
    @InjectQueue('deadlines') private readonly deadlines: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const missingHandlers = this.workflows
      .all()
      .flatMap((w) => Object.values(w.effects).map((e) => `${e.queue}/${e.job}`))
      .filter((name, i, all) => all.indexOf(name) === i)
      .filter((name) => !this.jobs.get(name.split('/')[0], name.split('/')[1]));
    if (missingHandlers.length) throw new Error(`Startup check: no handler for job(s) ${missingHandlers.join(', ')}`);
    const unknownQueues = this.workflows.all().flatMap((w) => Object.values(w.effects).map((e) => e.queue)).filter((q) => !ALL_QUEUES.includes(q));
    if (unknownQueues.length) throw new Error(`Startup check: effects on unknown queue(s) ${[...new Set(unknownQueues)].join(', ')}`);

    const { rows } = await this.pool.query<{ key: string; version: number }>(
      'SELECT DISTINCT workflow_key AS key, workflow_version AS version FROM workflow_instances WHERE open',
    );
    const missing = this.workflows.missing(rows);
    if (missing.length) {
      throw new Error(`Startup check: open instances on workflow versions this build lacks: ${missing.map((m) => `${m.key} v${m.version}`).join(', ')}`);
    }

    const client = await redisOf(this.deadlines);
    const [, policy] = (await client.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy !== 'noeviction') {
      this.logger.warn(`Redis maxmemory-policy is ${policy}; set it to noeviction or queued jobs may be evicted (the reconciler would restore them)`);
    }
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { redisConnection } from '../queues/bullmq.js';
import { AuditRunsRepository, type AuditRun } from './audit-runs.repository.js';
import { AuditService } from './audit.service.js';
import { CheckpointService } from './checkpoint.service.js';

/** The audit's BullMQ queue: `verify` runs (one per request) and the repeatable `checkpoint`. */
export const AUDIT_QUEUE = 'audit';
const CHECKPOINT_SCHEDULER = 'audit-checkpoint';

type VerifyJob = { runId: string; actor: Actor };

/**
 * Runs the audit in the worker: any process enqueues a verification (its row in audit_runs says queued); a worker
 * takes it, records checked/total as it goes and its result at the end. A worker also keeps the checkpoint's job
 * scheduler (every AUDIT_CHECKPOINT_SECONDS, the first at once); BullMQ runs each due checkpoint on one worker.
 */
@Injectable()
export class AuditJobs implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private readonly queue: Queue;
  private worker?: Worker;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly checkpoints: CheckpointService,
    private readonly runs: AuditRunsRepository,
  ) {
    this.queue = new Queue(AUDIT_QUEUE, {
      connection: { ...redisConnection(config.redisUrl), connectionName: `${config.queuePrefix}:audit` },
      prefix: config.queuePrefix,
      defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 100, removeOnFail: 1000 },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.processRole === 'api') return;
    this.worker = new Worker(AUDIT_QUEUE, (job) => this.process(job), {
      connection: { ...redisConnection(this.config.redisUrl), connectionName: `${this.config.queuePrefix}:audit-worker` },
      prefix: this.config.queuePrefix,
      concurrency: 1,
    });
    this.worker.on('failed', (job, err) => this.logger.warn(`${job?.name} ${job?.id} failed: ${err.message}`));
    await this.queue.upsertJobScheduler(
      CHECKPOINT_SCHEDULER,
      { every: this.config.audit.checkpointSeconds * 1000 },
      { name: 'checkpoint' },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }

  /** Queues a verification of the caller's scope; its row, as queued. */
  async requestVerify(actor: Actor): Promise<AuditRun> {
    const id = randomUUID();
    const scope = scopePath(actor);
    await this.runs.create(id, scope, actor.id);
    await this.queue.add('verify', { runId: id, actor } satisfies VerifyJob, { jobId: id });
    return (await this.runs.find(id, scope))!;
  }

  /** Writes a checkpoint now (the scheduler's job; a test or an operator may ask for one). */
  async requestCheckpoint(): Promise<void> {
    await this.queue.add('checkpoint', {});
  }

  private async process(job: Job): Promise<unknown> {
    if (job.name === 'checkpoint') {
      const { name, checkpoint } = await this.checkpoints.write();
      return `${name}: ${checkpoint.instances.length} chains`;
    }
    if (job.name === 'verify') {
      const { runId, actor } = job.data as VerifyJob;
      try {
        const result = await this.audit.verify(actor, {
          onProgress: async (checked, total) => {
            await this.runs.progress(runId, checked, total);
            await job.updateProgress({ checked, total });
          },
        });
        await this.runs.finished(runId, result);
        return { ok: result.ok, checkedEvents: result.checkedEvents };
      } catch (err) {
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await this.runs.failed(runId, (err as Error).message);
        throw err;
      }
    }
    throw new Error(`unknown audit job ${job.name}`);
  }
}

import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { Role } from '../generated/kysely/enums.js';
import { defineTask, type TaskContext, type TaskHandler } from '../queues/job-definition.js';
import { TaskQueues } from '../queues/task-queues.js';
import type { AppConfig } from '../config/config.js';
import { AuditRunsRepository, type AuditRun } from './audit-runs.repository.js';
import { AuditService } from './audit.service.js';
import { CheckpointService } from './checkpoint.service.js';

/** The audit's BullMQ queue: `verify` runs (one per request) and the repeatable `checkpoint`. */
const AUDIT_QUEUE = { name: 'audit', concurrency: 1 };
const AUDIT_RETRIES = { attempts: 3, backoffMs: 1000 };

const VerifyPayload = z.object({
  runId: z.uuid(),
  actor: z.object({
    id: z.string(),
    username: z.string(),
    role: z.enum(Object.values(Role) as [Role, ...Role[]]),
    unitId: z.string(),
    unitPath: z.string(),
  }),
});
type VerifyPayload = z.infer<typeof VerifyPayload>;

/** A worker takes a queued verification, records checked/total as it goes and its result at the end. */
@Injectable()
export class AuditVerifyHandler implements TaskHandler<VerifyPayload> {
  constructor(
    private readonly audit: AuditService,
    private readonly runs: AuditRunsRepository,
  ) {}

  async handle({ runId, actor }: VerifyPayload, job: TaskContext) {
    try {
      const result = await this.audit.verify(actor, {
        onProgress: async (checked, total) => {
          await this.runs.progress(runId, checked, total);
          await job.progress({ checked, total });
        },
      });
      await this.runs.finished(runId, result);
      return { ok: result.ok, checkedEvents: result.checkedEvents };
    } catch (err) {
      if (job.final) await this.runs.failed(runId, (err as Error).message);
      throw err;
    }
  }
}

/** Writes a signed checkpoint of every history chain. */
@Injectable()
export class AuditCheckpointHandler implements TaskHandler<Record<string, never>> {
  constructor(private readonly checkpoints: CheckpointService) {}

  async handle() {
    const { name, checkpoint } = await this.checkpoints.write();
    return `${name}: ${checkpoint.instances.length} chains`;
  }
}

export const auditVerifyTask = defineTask({
  queue: AUDIT_QUEUE,
  name: 'verify',
  version: 1,
  payload: VerifyPayload,
  handler: AuditVerifyHandler,
  retries: AUDIT_RETRIES,
});

/** Every AUDIT_CHECKPOINT_SECONDS, the first at worker start; BullMQ runs each due checkpoint on one worker. */
export const auditCheckpointTask = defineTask({
  queue: AUDIT_QUEUE,
  name: 'checkpoint',
  version: 1,
  payload: z.strictObject({}),
  handler: AuditCheckpointHandler,
  retries: AUDIT_RETRIES,
  every: (config: AppConfig) => config.audit.checkpointSeconds * 1000,
});

/**
 * The audit's requests to the worker, from any process: a verification (its row in audit_runs says queued first)
 * and a checkpoint now.
 */
@Injectable()
export class AuditJobs {
  constructor(
    private readonly tasks: TaskQueues,
    private readonly runs: AuditRunsRepository,
  ) {}

  /** Queues a verification of the caller's scope; its row, as queued. */
  async requestVerify(actor: Actor): Promise<AuditRun> {
    const id = randomUUID();
    const scope = scopePath(actor);
    await this.runs.create(id, scope, actor.id);
    const { id: actorId, username, role, unitId, unitPath } = actor;
    await this.tasks.enqueue(auditVerifyTask, { runId: id, actor: { id: actorId, username, role, unitId, unitPath } }, { jobId: id });
    return (await this.runs.find(id, scope))!;
  }

  /** Writes a checkpoint now (the scheduler's job; a test or an operator may ask for one). */
  async requestCheckpoint(): Promise<void> {
    await this.tasks.enqueue(auditCheckpointTask, {});
  }
}

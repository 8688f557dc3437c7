import { assignReviewersJob } from '../certification/review-assignment.job.js';
import { notifyJob } from '../notifications/notify-job.js';
import { auditCheckpointTask, auditVerifyTask } from '../audit/audit.jobs.js';
import { idempotencyPurgeTask } from '../idempotency/idempotency.jobs.js';
import type { JobDefinition, TaskDefinition } from './job-definition.js';

/**
 * Every effect job this build runs (documenso-style definitions: queue, name, version, payload schema,
 * handler). A new effect queue is one definition listed here.
 */
export const jobDefinitions: readonly JobDefinition<never>[] = [notifyJob, assignReviewersJob] as unknown as JobDefinition<never>[];

/** Every task this build runs: jobs the service queues itself (no outbox row), some on a schedule. */
export const taskDefinitions: readonly TaskDefinition<never>[] = [
  auditVerifyTask,
  auditCheckpointTask,
  idempotencyPurgeTask,
] as unknown as TaskDefinition<never>[];

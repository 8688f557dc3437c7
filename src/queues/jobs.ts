import { assignReviewersJob } from '../certification/review-assignment.job.js';
import { notifyJob } from '../notifications/notify-job.js';
import type { JobDefinition } from './job-definition.js';

/**
 * Every effect job this build runs (documenso-style definitions: queue, name, version, payload schema,
 * handler). A new effect queue is one definition listed here.
 */
export const jobDefinitions: readonly JobDefinition<never>[] = [notifyJob, assignReviewersJob] as unknown as JobDefinition<never>[];

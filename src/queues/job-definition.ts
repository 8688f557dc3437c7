import type { Type } from '@nestjs/common';
import type { z } from 'zod';
import type { AppConfig } from '../config/config.js';

/** A BullMQ queue effects go to, and how many of its jobs one worker runs at once. */
export interface QueueSpec {
  name: string;
  concurrency: number;
}

export interface JobContext {
  /** The outbox row the job runs for. */
  outboxId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Whether BullMQ gives this job no further attempt after this one. */
  final: boolean;
}

/** Runs one job. It must be idempotent: a job may run again after a crash. */
export interface JobHandler<P = unknown> {
  handle(payload: P, context: JobContext): Promise<void>;
}

/**
 * One kind of effect job (after documenso's job definitions): the queue it runs on, its name, a version, the
 * schema its payload must satisfy and its handler. Adding an effect queue is one of these, listed in
 * `src/queues/jobs.ts`: the worker's processors, the relay's routing, the reconciler and the start-up checks
 * follow from the list.
 */
export interface JobDefinition<P = unknown> {
  queue: QueueSpec;
  name: string;
  version: number;
  payload: z.ZodType<P>;
  /** A provider of the application's modules, resolved when the worker starts; or a handler object. */
  handler: Type<JobHandler<P>> | JobHandler<P>;
}

export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

/** What is wrong with a job's payload, path by path, or null when its schema accepts it. */
export function payloadProblem(definition: { payload: z.ZodType<unknown> }, data: unknown): string | null {
  const checked = definition.payload.safeParse(data);
  return checked.success ? null : checked.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
}

/** The job definitions a worker runs (`jobs.ts` by default; a test may pass its own). */
export const JOB_DEFINITIONS = Symbol('JOB_DEFINITIONS');

/** The queues the definitions name, each once. */
export function queuesOf(definitions: readonly { queue: QueueSpec }[]): QueueSpec[] {
  const byName = new Map<string, QueueSpec>();
  for (const d of definitions) {
    const known = byName.get(d.queue.name);
    if (known && known.concurrency !== d.queue.concurrency) {
      throw new Error(`queue ${d.queue.name} is declared with concurrency ${known.concurrency} and ${d.queue.concurrency}`);
    }
    byName.set(d.queue.name, d.queue);
  }
  return [...byName.values()];
}

/** What a task's handler knows of its run. */
export interface TaskContext {
  /** BullMQ's job id (the one `enqueue` was given, or one of its own). */
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Whether BullMQ gives this job no further attempt after this one. */
  final: boolean;
  /** Records how far the job got (BullMQ's job progress). */
  progress(data: object): Promise<void>;
}

/** Runs one task; what it returns is kept as the job's return value. It must be idempotent, like a job handler. */
export interface TaskHandler<P = unknown> {
  handle(payload: P, context: TaskContext): Promise<unknown>;
}

/** Retries of a task's jobs; absent fields take DEFAULT_JOB_OPTIONS' (bullmq.ts). */
export interface TaskRetries {
  attempts: number;
  backoffMs: number;
}

/**
 * A job the service queues itself rather than an effect of a workflow (no outbox row): the audit's verification
 * runs and its checkpoint. The same shape as a JobDefinition (queue, name, version, payload schema, handler), plus
 * an optional schedule; listed in `src/queues/jobs.ts`, it gets its queue in every process (`TaskQueues.enqueue`),
 * a processor, the start-up check of its handler and the graceful stop in a worker, and its schedule there.
 */
export interface TaskDefinition<P = unknown> {
  queue: QueueSpec;
  name: string;
  version: number;
  payload: z.ZodType<P>;
  /** A provider of the application's modules, resolved when the worker starts; or a handler object. */
  handler: Type<TaskHandler<P>> | TaskHandler<P>;
  retries?: TaskRetries;
  /** When set, a worker keeps a BullMQ job scheduler running it every this many milliseconds (the first at once). */
  every?: (config: AppConfig) => number;
}

export function defineTask<P>(definition: TaskDefinition<P>): TaskDefinition<P> {
  return definition;
}

/** The task definitions this build runs (`jobs.ts` by default; a test may pass its own). */
export const TASK_DEFINITIONS = Symbol('TASK_DEFINITIONS');

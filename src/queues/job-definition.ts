import type { Type } from '@nestjs/common';
import type { z } from 'zod';

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
export function payloadProblem(definition: JobDefinition<unknown>, data: unknown): string | null {
  const checked = definition.payload.safeParse(data);
  return checked.success ? null : checked.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
}

/** The job definitions a worker runs (`jobs.ts` by default; a test may pass its own). */
export const JOB_DEFINITIONS = Symbol('JOB_DEFINITIONS');

/** The effect queues the definitions name, each once. */
export function queuesOf(definitions: readonly JobDefinition<never>[]): QueueSpec[] {
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

/** BullMQ's part of the configuration: the engine's deadlines queue, job retention and retries, the Redis connection. */

/** Delayed jobs that fire the engine's timers (the effect queues come from the job definitions, jobs.ts). */
export const DEADLINES_QUEUE = 'deadlines';
export const DEADLINES_CONCURRENCY = 16;

/** Bounded retention and retries for every job. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
} as const;

/** The ioredis client under a BullMQ queue (BullMQ 6 keeps it on the Redis backend). */
export async function redisOf(queue: import('bullmq').Queue): Promise<import('ioredis').Redis> {
  return (await (queue.getBackend() as unknown as { client: Promise<unknown> }).client) as import('ioredis').Redis;
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import { EngineService } from '../engine/engine.service.js';
import { DEADLINES_CONCURRENCY, DEADLINES_QUEUE } from './bullmq.js';
import type { QueueSpec } from './job-definition.js';
import { OutboxRunner } from './outbox-runner.js';
import { TaskRunner } from './task-runner.js';

/**
 * A worker's hold on its jobs (JOB_LOCK_SECONDS): renewed while a job runs; once a killed worker stops renewing
 * it, another worker's stalled-job check (as often as the lock lasts) puts the job back in its queue.
 */
export function jobLock(lockSeconds: number) {
  return { lockDuration: lockSeconds * 1000, stalledInterval: lockSeconds * 1000 };
}

/** A due timer sends its raised event into the engine as `system`; one cancelled or fired meanwhile is ignored. */
export function deadlineProcessor(lockSeconds: number): Type<WorkerHost> {
  @Processor(DEADLINES_QUEUE, { concurrency: DEADLINES_CONCURRENCY, ...jobLock(lockSeconds) })
  class DeadlineProcessor extends WorkerHost {
    constructor(@Inject(EngineService) private readonly engine: EngineService) {
      super();
    }

    async process(job: Job<{ timerId: string }>): Promise<string> {
      const result = await this.engine.fire(job.data.timerId);
      if (result.deadline === undefined) return 'ignored'; // no longer pending when the job ran
      return result.applied ? `fired ${result.deadline} ${result.kind}` : `ignored (${result.reason})`;
    }
  }
  return DeadlineProcessor;
}

/** The processor of one effect queue: each job through the OutboxRunner. */
export function effectProcessor(queue: QueueSpec, lockSeconds: number): Type<WorkerHost> {
  @Processor(queue.name, { concurrency: queue.concurrency, ...jobLock(lockSeconds) })
  class EffectProcessor extends WorkerHost {
    constructor(@Inject(OutboxRunner) private readonly runner: OutboxRunner) {
      super();
    }

    process(job: Job<Record<string, unknown> & { outboxId: string }>) {
      return this.runner.run(job);
    }
  }
  Object.defineProperty(EffectProcessor, 'name', { value: `EffectProcessor(${queue.name})` });
  return EffectProcessor;
}

/** The processor of one task queue: each job through the TaskRunner. */
export function taskProcessor(queue: QueueSpec, lockSeconds: number): Type<WorkerHost> {
  @Processor(queue.name, { concurrency: queue.concurrency, ...jobLock(lockSeconds) })
  class TaskProcessor extends WorkerHost {
    constructor(@Inject(TaskRunner) private readonly runner: TaskRunner) {
      super();
    }

    process(job: Job) {
      return this.runner.run(job);
    }
  }
  Object.defineProperty(TaskProcessor, 'name', { value: `TaskProcessor(${queue.name})` });
  return TaskProcessor;
}

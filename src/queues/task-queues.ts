import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JobsOptions, Queue } from 'bullmq';
import { payloadProblem, TASK_DEFINITIONS, type TaskDefinition } from './job-definition.js';

/** BullMQ's options for a task's jobs: its retries, else the queues' defaults. */
export function taskJobOptions(task: TaskDefinition<never>): JobsOptions {
  return task.retries ? { attempts: task.retries.attempts, backoff: { type: 'exponential', delay: task.retries.backoffMs } } : {};
}

/** The id of a task's job scheduler: one per task, whichever worker upserts it. */
export function schedulerId(task: TaskDefinition<never>): string {
  return `${task.queue.name}-${task.name}`;
}

/** Queues the service's own tasks, from any process: the payload checked against its definition's schema first. */
@Injectable()
export class TaskQueues {
  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(TASK_DEFINITIONS) private readonly tasks: readonly TaskDefinition<never>[],
  ) {}

  queue(name: string): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }

  /** Adds one job of the task (with `jobId`, at most one job of that id). Refuses a task not listed or a bad payload. */
  async enqueue<P>(task: TaskDefinition<P>, payload: P, options: { jobId?: string } = {}): Promise<void> {
    const listed = this.listed(task);
    const problem = payloadProblem(listed, payload);
    if (problem) throw new Error(`task ${task.queue.name}/${task.name}: ${problem}`);
    await this.queue(task.queue.name).add(task.name, payload, { ...taskJobOptions(listed), jobId: options.jobId });
  }

  /** Keeps the task's job scheduler at `everyMs` (BullMQ runs each due job on one worker). */
  async schedule(task: TaskDefinition<never>, everyMs: number): Promise<void> {
    const listed = this.listed(task);
    await this.queue(task.queue.name).upsertJobScheduler(
      schedulerId(listed),
      { every: everyMs },
      { name: listed.name, data: {}, opts: taskJobOptions(listed) },
    );
  }

  private listed<P>(task: TaskDefinition<P>): TaskDefinition<never> {
    const found = this.tasks.find((t) => t.queue.name === task.queue.name && t.name === task.name);
    if (!found) throw new Error(`task ${task.queue.name}/${task.name} is not listed in this build's task definitions`);
    return found;
  }
}

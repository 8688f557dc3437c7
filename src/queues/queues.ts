import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { DEADLINES_QUEUE } from './bullmq.js';
import { JobRegistry } from './job-registry.js';

/** The worker's BullMQ queues by name: the deadlines queue and every effect queue the job definitions name. */
@Injectable()
export class Queues {
  private resolved?: Map<string, Queue>;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly registry: JobRegistry,
  ) {}

  /** Looked up on first use: Nest creates the queues' providers after this one (nothing here depends on them by token). */
  private get byName(): Map<string, Queue> {
    if (!this.resolved) {
      const names = [DEADLINES_QUEUE, ...this.registry.queues().map((q) => q.name)];
      this.resolved = new Map(names.map((name) => [name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })]));
    }
    return this.resolved;
  }

  get deadlines(): Queue {
    return this.byName.get(DEADLINES_QUEUE)!;
  }

  get(name: string): Queue | undefined {
    return this.byName.get(name);
  }

  /** The effect queues' names. */
  effectQueues(): string[] {
    return [...this.byName.keys()].filter((n) => n !== DEADLINES_QUEUE);
  }
}

import type { WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';

/** The worker's processors (the deadlines', each effect queue's and each task queue's). */
export const PROCESSORS = Symbol('PROCESSORS');

/**
 * Graceful shutdown: the queue workers stop taking jobs and finish the ones in flight while the database
 * pool is still open (it closes at application shutdown, after every module's onModuleDestroy). A job
 * that cannot finish is returned to its queue by BullMQ's stalled-job check.
 */
@Injectable()
export class WorkerLifecycle implements OnModuleDestroy {
  constructor(@Inject(PROCESSORS) private readonly processors: WorkerHost[]) {}

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.processors.map((host) => host.worker?.close()));
  }
}

import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DeadlineProcessor } from './deadline.processor.js';
import { NotificationsProcessor, ReviewStepsProcessor } from './effect.processors.js';

/**
 * Graceful shutdown: the queue workers stop taking jobs and finish the ones in flight while the database
 * pool is still open (it closes at application shutdown, after every module's onModuleDestroy). A job
 * that cannot finish is returned to its queue by BullMQ's stalled-job check.
 */
@Injectable()
export class WorkerLifecycle implements OnModuleDestroy {
  constructor(
    private readonly deadlines: DeadlineProcessor,
    private readonly notifications: NotificationsProcessor,
    private readonly reviewSteps: ReviewStepsProcessor,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.deadlines, this.notifications, this.reviewSteps].map((host) => host.worker?.close()));
  }
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { OutboxRunner } from './outbox-runner.js';

type EffectJob = Job<Record<string, unknown> & { outboxId: string }>;

@Processor('notifications', { concurrency: 16 })
export class NotificationsProcessor extends WorkerHost {
  constructor(private readonly runner: OutboxRunner) {
    super();
  }
  process(job: EffectJob) {
    return this.runner.run(job);
  }
}

@Processor('review-steps', { concurrency: 4 })
export class ReviewStepsProcessor extends WorkerHost {
  constructor(private readonly runner: OutboxRunner) {
    super();
  }
  process(job: EffectJob) {
    return this.runner.run(job);
  }
}

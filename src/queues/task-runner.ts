import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { payloadProblem } from './job-definition.js';
import { JobRegistry } from './job-registry.js';

/** Runs a task's job: its payload checked against its definition's schema, then its handler. */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger('Tasks');

  constructor(private readonly registry: JobRegistry) {}

  async run(job: Job): Promise<unknown> {
    const task = this.registry.task(job.queueName, job.name);
    const handler = task && this.registry.handler(task);
    const refusal = !task || !handler ? `no handler for task ${job.queueName}/${job.name}` : payloadProblem(task, job.data);
    if (refusal) {
      // Retrying cannot help: the job goes to the failed set at once.
      this.logger.error(`task ${job.queueName}/${job.name} ${job.id} refused: ${refusal}`);
      throw new UnrecoverableError(refusal);
    }
    const attempt = job.attemptsMade + 1;
    const final = attempt >= (job.opts.attempts ?? 1);
    try {
      return await handler!.handle(task!.payload.parse(job.data) as never, {
        jobId: job.id ?? '',
        attempt,
        final,
        progress: (data) => job.updateProgress(data),
      });
    } catch (err) {
      if (final) this.logger.error(`task ${job.queueName}/${job.name} ${job.id} failed for good: ${(err as Error).message}`);
      else this.logger.warn(`task ${job.queueName}/${job.name} ${job.id} failed (attempt ${attempt}): ${(err as Error).message}`);
      throw err;
    }
  }
}

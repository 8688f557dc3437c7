import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { EngineRepository } from '../engine/engine.repository.js';
import { payloadProblem } from './job-definition.js';
import { JobRegistry } from './job-registry.js';

/**
 * Runs an effect job: its payload checked against its definition's schema, its handler once per outbox row, the
 * row marked done after it, or failed after the last try.
 */
@Injectable()
export class OutboxRunner {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly effects: EngineRepository,
    private readonly registry: JobRegistry,
  ) {}

  async run(job: Job<Record<string, unknown> & { outboxId: string }>): Promise<string> {
    const outboxId = job.data.outboxId;
    const status = await this.effects.effectStatus(outboxId);
    if (status === undefined || status === 'done') return 'already done';
    const definition = this.registry.definition(job.queueName, job.name);
    const handler = definition && this.registry.handler(definition);
    const refusal = !definition || !handler ? `no handler for job ${job.queueName}/${job.name}` : payloadProblem(definition, job.data);
    if (refusal) {
      // Retrying cannot help: the row says failed, and the job goes to the failed set at once.
      await this.effects.effectFailed(outboxId, refusal, true);
      this.logger.error(`job ${job.queueName}/${job.name} ${outboxId} refused: ${refusal}`);
      throw new UnrecoverableError(refusal);
    }
    const attempt = job.attemptsMade + 1;
    const final = attempt >= (job.opts.attempts ?? 1);
    try {
      await handler!.handle(definition!.payload.parse(job.data) as never, { outboxId, attempt, final });
    } catch (err) {
      await this.effects.effectFailed(outboxId, (err as Error).message, final);
      if (final) this.logger.error(`job ${job.queueName}/${job.name} ${outboxId} failed for good: ${(err as Error).message}`);
      throw err;
    }
    await this.effects.effectDone(outboxId);
    return 'done';
  }
}

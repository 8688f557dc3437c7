import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DEADLINES_QUEUE, DEFAULT_JOB_OPTIONS, redisConnection } from './bullmq.js';
import { JOB_DEFINITIONS, queuesOf, type JobDefinition } from './job-definition.js';
import { JobRegistry } from './job-registry.js';
import { OutboxRunner } from './outbox-runner.js';
import { deadlineProcessor, effectProcessor } from './processors.js';
import { Queues } from './queues.js';
import { ReconcilerService } from './reconciler.service.js';
import { RelayService } from './relay.service.js';
import { WorkerStartupChecks } from './startup-checks.js';
import { PROCESSORS, WorkerLifecycle } from './worker-lifecycle.js';

/**
 * What a worker process runs, built from the job definitions: one BullMQ queue and processor per effect queue
 * they name, beside the engine's deadlines queue; the relay, the reconciler, the start-up checks and the
 * graceful stop follow from the same list.
 */
@Module({})
export class WorkerModule {
  static forRoot(jobs: readonly JobDefinition<never>[], jobLockSeconds: number): DynamicModule {
    const processors: Type<WorkerHost>[] = [
      deadlineProcessor(jobLockSeconds),
      ...queuesOf(jobs).map((queue) => effectProcessor(queue, jobLockSeconds)),
    ];
    return {
      module: WorkerModule,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            connection: redisConnection(config.redisUrl),
            prefix: config.queuePrefix,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        BullModule.registerQueue({ name: DEADLINES_QUEUE }, ...queuesOf(jobs).map((q) => ({ name: q.name }))),
      ],
      providers: [
        { provide: JOB_DEFINITIONS, useValue: jobs },
        JobRegistry,
        Queues,
        RelayService,
        ReconcilerService,
        OutboxRunner,
        ...processors,
        { provide: PROCESSORS, inject: processors, useFactory: (...hosts: WorkerHost[]) => hosts },
        WorkerStartupChecks,
        WorkerLifecycle,
      ],
      exports: [RelayService, ReconcilerService, JobRegistry],
    };
  }
}

import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DeadlineProcessor } from './deadline.processor.js';
import { NotificationsProcessor, ReviewStepsProcessor } from './effect.processors.js';
import { JobRegistry } from './job-registry.js';
import { OutboxRunner } from './outbox-runner.js';
import { ALL_QUEUES, DEFAULT_JOB_OPTIONS, redisConnection } from './queue-names.js';
import { ReconcilerService } from './reconciler.service.js';
import { RelayService } from './relay.service.js';
import { WorkerStartupChecks } from './startup-checks.js';
import { WorkerLifecycle } from './worker-lifecycle.js';

/** The job registry, for every process (domain modules register their handlers in it). */
@Global()
@Module({ providers: [JobRegistry], exports: [JobRegistry] })
export class JobsModule {}

/** What a worker process runs: the relay, the reconciler and the queues' processors. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: redisConnection(config.redisUrl),
        prefix: config.queuePrefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  providers: [RelayService, ReconcilerService, OutboxRunner, DeadlineProcessor, NotificationsProcessor, ReviewStepsProcessor, WorkerStartupChecks, WorkerLifecycle],
  exports: [RelayService, ReconcilerService],
})
export class WorkerModule {}

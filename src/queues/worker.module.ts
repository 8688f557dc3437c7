import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { DEADLINES_QUEUE } from './bullmq.js';
import { JOB_DEFINITIONS, queuesOf, type JobDefinition, type TaskDefinition } from './job-definition.js';
import { JobRegistry } from './job-registry.js';
import { OutboxRunner } from './outbox-runner.js';
import { deadlineProcessor, effectProcessor, taskProcessor } from './processors.js';
import { Queues } from './queues.js';
import { ReconcilerService } from './reconciler.service.js';
import { RelayService } from './relay.service.js';
import { WorkerStartupChecks } from './startup-checks.js';
import { TaskRunner } from './task-runner.js';
import { TaskSchedules } from './task-schedules.js';
import { PROCESSORS, WorkerLifecycle } from './worker-lifecycle.js';

/**
 * What a worker process runs, built from the job and task definitions: one BullMQ queue and processor per effect
 * queue they name, beside the engine's deadlines queue, and a processor per task queue (QueuesModule holds those
 * queues, in every role); the relay, the reconciler, the start-up checks, the tasks' schedules and the graceful
 * stop follow from the same lists.
 */
@Module({})
export class WorkerModule {
  static forRoot(jobs: readonly JobDefinition<never>[], tasks: readonly TaskDefinition<never>[], jobLockSeconds: number): DynamicModule {
    const processors: Type<WorkerHost>[] = [
      deadlineProcessor(jobLockSeconds),
      ...queuesOf(jobs).map((queue) => effectProcessor(queue, jobLockSeconds)),
      ...queuesOf(tasks).map((queue) => taskProcessor(queue, jobLockSeconds)),
    ];
    return {
      module: WorkerModule,
      imports: [BullModule.registerQueue({ name: DEADLINES_QUEUE }, ...queuesOf(jobs).map((q) => ({ name: q.name })))],
      providers: [
        { provide: JOB_DEFINITIONS, useValue: jobs },
        JobRegistry,
        Queues,
        RelayService,
        ReconcilerService,
        OutboxRunner,
        TaskRunner,
        ...processors,
        { provide: PROCESSORS, inject: processors, useFactory: (...hosts: WorkerHost[]) => hosts },
        WorkerStartupChecks,
        TaskSchedules,
        WorkerLifecycle,
      ],
      exports: [RelayService, ReconcilerService, JobRegistry],
    };
  }
}

import { BullModule } from '@nestjs/bullmq';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DEFAULT_JOB_OPTIONS } from './bullmq.js';
import { queuesOf, TASK_DEFINITIONS, type TaskDefinition } from './job-definition.js';
import { QUEUE_CONNECTION, QueueConnectionModule } from './queue-connection.js';
import type { bullConnection } from '../redis/redis-client.js';
import { TaskQueues } from './task-queues.js';

/**
 * BullMQ for every process role: the connection and job defaults all queues share, and the queues of the service's
 * own tasks, which an API process adds to as well (a worker adds the effect queues and the processors, WorkerModule).
 */
@Global()
@Module({})
export class QueuesModule {
  static forRoot(tasks: readonly TaskDefinition<never>[]): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        BullModule.forRootAsync({
          imports: [QueueConnectionModule],
          inject: [APP_CONFIG, QUEUE_CONNECTION],
          useFactory: (config: AppConfig, connection: ReturnType<typeof bullConnection>) => ({
            connection,
            prefix: config.queuePrefix,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        BullModule.registerQueue(...queuesOf(tasks).map((q) => ({ name: q.name }))),
      ],
      providers: [{ provide: TASK_DEFINITIONS, useValue: tasks }, TaskQueues],
      exports: [TASK_DEFINITIONS, TaskQueues],
    };
  }
}

import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { JobRegistry } from './job-registry.js';
import { WorkerStartupChecks } from './startup-checks.js';
import { TaskQueues } from './task-queues.js';

/** A worker keeps the job scheduler of every task that declares `every`, once the start-up checks have passed. */
@Injectable()
export class TaskSchedules implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: JobRegistry,
    private readonly queues: TaskQueues,
    private readonly checks: WorkerStartupChecks,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.checks.passed();
    for (const task of this.registry.tasks()) {
      if (task.every) await this.queues.schedule(task, task.every(this.config));
    }
  }
}

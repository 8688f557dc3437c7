import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EngineRepository } from '../engine/engine.repository.js';
import { WorkflowRegistry } from '../engine/registry.js';
import { serversOf } from '../redis/redis-client.js';
import { redisOf } from './bullmq.js';
import { JobRegistry } from './job-registry.js';
import { Queues } from './queues.js';

/**
 * Refuses to start a worker that could not finish what the database holds: a task without its handler, an effect
 * of a workflow without a job definition or without its handler, or an open instance on a version this build does not have. Warns when
 * Redis may evict keys (BullMQ needs maxmemory-policy noeviction).
 */
@Injectable()
export class WorkerStartupChecks implements OnApplicationBootstrap {
  private readonly logger = new Logger('StartupChecks');

  constructor(
    private readonly engine: EngineRepository,
    private readonly workflows: WorkflowRegistry,
    private readonly jobs: JobRegistry,
    private readonly queues: Queues,
  ) {}

  private run?: Promise<void>;

  onApplicationBootstrap(): Promise<void> {
    return this.passed();
  }

  /** Settles once the checks ran (they run once), rejected with the first refusal. */
  passed(): Promise<void> {
    this.run ??= this.check();
    return this.run;
  }

  private async check(): Promise<void> {
    const tasksWithout = this.jobs.tasksWithoutHandler();
    if (tasksWithout.length) throw new Error(`Startup check: no handler for task(s) ${tasksWithout.join(', ')}`);

    const effects = [...new Set(this.workflows.all().flatMap((w) => Object.values(w.effects).map((e) => `${e.queue}/${e.job}`)))];
    const missingHandlers = this.jobs.missing(effects);
    if (missingHandlers.length) throw new Error(`Startup check: no handler for job(s) ${missingHandlers.join(', ')}`);

    const missing = this.workflows.missing(await this.engine.openVersions());
    if (missing.length) {
      throw new Error(
        `Startup check: open instances on workflow versions this build lacks: ${missing.map((m) => `${m.key} v${m.version}`).join(', ')}`,
      );
    }

    // From INFO rather than CONFIG GET: managed Redis services commonly refuse CONFIG to their clients.
    // On a cluster each master is asked: the one holding the queues' slot today may not be the one tomorrow.
    const client = await redisOf(this.queues.deadlines);
    const policies = await Promise.all(
      serversOf(client).map((server) =>
        server.info('memory').then(
          (info) => /^maxmemory_policy:(\S+)/m.exec(info)?.[1],
          () => undefined,
        ),
      ),
    );
    const policy = policies.includes(undefined) ? undefined : (policies.find((p) => p !== 'noeviction') ?? policies[0]);
    if (policy === undefined) {
      this.logger.warn('Redis did not say its maxmemory-policy; make sure it is noeviction, or queued jobs may be evicted');
    } else if (policy !== 'noeviction') {
      this.logger.warn(
        `Redis maxmemory-policy is ${policy}; set it to noeviction or queued jobs may be evicted (the reconciler would restore them)`,
      );
    }
  }
}

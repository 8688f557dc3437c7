import { EngineRepository } from '../src/engine/engine.repository.js';
import { WorkflowRegistry } from '../src/engine/registry.js';
import { JobRegistry } from '../src/queues/job-registry.js';
import type { WorkerHost } from '@nestjs/bullmq';
import { AuditJobs } from '../src/audit/audit.jobs.js';
import type { TaskDefinition } from '../src/queues/job-definition.js';
import { jobDefinitions, taskDefinitions } from '../src/queues/jobs.js';
import { Queues } from '../src/queues/queues.js';
import { WorkerStartupChecks } from '../src/queues/startup-checks.js';
import { TaskQueues } from '../src/queues/task-queues.js';
import { PROCESSORS } from '../src/queues/worker-lifecycle.js';
import { workflowDefinitions } from '../workflows/index.js';
import { startTestApp, waitFor, type TestApp } from './support/app.js';
import { engineHarness, engineOverrides, notifyRecorder, testWorkflow, type EngineHarness } from './support/test-workflow.js';

/**
 * A worker refuses to start when it could not finish what the database holds. The checks run against the real
 * database and Redis, with the registries a build would have.
 */
describe('worker start-up checks', () => {
  let t: TestApp;
  let h: EngineHarness;

  beforeAll(async () => {
    t = await startTestApp('engine_startup', { DEADLINE_OVERRIDES: 'test.review=PT1H' }, engineOverrides());
    h = await engineHarness(t.app);
  });
  afterAll(async () => t?.close());

  /** The checks as a worker built with these workflows, and the notify job or not, would run them. */
  function checks(definitions: ReturnType<typeof testWorkflow>[], withHandler: boolean) {
    const jobs = new JobRegistry(withHandler ? [notifyRecorder().job as never] : [], {
      get: () => {
        throw new Error('no provider');
      },
    });
    return new WorkerStartupChecks(t.app.get(EngineRepository), new WorkflowRegistry(definitions), jobs, t.app.get(Queues));
  }

  it('a worker whose build lacks the notify job does not start', async () => {
    const withoutNotify = jobDefinitions.filter((j) => j.name !== 'notify');
    await expect(
      startTestApp(
        'engine_startup',
        { DEADLINE_OVERRIDES: 'test.review=PT1H', KEEP_DATABASE: '1', PROCESS_ROLE: 'worker' },
        { workflows: workflowDefinitions, jobs: withoutNotify },
      ),
    ).rejects.toThrow('Startup check: no handler for job(s) notifications/notify');
  });

  it("a worker whose build lacks a task's handler (the audit's checkpoint) does not start", async () => {
    class NotProvided {}
    const withoutCheckpoint = taskDefinitions.map((task) =>
      task.name === 'checkpoint' ? ({ ...task, handler: NotProvided } as unknown as TaskDefinition<never>) : task,
    );
    await expect(
      startTestApp(
        'engine_startup',
        { DEADLINE_OVERRIDES: 'test.review=PT1H', KEEP_DATABASE: '1', PROCESS_ROLE: 'worker' },
        { workflows: workflowDefinitions, tasks: withoutCheckpoint },
      ),
    ).rejects.toThrow('Startup check: no handler for task(s) audit/checkpoint');
  });

  it("runs the tasks' jobs on a processor of its own, which stops with the worker", async () => {
    const worker = await startTestApp(
      'engine_startup',
      { DEADLINE_OVERRIDES: 'test.review=PT1H', KEEP_DATABASE: '1', PROCESS_ROLE: 'worker' },
      { workflows: workflowDefinitions },
    );
    let closed = false;
    try {
      const audit = worker.app.get<WorkerHost[]>(PROCESSORS).find((p) => p.constructor.name === 'TaskProcessor(audit)')!;
      expect(audit.worker.isRunning()).toBe(true);
      expect(audit.worker.name).toBe('audit');
      // The checkpoint's scheduler is kept (the first one runs at once) and a requested one runs too.
      await worker.app.get(AuditJobs).requestCheckpoint();
      const audits = worker.app.get(TaskQueues).queue('audit');
      expect(await audits.getJobSchedulersCount()).toBe(1);
      await waitFor(async () => (await audits.getCompleted()).filter((j) => j.name === 'checkpoint').length >= 2, {
        what: 'two checkpoints written by the worker',
      });
      await worker.close();
      closed = true;
      expect(audit.worker.isRunning()).toBe(false);
    } finally {
      if (!closed) await worker.close();
    }
  });

  it('refuses a workflow whose effect has no job handler', async () => {
    await expect(checks([testWorkflow()], false).onApplicationBootstrap()).rejects.toThrow(
      'Startup check: no handler for job(s) notifications/notify',
    );
    await expect(checks([testWorkflow()], true).onApplicationBootstrap()).resolves.toBeUndefined();
  });

  it('refuses open instances on a version this build lacks, unless the latest migrates from it', async () => {
    const subject = h.subject();
    await h.engine.start('test', subject, h.actors.commune);
    await expect(checks([testWorkflow({ version: 2, variant: 'v2' })], true).onApplicationBootstrap()).rejects.toThrow(
      'Startup check: open instances on workflow versions this build lacks: test v1',
    );
    await expect(checks([], true).onApplicationBootstrap()).rejects.toThrow(/lacks: test v1/);
    await expect(
      checks([testWorkflow({ version: 2, variant: 'v2', migrations: [{ from: 1, up: (s) => s }] })], true).onApplicationBootstrap(),
    ).resolves.toBeUndefined();
  });

  it('finished instances on a version this build lacks do not stop it', async () => {
    await h.pool.query(`UPDATE workflow_instances SET open = false WHERE workflow_key = 'test'`);
    await expect(checks([testWorkflow({ version: 2, variant: 'v2' })], true).onApplicationBootstrap()).resolves.toBeUndefined();
  });
});

import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { WorkflowRegistry } from '../src/engine/registry.js';
import { JobRegistry } from '../src/queues/job-registry.js';
import { WorkerStartupChecks } from '../src/queues/startup-checks.js';
import { startTestApp, type TestApp } from './support/app.js';
import { engineHarness, notifyRecorder, testWorkflow, type EngineHarness } from './support/test-workflow.js';

/**
 * A worker refuses to start when it could not finish what the database holds. The checks run against the real
 * database and Redis, with the registries a build would have.
 */
describe('worker start-up checks', () => {
  let t: TestApp;
  let h: EngineHarness;
  let deadlines: Queue;

  beforeAll(async () => {
    t = await startTestApp('engine_startup', { DEADLINE_OVERRIDES: 'test.review=PT1H' });
    h = await engineHarness(t.app);
    deadlines = t.app.get<Queue>(getQueueToken('deadlines'));
  });
  afterAll(async () => t?.close());

  function checks(definitions: ReturnType<typeof testWorkflow>[], withHandler: boolean) {
    const workflows = new WorkflowRegistry();
    for (const d of definitions) workflows.register(d);
    const jobs = new JobRegistry();
    if (withHandler) jobs.register(notifyRecorder().job);
    return new WorkerStartupChecks(h.pool, workflows, jobs, deadlines);
  }

  it('refuses a workflow whose effect has no job handler', async () => {
    await expect(checks([testWorkflow()], false).onApplicationBootstrap()).rejects.toThrow('Startup check: no handler for job(s) notifications/notify');
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

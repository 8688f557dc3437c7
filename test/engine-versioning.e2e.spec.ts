import { SYSTEM_ACTOR } from '../src/engine/engine.types.js';
import { startTestApp, type TestApp } from './support/app.js';
import { engineHarness, engineOverrides, refusal, testWorkflow, type EngineHarness } from './support/test-workflow.js';

/** An instance keeps the version it started with, unless the latest version declares a migration from it. */
describe('engine: workflow versions', () => {
  let t: TestApp;
  let h: EngineHarness;

  beforeAll(async () => {
    t = await startTestApp(
      'engine_versioning',
      { DEADLINE_OVERRIDES: 'test.review=PT1H,mig.review=PT1H' },
      engineOverrides({ definitions: [testWorkflow({ key: 'test', version: 1 }), testWorkflow({ key: 'mig', version: 1, id: 'm' })] }),
    );
    h = await engineHarness(t.app);
  });
  afterAll(async () => t?.close());

  it('an instance on version 1 finishes on version 1 after version 2 is registered; a new one starts on version 2', async () => {
    const old = h.subject('v1');
    const started = await h.engine.start('test', old, h.actors.commune, { required: 1 });
    expect(started.workflowVersion).toBe(1);
    await h.engine.send(old, { type: 'SUBMIT' }, h.actors.commune);

    const waiting = h.subject('v1-waiting');
    const waitingStart = await h.engine.start('test', waiting, h.actors.commune, { required: 0 });
    await h.engine.send(waiting, { type: 'SUBMIT' }, h.actors.commune);

    h.registry.register(testWorkflow({ key: 'test', version: 2, variant: 'v2' }));
    expect(h.registry.latest('test')?.version).toBe(2);

    // What only version 2 takes is refused to a version-1 instance, with version 1's events.
    const refused = await refusal(h.engine.send(waiting, { type: 'SIGN_OFF' }, h.actors.officer));
    expect(refused.status).toBe(409);
    // The officer may send none of version 1's review events; the system sees them all.
    expect(refused.body.allowedEvents).toEqual([]);
    const refusedToSystem = await refusal(h.engine.send(waiting, { type: 'SIGN_OFF' }, SYSTEM_ACTOR));
    expect((refusedToSystem.body.allowedEvents as string[]).sort()).toEqual(['APPROVE', 'REVIEW']);
    expect((await h.engine.inspect(waiting))?.workflowVersion).toBe(1);
    expect((await h.instance(waitingStart.instanceId)).workflow_version).toBe(1);

    const reviewed = await h.engine.send(old, { type: 'REVIEW' }, h.actors.reviewer);
    expect(reviewed.workflowVersion).toBe(1);
    // Version 1's APPROVE goes straight to approved (version 2 would go to signoff).
    const approved = await h.engine.send(old, { type: 'APPROVE' }, h.actors.reviewer);
    expect(approved).toMatchObject({ state: 'approved', open: false, workflowVersion: 1 });
    const row = await h.instance(started.instanceId);
    expect(row.workflow_version).toBe(1);
    expect(row.state).toBe('approved');
    // Version 2's events mean nothing to version 1.
    const inspected = await h.engine.inspect(old);
    expect(inspected).toMatchObject({ workflowVersion: 1, state: 'approved', allowedEvents: [] });

    const fresh = h.subject('v2');
    const second = await h.engine.start('test', fresh, h.actors.commune, { required: 1 });
    expect(second.workflowVersion).toBe(2);
    await h.engine.send(fresh, { type: 'SUBMIT' }, h.actors.commune);
    await h.engine.send(fresh, { type: 'REVIEW' }, h.actors.reviewer);
    expect(await h.engine.send(fresh, { type: 'APPROVE' }, h.actors.reviewer)).toMatchObject({
      state: 'signoff',
      open: true,
      workflowVersion: 2,
    });
    expect((await h.engine.inspect(fresh, h.actors.officer))?.allowedEvents).toEqual(['SIGN_OFF']);
    expect(await h.engine.send(fresh, { type: 'SIGN_OFF' }, h.actors.officer)).toMatchObject({
      state: 'approved',
      open: false,
      workflowVersion: 2,
    });
    expect((await h.instance(second.instanceId)).workflow_version).toBe(2);
  });

  it('with a migration from 1 on version 2, an open version-1 instance moves to version 2 on its next event', async () => {
    const open = h.subject('mig-open');
    const started = await h.engine.start('mig', open, h.actors.commune, { required: 1 });
    await h.engine.send(open, { type: 'SUBMIT' }, h.actors.commune);
    const done = h.subject('mig-done');
    const finished = await h.engine.start('mig', done, h.actors.commune, { required: 0 });
    await h.engine.send(done, { type: 'SUBMIT' }, h.actors.commune);
    await h.engine.send(done, { type: 'APPROVE' }, h.actors.reviewer);

    const migrated: unknown[] = [];
    h.registry.register(
      testWorkflow({
        key: 'mig',
        id: 'm',
        version: 2,
        variant: 'v2',
        migrations: [
          {
            from: 1,
            up(snapshot) {
              migrated.push(snapshot.value);
              return { ...snapshot, context: { ...snapshot.context, migratedFrom: 1 } };
            },
          },
        ],
      }),
    );
    expect(h.registry.missing([{ key: 'mig', version: 1 }])).toEqual([]);

    // Nothing moves until the instance's next event.
    expect((await h.instance(started.instanceId)).workflow_version).toBe(1);
    const reviewed = await h.engine.send(open, { type: 'REVIEW' }, h.actors.reviewer);
    expect(reviewed).toMatchObject({ workflowVersion: 2, state: 'review', version: 3 });
    expect(reviewed.context).toEqual({ reviews: 1, required: 1, migratedFrom: 1 });
    expect(migrated).toEqual(['review']);
    const row = await h.instance(started.instanceId);
    expect(row.workflow_version).toBe(2);
    expect(row.snapshot.context.migratedFrom).toBe(1);

    // It now follows version 2: APPROVE goes to signoff.
    expect(await h.engine.send(open, { type: 'APPROVE' }, h.actors.reviewer)).toMatchObject({ state: 'signoff', workflowVersion: 2 });
    expect(migrated).toHaveLength(1);
    // Its history is one chain across the versions.
    expect((await h.history(started.instanceId)).map((e) => [e.seq, e.type, e.to_state])).toEqual([
      [1, 'START', 'draft'],
      [2, 'SUBMIT', 'review'],
      [3, 'REVIEW', 'review'],
      [4, 'APPROVE', 'signoff'],
    ]);

    // A finished version-1 instance is not migrated by looking at it, and a refused event migrates nothing.
    expect((await h.instance(finished.instanceId)).workflow_version).toBe(1);
    const refused = await refusal(h.engine.send(done, { type: 'REVIEW' }, h.actors.reviewer));
    expect(refused.status).toBe(409);
    expect((await h.instance(finished.instanceId)).workflow_version).toBe(1);
  });

  it('a new instance of a migrated workflow starts on the latest version', async () => {
    const subject = h.subject('mig-new');
    const started = await h.engine.start('mig', subject, h.actors.commune);
    expect(started.workflowVersion).toBe(2);
    expect(started.context).toEqual({ reviews: 0, required: 2 });
  });
});

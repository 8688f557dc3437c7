import { AuditService } from '../src/audit/audit.service.js';
import type { Actor } from '../src/auth/actor.js';
import { NotPermitted } from '../src/common/errors.js';
import { startTestApp, type TestApp } from './support/app.js';
import { engineHarness, engineOverrides, refusal, type EngineHarness } from './support/test-workflow.js';

/**
 * Two application instances on one database play two service processes taking turns on the same instances:
 * each judges an event on the row it locks, never on one it remembers, so nothing may be lost, applied twice,
 * or refused because the other process wrote in between.
 */
const ADMIN_ACTOR: Actor = { id: 'admin', username: 'admin', role: 'ADMIN', unitId: '', unitPath: '' };

describe('engine: two processes on one instance', () => {
  const NAME = 'engine_two_processes';
  // One deployment's processes share the history key (AUDIT_KEY), as they share JWT_SECRET.
  const ENV = { DEADLINE_OVERRIDES: 'test.review=PT1H', AUDIT_KEY: 'two-processes-audit-key-long-enough-0123456789' };
  let a: TestApp;
  let b: TestApp;
  let ha: EngineHarness;
  let hb: EngineHarness;

  beforeAll(async () => {
    a = await startTestApp(NAME, ENV, engineOverrides());
    b = await startTestApp(NAME, { ...ENV, KEEP_DATABASE: '1' }, engineOverrides());
    ha = await engineHarness(a.app);
    hb = await engineHarness(b.app);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  async function inReview(required: number) {
    const subject = ha.subject('optimistic');
    const started = await ha.engine.start('test', subject, ha.actors.commune, { required });
    await ha.engine.send(subject, { type: 'SUBMIT' }, ha.actors.commune);
    return { subject, instanceId: started.instanceId };
  }

  it('two processes taking turns on one instance: every event applied once, versions and history gap-free', async () => {
    const { subject, instanceId } = await inReview(100);
    for (let i = 0; i < 12; i++) {
      const h = i % 3 === 0 ? hb : ha; // runs of two on one process, then one on the other
      const sent = await h.engine.send(subject, { type: 'REVIEW', n: i }, h.actors.reviewer);
      expect(sent).toMatchObject({ applied: true, version: 3 + i, seq: 3 + i, state: 'review' });
      expect(sent.context.reviews).toBe(i + 1);
    }
    const after = await ha.instance(instanceId);
    expect(after).toMatchObject({ version: 14, last_seq: 14 });
    expect(after.snapshot.context.reviews).toBe(12);
    const history = await ha.history(instanceId);
    expect(history.map((e) => e.seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect((await a.app.get(AuditService).verify(ADMIN_ACTOR)).ok).toBe(true);
  });

  it('an event refused on a stale row is judged again on the locked one: applied when the instance allows it', async () => {
    const { subject } = await inReview(2);
    await ha.engine.send(subject, { type: 'REVIEW' }, ha.actors.reviewer); // a remembers 1 review of 2
    await hb.engine.send(subject, { type: 'REVIEW' }, hb.actors.reviewer); // the instance has 2
    // On a's row APPROVE's guard would refuse (422); on the instance it passes.
    const approved = await ha.engine.send(subject, { type: 'APPROVE' }, ha.actors.reviewer);
    expect(approved).toMatchObject({ applied: true, state: 'approved', version: 5 });
  });

  it('an event allowed on a stale row is refused when the instance has moved on, and writes nothing', async () => {
    const { subject, instanceId } = await inReview(1);
    await ha.engine.send(subject, { type: 'REVIEW' }, ha.actors.reviewer); // a remembers `review`
    await hb.engine.send(subject, { type: 'APPROVE' }, hb.actors.reviewer); // the instance is final
    const before = await ha.instance(instanceId);
    const refused = await refusal(ha.engine.send(subject, { type: 'REVIEW' }, ha.actors.reviewer));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ allowedEvents: [] });
    const after = await ha.instance(instanceId);
    expect(after).toMatchObject({ version: before.version, last_seq: before.last_seq, state: 'approved' });
    expect((await ha.history(instanceId)).map((e) => e.type)).toEqual(['START', 'SUBMIT', 'REVIEW', 'APPROVE']);
  });

  it('a domain check refusing (403) on a stale row is judged again on the locked one', async () => {
    const { subject } = await inReview(100);
    await ha.engine.send(subject, { type: 'REVIEW' }, ha.actors.reviewer); // a remembers 1 review
    await hb.engine.send(subject, { type: 'REVIEW' }, hb.actors.reviewer); // the instance has 2
    // A domain rule in the event's transaction (as the funding module's who-may-cancel): on a's row it refuses.
    ha.engine.use('test', {
      repeatable: true,
      async afterTransition(_tx, change) {
        if (change.subject.id === subject.id && (change.context.reviews as number) < 3)
          throw new NotPermitted('role_may_not_send', { role: 'REVIEWER', event: 'REVIEW' });
      },
    });
    const sent = await ha.engine.send(subject, { type: 'REVIEW' }, ha.actors.reviewer);
    expect(sent).toMatchObject({ applied: true, version: 5 });
    expect(sent.context.reviews).toBe(3);
  });

  it('both processes at once on one instance: the accepted events are exactly the versions added', async () => {
    const { subject, instanceId } = await inReview(1000);
    // Each process first remembers the row, then 20 events from each race.
    await ha.engine.send(subject, { type: 'REVIEW' }, ha.actors.reviewer);
    await hb.engine.send(subject, { type: 'REVIEW' }, hb.actors.reviewer);
    const sends = Array.from({ length: 40 }, (_, i) =>
      (i % 2 ? ha : hb).engine.send(subject, { type: 'REVIEW', n: i }, ha.actors.reviewer),
    );
    const results = await Promise.all(sends);
    expect(results.every((r) => r.applied)).toBe(true);
    expect(new Set(results.map((r) => r.version)).size).toBe(40);
    const after = await ha.instance(instanceId);
    expect(after.version).toBe(44);
    expect(after.snapshot.context.reviews).toBe(42);
    expect((await ha.history(instanceId)).map((e) => e.seq)).toEqual(Array.from({ length: 44 }, (_, i) => i + 1));
    expect((await a.app.get(AuditService).verify(ADMIN_ACTOR)).ok).toBe(true);
  });
});

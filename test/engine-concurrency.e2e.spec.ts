import { AuditService } from '../src/audit/audit.service.js';
import { DomainError } from '../src/common/errors.js';
import { toHttpError } from '../src/common/exception.filter.js';
import { SYSTEM_ACTOR } from '../src/engine/engine.types.js';
import { startTestApp, type TestApp } from './support/app.js';
import { actorAt, engineHarness, engineOverrides, refusal, type EngineHarness } from './support/test-workflow.js';

/** One engine event at a time per instance, whatever the concurrency; refusals write nothing. */
describe('engine: concurrency, idempotency, refusals', () => {
  let t: TestApp;
  let h: EngineHarness;

  beforeAll(async () => {
    // Timers an hour long: nothing but the test's own events moves these instances. Fifty events on one row wait for
    // each other's lock holding 20 of the pool's connections while 30 wait for one: on a loaded machine that outlasts
    // the default 5 s wait for a connection (a 503 in the service, not what this file is about).
    t = await startTestApp(
      'engine_concurrency',
      { DEADLINE_OVERRIDES: 'test.review=PT1H', DATABASE_CONNECT_TIMEOUT_SECONDS: '120' },
      engineOverrides(),
    );
    h = await engineHarness(t.app);
  });
  afterAll(async () => t?.close());

  async function inReview(required = 2) {
    const subject = h.subject();
    const started = await h.engine.start('test', subject, h.actors.commune, { required });
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    return { subject, instanceId: started.instanceId };
  }

  it('50 concurrent events on one instance: version raised by exactly the number accepted, history gap-free', async () => {
    const { subject, instanceId } = await inReview(10);
    const before = await h.instance(instanceId);
    expect(before.version).toBe(2);

    // 35 REVIEWs and 15 APPROVEs interleaved: APPROVE is refused (422) until 10 reviews, then one succeeds,
    // and everything after the approval is refused (409: the final state takes nothing).
    const events = Array.from({ length: 50 }, (_, i) => (i % 10 < 7 ? 'REVIEW' : 'APPROVE'));
    const results = await Promise.allSettled(events.map((type, i) => h.engine.send(subject, { type, n: i }, h.actors.reviewer)));

    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const r of refused) {
      if (!(r.reason instanceof DomainError)) throw r.reason; // the failure then names what it was
      expect(r.reason).toBeInstanceOf(DomainError);
      expect([409, 422]).toContain(toHttpError(r.reason, 'en')!.status);
    }
    expect(accepted.length + refused.length).toBe(50);
    for (const r of accepted) expect((r as PromiseFulfilledResult<{ applied: boolean }>).value.applied).toBe(true);

    const after = await h.instance(instanceId);
    expect(after.version - before.version).toBe(accepted.length);
    expect(after.last_seq).toBe(after.version);

    const history = await h.history(instanceId);
    expect(history.map((e) => e.seq)).toEqual(Array.from({ length: after.version }, (_, i) => i + 1));
    // Every accepted event is in the history once, with the seq the engine returned.
    const seqs = accepted.map((r) => (r as PromiseFulfilledResult<{ seq: number }>).value.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: accepted.length }, (_, i) => before.version + 1 + i));
    const reviews = history.filter((e) => e.type === 'REVIEW').length;
    expect(after.snapshot.context.reviews).toBe(reviews);
    expect(accepted.length).toBe(reviews + (after.state === 'approved' ? 1 : 0));
    // The chain of states is consistent: each row starts where the previous ended.
    for (let i = 1; i < history.length; i++) expect(history[i].from_state).toBe(history[i - 1].to_state);

    if (after.state === 'approved') {
      expect(history.filter((e) => e.type === 'APPROVE')).toHaveLength(1);
      expect(reviews).toBeGreaterThanOrEqual(10);
    }
    // The approval cancelled the instance's timers in the same transaction.
    const timers = await h.timers(instanceId);
    expect(timers.every((x) => x.status === (after.state === 'approved' ? 'cancelled' : 'pending'))).toBe(true);

    const audit = await t.app
      .get(AuditService)
      .verify({ id: 'a', username: 'admin', role: 'ADMIN', unitId: h.units.province.id, unitPath: h.units.province.path });
    expect(audit.ok).toBe(true);
  });

  it('50 concurrent accepted events: all applied, none lost', async () => {
    const { subject, instanceId } = await inReview(1000);
    const results = await Promise.all(Array.from({ length: 50 }, () => h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer)));
    expect(results.every((r) => r.applied)).toBe(true);
    expect(new Set(results.map((r) => r.version)).size).toBe(50);
    const inst = await h.instance(instanceId);
    expect(inst.version).toBe(52);
    expect(inst.snapshot.context.reviews).toBe(50);
    expect((await h.history(instanceId)).map((e) => e.seq)).toEqual(Array.from({ length: 52 }, (_, i) => i + 1));
  });

  it('the same event with the same idempotency key sent 10 times concurrently is applied once', async () => {
    const { subject, instanceId } = await inReview();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.engine.send(subject, { type: 'REVIEW', note: 'tiêu chí 1' }, h.actors.reviewer, { idempotencyKey: 'review-1' }),
      ),
    );
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(results.filter((r) => !r.applied).every((r) => r.reason === 'duplicate')).toBe(true);
    const inst = await h.instance(instanceId);
    expect(inst.version).toBe(3);
    expect(inst.snapshot.context.reviews).toBe(1);
    const history = await h.history(instanceId);
    expect(history.filter((e) => e.type === 'REVIEW')).toHaveLength(1);
    expect(history.filter((e) => e.idempotency_key !== null)).toHaveLength(1);

    // A duplicate answers with the instance's current state.
    const again = await h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer, { idempotencyKey: 'review-1' });
    expect(again).toMatchObject({ applied: false, reason: 'duplicate', state: 'review', version: 3 });
    // Another key, or another user with the same key, is another event.
    expect((await h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer, { idempotencyKey: 'review-2' })).applied).toBe(true);
    const colleague = actorAt('REVIEWER', h.units.district, 'district-reviewer-2');
    expect((await h.engine.send(subject, { type: 'REVIEW' }, colleague, { idempotencyKey: 'review-1' })).applied).toBe(true);
    expect((await h.instance(instanceId)).version).toBe(5);
  });

  describe('refusals', () => {
    it('409 with allowedEvents for an event the state does not take: what the caller may send now', async () => {
      const subject = h.subject();
      const started = await h.engine.start('test', subject, h.actors.commune);
      const before = await h.footprint(started.instanceId);
      // The draft waits for its commune: nothing for the reviewer, as GET shows it; the system sees the state's.
      const r = await refusal(h.engine.send(subject, { type: 'APPROVE' }, h.actors.reviewer));
      expect(r.status).toBe(409);
      expect(r.body.allowedEvents).toEqual([]);
      expect((await h.engine.inspect(subject, h.actors.reviewer))?.allowedEvents).toEqual([]);
      expect((await refusal(h.engine.send(subject, { type: 'APPROVE' }, SYSTEM_ACTOR))).body.allowedEvents).toEqual(['SUBMIT']);
      expect(await h.footprint(started.instanceId)).toEqual(before);

      const { subject: inReviewSubject, instanceId } = await inReview();
      const before2 = await h.footprint(instanceId);
      const r2 = await refusal(h.engine.send(inReviewSubject, { type: 'SUBMIT' }, h.actors.commune));
      expect(r2.status).toBe(409);
      expect(r2.body.allowedEvents).toEqual([]);
      const r3 = await refusal(h.engine.send(inReviewSubject, { type: 'SUBMIT' }, SYSTEM_ACTOR));
      expect((r3.body.allowedEvents as string[]).sort()).toEqual(['APPROVE', 'REVIEW']);
      expect(await h.footprint(instanceId)).toEqual(before2);
    });

    it('409 for any event once the instance is final', async () => {
      const { subject, instanceId } = await inReview(1);
      await h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer);
      await h.engine.send(subject, { type: 'APPROVE' }, h.actors.reviewer);
      const before = await h.footprint(instanceId);
      const r = await refusal(h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer));
      expect(r.status).toBe(409);
      expect(r.body.allowedEvents).toEqual([]);
      expect(await h.footprint(instanceId)).toEqual(before);
    });

    it("422 with the guard's rule when a guard refuses", async () => {
      const { subject, instanceId } = await inReview(2);
      await h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer);
      const before = await h.footprint(instanceId);
      const r = await refusal(h.engine.send(subject, { type: 'APPROVE' }, h.actors.reviewer));
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ rule: 'all_reviewed', message: 'every criterion must be reviewed first' });
      expect(await h.footprint(instanceId)).toEqual(before);
    });

    it('403 for a wrong role, or the right role in the wrong unit', async () => {
      const { subject, instanceId } = await inReview();
      const before = await h.footprint(instanceId);
      // Commune staff may not review; a reviewer may not submit; the province officer may not approve.
      expect((await refusal(h.engine.send(subject, { type: 'REVIEW' }, h.actors.commune))).status).toBe(403);
      expect((await refusal(h.engine.send(subject, { type: 'APPROVE' }, h.actors.officer))).status).toBe(403);
      const draft = h.subject();
      const started = await h.engine.start('test', draft, h.actors.commune);
      const draftBefore = await h.footprint(started.instanceId);
      expect((await refusal(h.engine.send(draft, { type: 'SUBMIT' }, h.actors.reviewer))).status).toBe(403);
      // A reviewer of the province sees the village but reviews are for its district's reviewers (ancestor:2).
      const provinceReviewer = actorAt('REVIEWER', h.units.province, 'province-reviewer');
      expect((await refusal(h.engine.send(subject, { type: 'REVIEW' }, provinceReviewer))).status).toBe(403);
      // District staff may not submit for a commune (ancestor:1).
      const districtStaff = actorAt('COMMUNE_STAFF', h.units.district, 'district-staff');
      expect((await refusal(h.engine.send(draft, { type: 'SUBMIT' }, districtStaff))).status).toBe(403);
      // An event no permission lists is the system's only.
      expect((await refusal(h.engine.send(subject, { type: 'xstate.after.reviewDue.t.review' }, h.actors.reviewer))).status).toBe(403);
      expect(await h.footprint(instanceId)).toEqual(before);
      expect(await h.footprint(started.instanceId)).toEqual(draftBefore);
    });

    it("404 for an actor outside the subject's unit, and for a subject without an instance", async () => {
      const { subject, instanceId } = await inReview();
      const before = await h.footprint(instanceId);
      const otherDistrictReviewer = actorAt('REVIEWER', h.units.otherDistrict, 'cl-reviewer');
      const r = await refusal(h.engine.send(subject, { type: 'REVIEW' }, otherDistrictReviewer));
      expect(r.status).toBe(404);
      const otherCommuneStaff = actorAt('COMMUNE_STAFF', h.units.otherDistrictCommune, 'cl-staff');
      expect((await refusal(h.engine.send(subject, { type: 'SUBMIT' }, otherCommuneStaff))).status).toBe(404);
      // Outside the unit, the answer is the same as for a subject that does not exist.
      const missing = await refusal(h.engine.send({ type: 'thing', id: 'no-such-thing' }, { type: 'REVIEW' }, h.actors.reviewer));
      expect(missing).toEqual(r);
      expect(await h.footprint(instanceId)).toEqual(before);
    });

    it("a refusal inside a caller's transaction writes nothing either, and the system actor passes authorisation", async () => {
      const { subject, instanceId } = await inReview(1);
      const before = await h.footprint(instanceId);
      await expect(
        h.engine.transaction(async (tx) => {
          await h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer, { tx });
          await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune, { tx });
        }),
      ).rejects.toBeInstanceOf(DomainError);
      expect(await h.footprint(instanceId)).toEqual(before);
      expect((await h.engine.send(subject, { type: 'REVIEW' }, SYSTEM_ACTOR)).applied).toBe(true);
    });
  });
});

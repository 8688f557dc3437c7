import { waitFor, inEnglish } from './support/app.js';
import { draftDossier, footprint, getDossier, inReview, startKit, type Kit } from './support/certification-kit.js';
import { createProject } from './support/funding-kit.js';

/**
 * Optimistic concurrency over HTTP (409 for a stale If-Match): dossiers and projects carry an ETag
 * that changes with anything the caller would see change; a write sent with If-Match of an older one is
 * refused and writes nothing; a GET with If-None-Match of an older one is answered in full.
 */
describe('If-Match and ETags on dossiers and projects', () => {
  let k: Kit;
  let commune: string;
  let reviewer: string;

  beforeAll(async () => {
    k = await startKit('if_match', { DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    commune = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    reviewer = (await k.user('REVIEWER', 'LS-TD')).auth;
  }, 120_000);
  afterAll(async () => k?.close());

  const review = (id: string, ifMatch: string | undefined, code = 1) => {
    const req = k.t.http.post(`/dossiers/${id}/events`).set('Authorization', reviewer);
    if (ifMatch !== undefined) req.set('If-Match', ifMatch);
    return req.send({ type: 'REVIEW_CRITERION', code, decision: 'approve' });
  };
  /**
   * A dossier in review once the review-steps job has assigned its criteria: the assignment changes what the
   * dossier reads (each criterion's assigneeId), hence its ETag, so the tests read after it.
   */
  const assignedInReview = async (villageCode: string) => {
    const id = await inReview(k, commune, villageCode);
    await waitFor(async () =>
      (await getDossier(k, reviewer, id)).body.criteria.every((c: { review: { assigneeId: string | null } }) => c.review.assigneeId),
    );
    return id;
  };
  const putCriterion = (id: string, code: number, met: boolean, ifMatch?: string) => {
    const req = k.t.http.put(`/dossiers/${id}/criteria/${code}`).set('Authorization', commune);
    if (ifMatch !== undefined) req.set('If-Match', ifMatch);
    return req.send({ met });
  };

  it('reads carry an ETag; a write with it succeeds and answers with the next one', async () => {
    const id = await assignedInReview('LS-TD-01-01');
    const read = await getDossier(k, reviewer, id);
    expect(read.status).toBe(200);
    expect(read.headers.etag).toMatch(/^"[\w-]+"$/);
    expect((await getDossier(k, reviewer, id)).headers.etag).toBe(read.headers.etag); // nothing changed
    const sent = await review(id, read.headers.etag);
    expect(sent.status).toBe(200);
    expect(sent.headers.etag).not.toBe(read.headers.etag);
    expect((await getDossier(k, reviewer, id)).headers.etag).toBe(sent.headers.etag);
    expect((await review(id, sent.headers.etag, 2)).status).toBe(200);
    expect((await review(id, '*', 3)).status).toBe(200);
  });

  it('a write with an older ETag is 409, and nothing is written', async () => {
    const id = await assignedInReview('LS-TD-01-02');
    const read = await getDossier(k, reviewer, id);
    expect((await review(id, read.headers.etag, 1)).status).toBe(200); // someone else's decision moves it on
    const before = await footprint(k, id);
    const stale = await inEnglish(review(id, read.headers.etag, 2));
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ statusCode: 409 });
    expect(stale.body.message).toMatch(/If-Match/);
    expect(await footprint(k, id)).toEqual(before);
  });

  it('criterion edits: each changes the ETag, so of two edits from the same read the second is 409', async () => {
    const id = await draftDossier(k, commune, 'LS-TD-01-03');
    const read = await getDossier(k, commune, id);
    // Two staff read the dossier, then each edits from what they read: the second must not overwrite blindly.
    const first = await putCriterion(id, 5, true, read.headers.etag);
    expect(first.status).toBe(200);
    expect(first.headers.etag).not.toBe(read.headers.etag);
    const second = await putCriterion(id, 5, false, read.headers.etag);
    expect(second.status).toBe(409);
    expect((await getDossier(k, commune, id)).body.criteria.find((c: { code: number }) => c.code === 5).met).toBe(true);
    // Concurrent edits from one read: exactly one is applied.
    const again = await getDossier(k, commune, id);
    const racing = await Promise.all([putCriterion(id, 6, true, again.headers.etag), putCriterion(id, 7, true, again.headers.etag)]);
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('a GET with If-None-Match of an older ETag is answered in full, with the current one 304', async () => {
    const id = await draftDossier(k, commune, 'LS-TD-01-04');
    const read = await getDossier(k, commune, id);
    expect((await putCriterion(id, 3, true)).status).toBe(200); // changes no workflow state, only a criterion
    const after = await k.t.http.get(`/dossiers/${id}`).set('Authorization', commune).set('If-None-Match', read.headers.etag);
    expect(after.status).toBe(200);
    expect(after.body.criteria.find((c: { code: number }) => c.code === 3).met).toBe(true);
    const same = await k.t.http.get(`/dossiers/${id}`).set('Authorization', commune).set('If-None-Match', after.headers.etag);
    expect(same.status).toBe(304);
    expect(same.text ?? '').toBe('');
    // Asking for no cached copy gets the body, as Express's freshness check did.
    const fresh = await k.t.http
      .get(`/dossiers/${id}`)
      .set('Authorization', commune)
      .set('If-None-Match', after.headers.etag)
      .set('Cache-Control', 'no-cache');
    expect(fresh.status).toBe(200);
    expect(fresh.headers.etag).toBe(after.headers.etag);
  });

  it('a malformed If-Match is 400 and writes nothing', async () => {
    const id = await assignedInReview('LS-TD-01-05');
    const before = await footprint(k, id);
    for (const bad of ['abc', 'W/"abc"', '"a", "b"', '""', '"a b"']) {
      const res = await review(id, bad);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/If-Match/);
    }
    expect(await footprint(k, id)).toEqual(before);
  });

  it('projects too: ETag on read, 409 with an older one, applied with the current one', async () => {
    const created = await createProject(k, commune, {
      villageId: k.unit('LS-TD-01-01').id,
      estimatedCostVnd: 1_000_000_000,
      funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 }],
      contributions: [{ kind: 'labor', quantity: 100, unit: 'ngày công', valueVnd: 30_000_000, pledgedBy: 'Thôn Nà Lầy' }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const read = await k.t.http.get(`/projects/${id}`).set('Authorization', commune);
    expect(read.headers.etag).toMatch(/^"[\w-]+"$/);
    // A receipt changes what the project reads (received quantity) without an event.
    const labour = created.body.contributions[0].id as string;
    const receipt = await k.t.http
      .post(`/projects/${id}/contributions/${labour}/receipts`)
      .set('Authorization', commune)
      .send({ quantity: 10, valueVnd: 3_000_000, receivedAt: '2026-11-20' });
    expect(receipt.status).toBe(201);
    const stale = await k.t.http
      .post(`/projects/${id}/events`)
      .set('Authorization', commune)
      .set('If-Match', read.headers.etag)
      .send({ type: 'SUBMIT' });
    expect(stale.status).toBe(409);
    const now = await k.t.http.get(`/projects/${id}`).set('Authorization', commune);
    expect(now.body.state).toBe('draft');
    const ok = await k.t.http
      .post(`/projects/${id}/events`)
      .set('Authorization', commune)
      .set('If-Match', now.headers.etag)
      .send({ type: 'SUBMIT' });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('review');
  });
});

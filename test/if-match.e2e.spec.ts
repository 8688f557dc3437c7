import { draftDossier, footprint, getDossier, inReview, startKit, type Kit } from './support/certification-kit.js';
import { createProject } from './support/funding-kit.js';

/**
 * Optimistic concurrency over HTTP (API.md: 409 for a stale If-Match): dossiers and projects carry their
 * version as an ETag; a write sent with If-Match of another version is refused and writes nothing.
 */
describe('If-Match on dossiers and projects', () => {
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

  it('a dossier read carries its version as the ETag; a write at that version succeeds and returns the next', async () => {
    const id = await inReview(k, commune, 'LS-TD-01-01');
    const read = await getDossier(k, reviewer, id);
    expect(read.status).toBe(200);
    expect(read.headers.etag).toBe(`"${read.body.version}"`);
    const sent = await review(id, read.headers.etag);
    expect(sent.status).toBe(200);
    expect(sent.body.version).toBe(read.body.version + 1);
    expect(sent.headers.etag).toBe(`"${read.body.version + 1}"`);
    // Weak tags and bare numbers name the version too; * matches any.
    expect((await review(id, `W/"${sent.body.version}"`, 2)).status).toBe(200);
    expect((await review(id, String(sent.body.version + 1), 3)).status).toBe(200);
    expect((await review(id, '*', 4)).status).toBe(200);
  });

  it('a write at a stale version is 409 with the current version, and nothing is written', async () => {
    const id = await inReview(k, commune, 'LS-TD-01-02');
    const read = await getDossier(k, reviewer, id);
    expect((await review(id, read.headers.etag, 1)).status).toBe(200); // someone else's decision moves it on
    const before = await footprint(k, id);
    const stale = await review(id, read.headers.etag, 2);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ statusCode: 409, version: read.body.version + 1 });
    expect(stale.body.message).toMatch(/If-Match/);
    expect(await footprint(k, id)).toEqual(before);
    const criterion2 = (await getDossier(k, reviewer, id)).body.criteria.find((c: { code: number }) => c.code === 2);
    expect(criterion2.review.status).toBe('pending');
  });

  it('a criterion edit with a stale If-Match is 409; with the current one it is applied', async () => {
    const id = await draftDossier(k, commune, 'LS-TD-01-03');
    const read = await getDossier(k, commune, id);
    const put = (ifMatch: string) => k.t.http.put(`/dossiers/${id}/criteria/5`).set('Authorization', commune).set('If-Match', ifMatch).send({ met: true });
    const stale = await put(`"${read.body.version + 3}"`);
    expect(stale.status).toBe(409);
    expect((await getDossier(k, commune, id)).body.criteria.find((c: { code: number }) => c.code === 5).met).toBeNull();
    const ok = await put(read.headers.etag);
    expect(ok.status).toBe(200);
    expect(ok.body.criteria.find((c: { code: number }) => c.code === 5).met).toBe(true);
  });

  it('a malformed If-Match is 400 and writes nothing', async () => {
    const id = await inReview(k, commune, 'LS-TD-01-04');
    const before = await footprint(k, id);
    for (const bad of ['"abc"', 'W/', '"1", "2"', '-1', '"99999999999"']) {
      const res = await review(id, bad);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/If-Match/);
    }
    expect(await footprint(k, id)).toEqual(before);
  });

  it('projects too: ETag on read, 409 on a stale If-Match', async () => {
    const created = await createProject(k, commune, {
      villageId: k.unit('LS-TD-01-01').id,
      estimatedCostVnd: 1_000_000_000,
      funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 }],
      contributions: [{ kind: 'labor', quantity: 100, unit: 'ngày công', valueVnd: 30_000_000, pledgedBy: 'Thôn Nà Lầy' }],
    });
    expect(created.status).toBe(201);
    const read = await k.t.http.get(`/projects/${created.body.id}`).set('Authorization', commune);
    expect(read.headers.etag).toBe(`"${read.body.version}"`);
    const stale = await k.t.http.post(`/projects/${created.body.id}/events`).set('Authorization', commune)
      .set('If-Match', `"${read.body.version + 1}"`).send({ type: 'SUBMIT' });
    expect(stale.status).toBe(409);
    expect((await k.t.http.get(`/projects/${created.body.id}`).set('Authorization', commune)).body.state).toBe('draft');
    const ok = await k.t.http.post(`/projects/${created.body.id}/events`).set('Authorization', commune)
      .set('If-Match', read.headers.etag).send({ type: 'SUBMIT' });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('review');
  });
});

import { CODES, inReview, sendEvent, startKit, type Kit } from './support/certification-kit.js';

/** A dossier's history read page by page, following the Link header, gives every event once and in order. */
describe('history pages', () => {
  let k: Kit;
  let commune: { auth: string };
  let reviewer: { auth: string };
  let id: string;

  beforeAll(async () => {
    k = await startKit('history_paging', { DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    commune = await k.user('COMMUNE_STAFF', 'LS-TD-01');
    reviewer = await k.user('REVIEWER', 'LS-TD');
    id = await inReview(k, commune.auth, 'LS-TD-01-01');
    for (const code of CODES)
      expect((await sendEvent(k, reviewer.auth, id, { type: 'REVIEW_CRITERION', code, decision: 'approve' })).status).toBe(200);
  }, 120_000);
  afterAll(async () => k?.close());

  it('without limit gives the whole history as before, with no next page', async () => {
    const all = await k.t.http.get(`/dossiers/${id}/history`).set('Authorization', reviewer.auth);
    expect(all.status).toBe(200);
    expect(all.body.length).toBeGreaterThan(18);
    expect(all.headers.link).toBeUndefined();
    expect(all.headers['x-next-cursor']).toBeUndefined();
  });

  it('with limit walks every event once, in order, by the Link header, the last page naming no next one', async () => {
    const all = (await k.t.http.get(`/dossiers/${id}/history`).set('Authorization', reviewer.auth)).body as { seq: number }[];
    const seen: number[] = [];
    let path: string | null = `/dossiers/${id}/history?limit=5`;
    let pages = 0;
    while (path) {
      const res: import('supertest').Response = await k.t.http.get(path).set('Authorization', reviewer.auth);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      expect(res.body.length).toBeLessThanOrEqual(5);
      seen.push(...res.body.map((e: { seq: number }) => e.seq));
      const next: string | null = /^<([^>]+)>; rel="next"$/.exec(res.headers.link ?? '')?.[1] ?? null;
      if (next) expect(res.headers['x-next-cursor']).toBe(String(res.body.at(-1).seq));
      path = next;
      pages++;
    }
    expect(seen).toEqual(all.map((e) => e.seq));
    expect(pages).toBe(Math.ceil(all.length / 5));
  });

  it('refuses a bad limit or cursor, and keeps another commune out', async () => {
    for (const q of ['limit=0', 'limit=501', 'limit=x', 'after=-1']) {
      expect((await k.t.http.get(`/dossiers/${id}/history?${q}`).set('Authorization', reviewer.auth)).status).toBe(400);
    }
    expect((await k.t.http.get(`/projects/x/history?limit=0`).set('Authorization', reviewer.auth)).status).toBe(400);
    const other = await k.user('COMMUNE_STAFF', 'LS-TD-02');
    expect((await k.t.http.get(`/dossiers/${id}/history?limit=5`).set('Authorization', other.auth)).status).toBe(404);
  });
});

import { join } from 'node:path';
import { draftDossier, exeBytes, filesUnder, inReview, pdfBytes, startKit, upload, type Kit } from './support/certification-kit.js';
import { inEnglish } from './support/app.js';

/**
 * What is checked before an upload's body is read, so that nothing of a refused upload is stored: the dossier's
 * jurisdiction, the caller's part in it and its state, and the caller's quota (UPLOAD_QUOTA_MB_PER_DAY, 1 MB here).
 */
describe('certification dossiers: checks before an upload is read', () => {
  let k: Kit;
  let staffA: string;
  let staffA2: string;
  let staffB: string;
  let draftId: string;
  let reviewId: string;
  let store: string;
  const big = (n: number) => Buffer.concat([pdfBytes(`Biên bản ${n}`), Buffer.alloc(600 * 1024, 0x20)]);
  const count = async () => Number((await k.db.query('SELECT count(*)::int AS n FROM attachments')).rows[0].n);

  beforeAll(async () => {
    k = await startKit('cert_upload_limits', { UPLOAD_QUOTA_MB_PER_DAY: '1', DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    store = join(k.t.config.storageDir, 'attachments');
    [staffA, staffA2, staffB] = (
      await Promise.all([k.user('COMMUNE_STAFF', 'LS-TD-01'), k.user('COMMUNE_STAFF', 'LS-TD-01'), k.user('COMMUNE_STAFF', 'LS-TD-02')])
    ).map((u) => u.auth);
    [draftId, reviewId] = await Promise.all([draftDossier(k, staffA, 'LS-TD-01-01'), inReview(k, staffA, 'LS-TD-01-02')]);
  }, 120_000);
  afterAll(async () => k?.close());

  it("another commune's dossier is not found before its body is read: even a file of a refused type gets 404, and nothing is kept", async () => {
    const before = filesUnder(store);
    const res = await upload(k, staffB, draftId, { bytes: exeBytes(), name: 'bien-ban.pdf' }, 'meeting_minutes');
    // Read first, the .exe would have been refused as a type (415) before its dossier was looked at.
    expect(res.status).toBe(404);
    expect(filesUnder(store)).toEqual(before);
  });

  it('a dossier whose state takes no more documents from the commune refuses the upload before reading it (409)', async () => {
    const before = await count();
    const res = await upload(k, staffA, reviewId, { bytes: exeBytes(), name: 'them.pdf' }, 'evidence');
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/state|trạng thái/i);
    expect(await count()).toBe(before);
    expect(filesUnder(join(store, 'tmp'))).toEqual([]);
  });

  it('a user past UPLOAD_QUOTA_MB_PER_DAY is refused with 429 and Retry-After, nothing kept; a colleague still uploads', async () => {
    expect((await upload(k, staffA, draftId, { bytes: big(1), name: 'a.pdf' }, 'evidence')).status).toBe(201);
    const before = filesUnder(store);
    const over = await inEnglish(upload(k, staffA, draftId, { bytes: big(2), name: 'b.pdf' }, 'evidence'));
    expect(over.status).toBe(429);
    expect(over.body.message).toBe('uploads are limited to 1 MB per user over 24 hours: try again later');
    expect(over.headers['retry-after']).toBeDefined();
    expect(filesUnder(store)).toEqual(before);
    expect((await upload(k, staffA2, draftId, { bytes: big(3), name: 'c.pdf' }, 'evidence')).status).toBe(201);
  });
});

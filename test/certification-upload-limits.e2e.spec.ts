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
    k = await startKit('cert_upload_limits', {
      UPLOAD_QUOTA_MB_PER_DAY: '1',
      MAX_UPLOAD_MB: '2',
      DEADLINE_OVERRIDES: 'certification.consultation=PT1S',
    });
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

  it('an upload sent without a length (chunked) is cut where the quota ends, not at MAX_UPLOAD_MB: 429, nothing kept', async () => {
    const fresh = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    const before = filesUnder(store);
    // 3 MB: past MAX_UPLOAD_MB (2) too, so a stream held only to that limit would answer 413 instead.
    const res = await uploadChunked(fresh, draftId, Buffer.concat([pdfBytes('Biên bản dài'), Buffer.alloc(3 * 1024 * 1024, 0x20)]));
    expect(res.status).toBe(429);
    expect(res.body.rule ?? res.body.error).toBeTruthy();
    expect(filesUnder(store)).toEqual(before);
    expect(filesUnder(join(store, 'tmp'))).toEqual([]);
  });

  it("one user's uploads at once cannot together pass the quota: one of three 600 KB files is kept", async () => {
    const fresh = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    const results = await Promise.all([4, 5, 6].map((n) => upload(k, fresh, draftId, { bytes: big(n), name: `${n}.pdf` }, 'evidence')));
    expect(results.map((r) => r.status).sort()).toEqual([201, 429, 429]);
    expect(filesUnder(join(store, 'tmp'))).toEqual([]);
  });

  /** A multipart upload written in chunks with no Content-Length (Transfer-Encoding: chunked). */
  function uploadChunked(auth: string, id: string, bytes: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
    const boundary = `ntm-${Date.now()}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nevidence\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="dai.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const req = k.t.http
      .post(`/dossiers/${id}/attachments`)
      .set('Authorization', auth)
      .set('Content-Type', `multipart/form-data; boundary=${boundary}`) as unknown as {
      write(chunk: Buffer): boolean;
      end(cb: (err: Error | null, res: { status: number; body: Record<string, unknown> }) => void): void;
    };
    return new Promise((resolve, reject) => {
      req.write(head);
      for (let at = 0; at < bytes.length; at += 64 * 1024) req.write(bytes.subarray(at, at + 64 * 1024));
      req.write(tail);
      req.end((err, res) => (res ? resolve(res) : reject(err)));
    });
  }
});

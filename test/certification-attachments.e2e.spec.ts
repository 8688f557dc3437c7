import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';
import {
  docxBytes,
  draftDossier,
  exeBytes,
  filesUnder,
  footprint,
  getDossier,
  inReview,
  jpegBytes,
  pdfBytes,
  pngBytes,
  sha256,
  startKit,
  upload,
  xlsxBytes,
  zipStored,
  type Kit,
} from './support/certification-kit.js';
import { inEnglish } from './support/app.js';

/**
 * Dossier attachments (POST /dossiers/:id/attachments): streamed to
 * STORAGE_DIR under their SHA-256, judged by content (PDF, office documents, JPEG, PNG), 413 over
 * MAX_UPLOAD_MB (1 here), 415 otherwise, 400 without a file; a refused upload leaves no file and no row;
 * a download gives the same bytes with the right headers.
 */
describe('certification dossiers: attachments', () => {
  let k: Kit;
  let staffA: string; // LS-TD-01
  let staffB: string; // LS-TD-02
  let reviewerTD: string;
  let reviewerVL: string;
  let province: string;
  let draftId: string;
  let otherDraftId: string; // LS-TD-01-02: for the refusals
  let reviewId: string;
  let store: string;

  beforeAll(async () => {
    k = await startKit('cert_attach', { MAX_UPLOAD_MB: '1', DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    store = join(k.t.config.storageDir, 'attachments');
    [staffA, staffB, reviewerTD, reviewerVL, province] = (
      await Promise.all([
        k.user('COMMUNE_STAFF', 'LS-TD-01'),
        k.user('COMMUNE_STAFF', 'LS-TD-02'),
        k.user('REVIEWER', 'LS-TD'),
        k.user('REVIEWER', 'LS-VL'),
        k.user('PROVINCE_OFFICER', 'LS'),
      ])
    ).map((u) => u.auth);
    [draftId, otherDraftId, reviewId] = await Promise.all([
      draftDossier(k, staffA, 'LS-TD-01-01'),
      draftDossier(k, staffA, 'LS-TD-01-02'),
      inReview(k, staffA, 'LS-TD-01-03'),
    ]);
  }, 120_000);
  afterAll(async () => k?.close());

  const binary = (res: Response, cb: (err: Error | null, body: Buffer) => void) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  };
  const download = (auth: string, id: string, attachmentId: string) =>
    k.t.http
      .get(`/dossiers/${id}/attachments/${attachmentId}`)
      .set('Authorization', auth)
      .buffer(true)
      .parse(binary as never);

  const contentPath = (sha: string) => join(store, sha.slice(0, 2), sha);
  const rows = async (id: string) => (await k.db.query('SELECT * FROM attachments WHERE dossier_id = $1 ORDER BY created_at', [id])).rows;

  /** An upload that must be refused: same status, no new file anywhere under STORAGE_DIR/attachments, no new row. */
  async function refusedUpload(id: string, code: number, attempt: () => Promise<Response>): Promise<Response> {
    const filesBefore = filesUnder(store);
    const before = await footprint(k, id);
    const {
      rows: [{ n: allBefore }],
    } = await k.db.query('SELECT count(*)::int AS n FROM attachments');
    const res = await attempt();
    expect({ status: res.status, body: res.body }).toMatchObject({ status: code, body: { statusCode: code, message: expect.any(String) } });
    expect(filesUnder(store)).toEqual(filesBefore);
    expect(await footprint(k, id)).toEqual(before);
    const {
      rows: [{ n: allAfter }],
    } = await k.db.query('SELECT count(*)::int AS n FROM attachments');
    expect(allAfter).toBe(allBefore);
    return res;
  }

  describe('accepted types, judged by content, and downloads', () => {
    const files = () => [
      {
        name: 'bao-cao-tu-danh-gia.pdf',
        bytes: pdfBytes('Bao cao tu danh gia thon Na Lan 2026'),
        mime: 'application/pdf',
        kind: 'self_assessment_report',
        sent: 'application/pdf',
      },
      { name: 'nha-van-hoa.png', bytes: pngBytes(), mime: 'image/png', kind: 'evidence', sent: 'image/png' },
      { name: 'duong-truc-thon.jpg', bytes: jpegBytes(), mime: 'image/jpeg', kind: 'evidence', sent: 'image/jpeg' },
      {
        name: 'to-trinh.docx',
        bytes: docxBytes('Tờ trình đề nghị xét công nhận thôn đạt chuẩn'),
        mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        kind: 'submission_letter',
        // Sent as something else: the type is the content's, not the client's.
        sent: 'application/octet-stream',
      },
      {
        // DEFLATEd, and [Content_Types].xml not the first entry: recognised by what that entry names.
        name: 'bang-tieu-chi.xlsx',
        bytes: xlsxBytes(),
        mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        kind: 'evidence',
        sent: 'application/zip',
      },
    ];

    it('the hand-built files are what they claim (a docx is a zip whose first entry is [Content_Types].xml)', () => {
      const docx = docxBytes();
      expect(docx.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
      expect(docx.subarray(30, 30 + docx.readUInt16LE(26)).toString('latin1')).toBe('[Content_Types].xml');
      expect(pdfBytes().subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
      expect(pngBytes().subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(jpegBytes().subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    });

    it.each(files().map((f) => [f.name, f] as const))(
      '%s: 201 with its size, sha256 and sniffed type; the download is the same bytes',
      async (_n, f) => {
        const res = await upload(k, staffA, draftId, { bytes: f.bytes, name: f.name, contentType: f.sent }, f.kind);
        expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
        expect(res.body).toEqual({
          id: expect.any(String),
          fileName: f.name,
          size: f.bytes.length,
          sha256: sha256(f.bytes),
          mimeType: f.mime,
          kind: f.kind,
        });
        // Stored under its SHA-256, byte for byte.
        expect(existsSync(contentPath(res.body.sha256))).toBe(true);
        const got = await download(staffA, draftId, res.body.id);
        expect(got.status).toBe(200);
        expect(Buffer.isBuffer(got.body)).toBe(true);
        expect(sha256(got.body)).toBe(sha256(f.bytes));
        expect(Buffer.compare(got.body, f.bytes)).toBe(0);
        expect(got.headers['content-type']).toMatch(new RegExp(`^${f.mime.replace(/[.+]/g, '\\$&')}`));
        expect(got.headers['content-length']).toBe(String(f.bytes.length));
        expect(got.headers['content-disposition']).toBe(`attachment; filename*=UTF-8''${encodeURIComponent(f.name)}`);
        // Reviewers of the district may read the evidence too.
        const byReviewer = await download(reviewerTD, draftId, res.body.id);
        expect(byReviewer.status).toBe(200);
        expect(sha256(byReviewer.body)).toBe(sha256(f.bytes));
      },
    );

    it('the dossier lists its attachments, and the table holds the same', async () => {
      const dossier = await getDossier(k, staffA, draftId);
      expect(dossier.body.attachments.map((a: { fileName: string }) => a.fileName)).toEqual(files().map((f) => f.name));
      const stored = await rows(draftId);
      expect(stored.map((r) => ({ fileName: r.file_name, size: r.size, sha256: r.sha256, mimeType: r.mime_type, kind: r.kind }))).toEqual(
        files().map((f) => ({ fileName: f.name, size: f.bytes.length, sha256: sha256(f.bytes), mimeType: f.mime, kind: f.kind })),
      );
    });

    it('without a kind the attachment is evidence', async () => {
      const res = await upload(k, staffA, draftId, { bytes: pdfBytes('no kind'), name: 'khong-loai.pdf' });
      expect(res.status).toBe(201);
      expect(res.body.kind).toBe('evidence');
    });

    it('a file name with Vietnamese diacritics round-trips, NFD names come back NFC, and Content-Disposition carries it in UTF-8', async () => {
      const name = 'Biên bản họp thôn Nà Lạn – lấy ý kiến (đợt 1).pdf';
      const bytes = pdfBytes('bien ban hop thon');
      const res = await upload(
        k,
        staffA,
        draftId,
        { bytes, name: name.normalize('NFD'), contentType: 'application/pdf' },
        'meeting_minutes',
      );
      expect(res.status).toBe(201);
      expect(res.body.fileName).toBe(name);
      const row = (await rows(draftId)).find((r) => r.id === res.body.id);
      expect(row.file_name).toBe(name);
      const got = await download(staffA, draftId, res.body.id);
      const disposition = got.headers['content-disposition'] as string;
      const m = /filename\*=UTF-8''([^;]+)/.exec(disposition);
      expect(m).not.toBeNull();
      expect(decodeURIComponent(m![1])).toBe(name);
      expect(/^[\x20-\x7e]*$/.test(disposition)).toBe(true); // the header itself is plain ASCII
      const again = await upload(k, staffA, draftId, { bytes, name }, 'meeting_minutes');
      expect(again.body.fileName).toBe(name);
    });

    it('the same content twice: two attachments, one stored file', async () => {
      const bytes = pdfBytes('twice the same');
      const first = await upload(k, staffA, draftId, { bytes, name: 'a.pdf' });
      const second = await upload(k, staffA, otherDraftId, { bytes, name: 'b.pdf' });
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body.sha256).toBe(first.body.sha256);
      expect(second.body.id).not.toBe(first.body.id);
      expect(filesUnder(store).filter((f) => f.endsWith(first.body.sha256))).toHaveLength(1);
      expect(sha256((await download(staffA, otherDraftId, second.body.id)).body)).toBe(first.body.sha256);
    });

    it('exactly MAX_UPLOAD_MB is accepted', async () => {
      const head = pdfBytes('exactly the limit');
      const bytes = Buffer.concat([head, Buffer.alloc(1024 * 1024 - head.length, 0x20)]);
      expect(bytes.length).toBe(1024 * 1024);
      const res = await upload(k, staffA, draftId, { bytes, name: 'dung-1MB.pdf' });
      expect(res.status).toBe(201);
      expect(res.body.size).toBe(1024 * 1024);
    });

    it('an unknown attachment, or one of another dossier: 404', async () => {
      const own = (await rows(draftId))[0];
      expect((await download(staffA, draftId, 'no-such-attachment')).status).toBe(404);
      expect((await download(staffA, otherDraftId, own.id)).status).toBe(404);
      expect((await download(staffB, draftId, own.id)).status).toBe(404);
      expect((await download(reviewerVL, draftId, own.id)).status).toBe(404);
    });
  });

  describe('refused uploads leave nothing behind', () => {
    it('over MAX_UPLOAD_MB (1.5 MB): 413, no file under STORAGE_DIR/attachments, no row', async () => {
      const head = pdfBytes('too big');
      const bytes = Buffer.concat([head, Buffer.alloc(1.5 * 1024 * 1024 - head.length, 0x20)]);
      const res = await refusedUpload(otherDraftId, 413, () =>
        upload(k, staffA, otherDraftId, { bytes, name: 'qua-lon.pdf', contentType: 'application/pdf' }, 'evidence'),
      );
      expect(res.body.error).toBe('Payload Too Large');
      expect(existsSync(contentPath(sha256(bytes)))).toBe(false);
      expect(filesUnder(join(store, 'tmp'))).toEqual([]);
      // One byte over is enough.
      const justOver = Buffer.concat([head, Buffer.alloc(1024 * 1024 + 1 - head.length, 0x20)]);
      await refusedUpload(otherDraftId, 413, () => upload(k, staffA, otherDraftId, { bytes: justOver, name: 'qua-1-byte.pdf' }));
    });

    it.each([
      ['a Windows executable renamed .pdf', { bytes: exeBytes(), name: 'bao-cao.pdf', contentType: 'application/pdf' }],
      [
        'a text file renamed .pdf',
        { bytes: Buffer.from('Day la van ban thuong, khong phai PDF.\n'.repeat(20)), name: 'bien-ban.pdf', contentType: 'application/pdf' },
      ],
      [
        'an HTML page renamed .docx',
        {
          bytes: Buffer.from('<html><body>to trinh</body></html>'),
          name: 'to-trinh.docx',
          contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        },
      ],
      ['a shell script renamed .jpg', { bytes: Buffer.from('#!/bin/sh\nrm -rf /\n'), name: 'anh.jpg', contentType: 'image/jpeg' }],
      [
        'a zip of other things renamed .docx',
        { bytes: zipStored([{ name: 'payload.exe', data: exeBytes() }]), name: 'ho-so.docx', contentType: 'application/zip' },
      ],
      ['a GIF', { bytes: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), name: 'anh.gif', contentType: 'image/gif' }],
      ['an empty file', { bytes: Buffer.alloc(0), name: 'rong.pdf', contentType: 'application/pdf' }],
    ])('%s: 415, nothing left', async (_what, file) => {
      const res = await refusedUpload(otherDraftId, 415, () => upload(k, staffA, otherDraftId, file, 'evidence'));
      expect(res.body.error).toBe('Unsupported Media Type');
      expect(existsSync(contentPath(sha256(file.bytes)))).toBe(false);
    });

    it('a ZIP holding word/ but no [Content_Types].xml, renamed .docx: 415 saying it is a plain ZIP, in Vietnamese and English', async () => {
      const bytes = zipStored([
        { name: 'word/document.xml', data: Buffer.from('<w:document><w:body>gia mao</w:body></w:document>') },
        { name: 'word/styles.xml', data: Buffer.from('<w:styles/>') },
      ]);
      const send = (lang: string) => () =>
        k.t.http
          .post(`/dossiers/${otherDraftId}/attachments`)
          .set('Authorization', staffA)
          .set('Accept-Language', lang)
          .field('kind', 'submission_letter')
          .attach('file', bytes, {
            filename: 'to-trinh.docx',
            contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          });
      const vi = await refusedUpload(otherDraftId, 415, send('vi'));
      expect(vi.body.error).toBe('Unsupported Media Type');
      expect(vi.body.message).toMatch(/^Tệp chỉ là tệp nén ZIP, không phải văn bản Office/);
      const en = await refusedUpload(otherDraftId, 415, send('en'));
      expect(en.body.message).toMatch(/plain ZIP archive, not an office document/);
      expect(existsSync(contentPath(sha256(bytes)))).toBe(false);
      expect(filesUnder(join(store, 'tmp'))).toEqual([]);
    });

    it('no file: 400 (multipart without it, a JSON body, another field name, two files)', async () => {
      const res = await refusedUpload(otherDraftId, 400, () =>
        inEnglish(k.t.http.post(`/dossiers/${otherDraftId}/attachments`).set('Authorization', staffA).field('kind', 'evidence')),
      );
      expect(res.body.message).toMatch(/file/);
      await refusedUpload(otherDraftId, 400, () =>
        k.t.http.post(`/dossiers/${otherDraftId}/attachments`).set('Authorization', staffA).send({ kind: 'evidence' }),
      );
      await refusedUpload(otherDraftId, 400, () =>
        k.t.http
          .post(`/dossiers/${otherDraftId}/attachments`)
          .set('Authorization', staffA)
          .attach('document', pdfBytes('wrong field'), 'x.pdf'),
      );
      await refusedUpload(otherDraftId, 400, () =>
        k.t.http
          .post(`/dossiers/${otherDraftId}/attachments`)
          .set('Authorization', staffA)
          .attach('file', pdfBytes('first of two'), 'one.pdf')
          .attach('file', pdfBytes('second of two'), 'two.pdf'),
      );
    });

    it('a multipart body that cannot be read (no boundary, cut short): 400, nothing kept', async () => {
      let res = await refusedUpload(otherDraftId, 400, () =>
        inEnglish(k.t.http.post(`/dossiers/${otherDraftId}/attachments`))
          .set('Authorization', staffA)
          .set('Content-Type', 'multipart/form-data')
          .send('--x\r\n'),
      );
      expect(res.body.message).toMatch(/multipart/);
      const boundary = 'ntm-boundary';
      const cut = [
        `--${boundary}`,
        'Content-Disposition: form-data; name="file"; filename="x.pdf"',
        'Content-Type: application/pdf',
        '',
        '%PDF-1.4 cut short',
      ].join('\r\n');
      res = await refusedUpload(otherDraftId, 400, () =>
        inEnglish(k.t.http.post(`/dossiers/${otherDraftId}/attachments`))
          .set('Authorization', staffA)
          .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
          .send(cut),
      );
      expect(res.body.message).toMatch(/multipart/);
    });

    it('a bad kind or an unknown field: 400, and the file sent with it is not kept', async () => {
      const bytes = pdfBytes('bad kind');
      let res = await refusedUpload(otherDraftId, 400, () => upload(k, staffA, otherDraftId, { bytes, name: 'x.pdf' }, 'selfie'));
      expect(res.body.message).toMatch(/kind/);
      expect(existsSync(contentPath(sha256(bytes)))).toBe(false);
      const other = pdfBytes('unknown field');
      res = await refusedUpload(otherDraftId, 400, () =>
        k.t.http
          .post(`/dossiers/${otherDraftId}/attachments`)
          .set('Authorization', staffA)
          .field('owner', 'me')
          .attach('file', other, 'y.pdf'),
      );
      expect(res.body.message).toMatch(/owner/);
      expect(existsSync(contentPath(sha256(other)))).toBe(false);
    });

    it("another commune's dossier: 404, a state that takes no files: 409, another party's kind: 403; the file is not kept", async () => {
      const cases: [string, string, number][] = [
        [staffB, otherDraftId, 404],
        [reviewerVL, otherDraftId, 404], // not the reviewers of that dossier's district: it does not exist for them
        [staffA, 'no-such-dossier', 404],
        [reviewerTD, otherDraftId, 409], // reviewers attach while they review, not to a draft
        [staffA, reviewId, 409], // the commune may not add files while the reviewers have the dossier
        [province, otherDraftId, 409], // the province attaches its decision later, not to a draft
      ];
      const kinds: Record<number, string> = { 6: 'meeting_minutes', 7: 'decision' };
      cases.push([reviewerTD, reviewId, 403], [staffA, draftId, 403]); // the commune's minutes, by a reviewer; the decision, by the commune
      for (const [i, [auth, id, code]] of cases.entries()) {
        const bytes = pdfBytes(`refused ${i}`);
        const target = id === 'no-such-dossier' ? otherDraftId : id;
        await refusedUpload(target, code, () => upload(k, auth, id, { bytes, name: `refused-${i}.pdf` }, kinds[i] ?? 'evidence'));
        expect({ i, kept: existsSync(contentPath(sha256(bytes))) }).toEqual({ i, kept: false });
      }
    });

    it('a refusal does not remove a file another attachment holds', async () => {
      const bytes = pdfBytes('shared content');
      const ok = await upload(k, staffA, draftId, { bytes, name: 'shared.pdf' });
      expect(ok.status).toBe(201);
      await refusedUpload(otherDraftId, 404, () => upload(k, staffB, otherDraftId, { bytes, name: 'shared.pdf' }));
      await refusedUpload(reviewId, 409, () => upload(k, staffA, reviewId, { bytes, name: 'shared.pdf' }));
      expect(existsSync(contentPath(ok.body.sha256))).toBe(true);
      expect(sha256((await download(staffA, draftId, ok.body.id)).body)).toBe(ok.body.sha256);
    });

    it('no temporary file is left over from anything above', () => {
      expect(filesUnder(join(store, 'tmp'))).toEqual([]);
    });
  });

  describe('Idempotency-Key on uploads: judged on the file as well as the fields', () => {
    const keyed = (key: string, bytes: Buffer, name: string, kind = 'evidence') =>
      k.t.http
        .post(`/dossiers/${draftId}/attachments`)
        .set('Authorization', staffA)
        .set('Idempotency-Key', key)
        .field('kind', kind)
        .attach('file', bytes, name);

    it('the same upload again: the first answer, replayed, one attachment, no temporary file', async () => {
      const bytes = pdfBytes('sent twice with one key');
      const first = await keyed('upload-once', bytes, 'hai-lần.pdf');
      expect(first.status).toBe(201);
      const again = await keyed('upload-once', bytes, 'hai-lần.pdf');
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect((await rows(draftId)).filter((r) => r.sha256 === first.body.sha256)).toHaveLength(1);
      expect(filesUnder(join(store, 'tmp'))).toEqual([]);
    });

    it('the same key with another file, name or kind: 422 idempotency_key_reused, nothing kept', async () => {
      const bytes = pdfBytes('the first file for this key');
      expect((await keyed('upload-reused', bytes, 'a.pdf')).status).toBe(201);
      const other = pdfBytes('another file under the same key');
      let res = await refusedUpload(draftId, 422, () => keyed('upload-reused', other, 'a.pdf'));
      expect(res.body.rule).toBe('idempotency_key_reused');
      expect(existsSync(contentPath(sha256(other)))).toBe(false);
      res = await refusedUpload(draftId, 422, () => keyed('upload-reused', bytes, 'b.pdf'));
      expect(res.body.rule).toBe('idempotency_key_reused');
      res = await refusedUpload(draftId, 422, () => keyed('upload-reused', bytes, 'a.pdf', 'meeting_minutes'));
      expect(res.body.rule).toBe('idempotency_key_reused');
      expect(filesUnder(join(store, 'tmp'))).toEqual([]);
    });
  });
});

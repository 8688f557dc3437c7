import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Response } from 'supertest';
import { ADMIN, startTestApp, waitFor, type TestApp } from './app.js';
import { createUser, unitsByCode, type UnitItem } from './fixtures.js';

/** Helpers shared by the certification e2e files (test/certification-*.e2e.spec.ts). */

export const CODES = Array.from({ length: 16 }, (_, i) => i + 1);

export interface Kit {
  t: TestApp;
  admin: string;
  units: Map<string, UnitItem>;
  db: pg.Pool;
  unit(code: string): UnitItem;
  user(
    role: string,
    unitCode: string,
    extra?: { criteria?: number[]; fullName?: string },
  ): Promise<{ id: string; auth: string; username: string; password: string }>;
  close(): Promise<void>;
}

export async function startKit(name: string, env: Record<string, string> = {}): Promise<Kit> {
  const t = await startTestApp(name, env);
  const admin = await t.login(ADMIN.username, ADMIN.password);
  const units = await unitsByCode(t, admin);
  const db = new pg.Pool({ connectionString: t.config.databaseUrl, max: 4 });
  const kit: Kit = {
    t,
    admin,
    units,
    db,
    unit(code) {
      const u = kit.units.get(code);
      if (!u) throw new Error(`no unit ${code}`);
      return u;
    },
    async user(role, unitCode, extra = {}) {
      const created = await createUser(t, admin, { role, unitId: kit.unit(unitCode).id, ...extra });
      return { id: created.user.id as string, auth: created.auth, username: created.username, password: created.password };
    },
    async close() {
      // Let the effects of the last events finish first (closing while a notify job runs has been seen to hang).
      await waitFor(
        async () => (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE status IN ('pending', 'dispatched')`)).rows[0].n === 0,
        { timeoutMs: 15000, intervalMs: 100, what: 'the outbox to drain' },
      ).catch(() => undefined);
      await db.end().catch(() => undefined);
      await t.close();
    },
  };
  return kit;
}

// ---- HTTP shorthands ----

export function createDossier(k: Kit, auth: string, villageId: string, year = 2026): Promise<Response> {
  return k.t.http.post('/dossiers').set('Authorization', auth).send({ villageId, year });
}

export function getDossier(k: Kit, auth: string, id: string): Promise<Response> {
  return k.t.http.get(`/dossiers/${id}`).set('Authorization', auth);
}

export function sendEvent(k: Kit, auth: string, id: string, body: Record<string, unknown>): Promise<Response> {
  return k.t.http.post(`/dossiers/${id}/events`).set('Authorization', auth).send(body);
}

export function putCriterion(k: Kit, auth: string, id: string, code: number | string, body: Record<string, unknown>): Promise<Response> {
  return k.t.http.put(`/dossiers/${id}/criteria/${code}`).set('Authorization', auth).send(body);
}

export function upload(
  k: Kit,
  auth: string,
  id: string,
  file: { bytes: Buffer; name: string; contentType?: string },
  kind?: string,
): Promise<Response> {
  const req = k.t.http.post(`/dossiers/${id}/attachments`).set('Authorization', auth);
  if (kind !== undefined) req.field('kind', kind);
  return req.attach('file', file.bytes, { filename: file.name, contentType: file.contentType ?? 'application/octet-stream' });
}

function expectStatus(res: Response, status: number, what: string): Response {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** A fresh draft dossier for `villageCode` (created by `communeAuth`), its id. */
export async function draftDossier(k: Kit, communeAuth: string, villageCode: string, year = 2026): Promise<string> {
  const res = expectStatus(await createDossier(k, communeAuth, k.unit(villageCode).id, year), 201, `POST /dossiers ${villageCode}`);
  return res.body.id;
}

/** Marks all 16 criteria met (or as given). */
export async function assessAll(k: Kit, communeAuth: string, id: string, met = true): Promise<void> {
  for (const code of CODES) {
    expectStatus(await putCriterion(k, communeAuth, id, code, { met, note: `Tiêu chí ${code} đạt` }), 200, `PUT criterion ${code}`);
  }
}

/** Waits until the dossier is in `state` as `auth` sees it. */
export async function waitForState(k: Kit, auth: string, id: string, state: string, timeoutMs = 30000): Promise<Record<string, any>> {
  return waitFor(
    async () => {
      const res = await getDossier(k, auth, id);
      return res.status === 200 && res.body.state === state ? res.body : null;
    },
    { timeoutMs, intervalMs: 100, what: `dossier ${id} in ${state}` },
  );
}

/** draft → consultation → (timer, DEADLINE_OVERRIDES certification.consultation=PT1S) → ready_to_submit. */
export async function readyToSubmit(k: Kit, communeAuth: string, villageCode: string, year = 2026): Promise<string> {
  const id = await draftDossier(k, communeAuth, villageCode, year);
  await assessAll(k, communeAuth, id);
  expectStatus(await sendEvent(k, communeAuth, id, { type: 'OPEN_CONSULTATION' }), 200, 'OPEN_CONSULTATION');
  await waitForState(k, communeAuth, id, 'ready_to_submit');
  return id;
}

/** Attaches a small PDF of `kind` as `auth` (expects 201). */
export async function attachDocument(k: Kit, auth: string, id: string, kind: string): Promise<void> {
  expectStatus(await upload(k, auth, id, { bytes: pdfBytes(`Tài liệu ${kind}`), name: `${kind}.pdf` }, kind), 201, `upload ${kind}`);
}

/** ready_to_submit → review: the submission letter, self-assessment report and minutes attached, then SUBMIT with 95%. */
export async function inReview(k: Kit, communeAuth: string, villageCode: string, year = 2026): Promise<string> {
  const id = await readyToSubmit(k, communeAuth, villageCode, year);
  for (const kind of ['submission_letter', 'self_assessment_report', 'meeting_minutes']) await attachDocument(k, communeAuth, id, kind);
  expectStatus(await sendEvent(k, communeAuth, id, { type: 'SUBMIT', agreementPercent: 95 }), 200, 'SUBMIT');
  return id;
}

// ---- what the database holds, to show nothing was half-written ----

export interface DossierFootprint {
  state: string;
  version: number;
  events: number;
  timers: number;
  outbox: number;
  attachments: number;
  criteria: { code: number; met: boolean | null; note: string | null; review_status: string; review_comment: string | null }[];
}

export async function footprint(k: Kit, id: string): Promise<DossierFootprint> {
  const {
    rows: [inst],
  } = await k.db.query(
    `SELECT i.id, i.state, i.version,
            (SELECT count(*)::int FROM workflow_events e WHERE e.instance_id = i.id) AS events,
            (SELECT count(*)::int FROM workflow_timers t WHERE t.instance_id = i.id) AS timers,
            (SELECT count(*)::int FROM outbox o WHERE o.instance_id = i.id) AS outbox,
            (SELECT count(*)::int FROM attachments a WHERE a.dossier_id = $1) AS attachments
       FROM workflow_instances i WHERE i.subject_type = 'dossier' AND i.subject_id = $1`,
    [id],
  );
  const { rows: criteria } = await k.db.query(
    'SELECT code, met, note, review_status, review_comment FROM dossier_criteria WHERE dossier_id = $1 ORDER BY code',
    [id],
  );
  return {
    state: inst.state,
    version: inst.version,
    events: inst.events,
    timers: inst.timers,
    outbox: inst.outbox,
    attachments: inst.attachments,
    criteria,
  };
}

/** Every regular file under `dir` (recursively), relative paths; [] when it does not exist. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, join(rel, n));
      else out.push(join(rel, n));
    }
  };
  walk(dir, '');
  return out.sort();
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ---- small real files ----

/** A small, well-formed PDF 1.4 with one page whose text is `text` (ASCII only in the content stream). */
export function pdfBytes(text = 'NTM'): Buffer {
  const ascii = text.normalize('NFD').replace(/[^\x20-\x7e]/g, '');
  const stream = `BT /F1 12 Tf 72 720 Td (${ascii}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A 1×1 PNG (signature, IHDR, IDAT of a stored deflate block, IEND), CRCs correct. */
export function pngBytes(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  // Raw scanline: filter 0, then R G B. zlib: header 78 01, stored block (final), adler32.
  const raw = Buffer.from([0, 0xd9, 0x2b, 0x2b]);
  const adler = (() => {
    let a = 1;
    let b = 0;
    for (const x of raw) {
      a = (a + x) % 65521;
      b = (b + a) % 65521;
    }
    const out = Buffer.alloc(4);
    out.writeUInt32BE(((b << 16) | a) >>> 0);
    return out;
  })();
  const stored = Buffer.concat([Buffer.from([0x78, 0x01, 0x01, raw.length, 0x00, ~raw.length & 0xff, 0xff]), raw, adler]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', stored),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The start of a JFIF JPEG (SOI, APP0 JFIF, a comment) and EOI: enough for any sniffer, and a real file header. */
export function jpegBytes(): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const text = Buffer.from('Anh hien truong nha van hoa thon', 'latin1');
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, text.length + 2]), text]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, com, Buffer.from([0xff, 0xd9])]);
}

/**
 * A ZIP archive of STORED entries (no compression), or DEFLATEd ones (node:zlib, as office suites write them),
 * in the given order, with local headers and a central directory.
 */
export function zipStored(entries: { name: string; data: Buffer }[], method: 'stored' | 'deflate' = 'stored'): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data);
    const raw = e.data;
    const data = method === 'deflate' ? deflateRawSync(raw) : raw;
    const how = method === 'deflate' ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(how, 8); // STORED or DEFLATE
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x5b21, 12); // date 2025-09-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(how, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x5b21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A minimal valid .docx: [Content_Types].xml first, then _rels/.rels and word/document.xml. */
export function docxBytes(text = 'Báo cáo tự đánh giá'): Buffer {
  const xml = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`, 'utf8');
  return zipStored([
    {
      name: '[Content_Types].xml',
      data: xml(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
          '</Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: xml(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
          '</Relationships>',
      ),
    },
    {
      name: 'word/document.xml',
      data: xml(
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
          `<w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body></w:document>`,
      ),
    },
  ]);
}

/**
 * A minimal .xlsx as a spreadsheet program writes it: DEFLATEd entries, the workbook before
 * [Content_Types].xml, which names the workbook's main part.
 */
export function xlsxBytes(sheetName = 'Tiêu chí'): Buffer {
  const xml = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`, 'utf8');
  return zipStored(
    [
      {
        name: 'xl/workbook.xml',
        data: xml(
          '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
            `<sheets><sheet name="${sheetName}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
        ),
      },
      {
        name: '_rels/.rels',
        data: xml(
          '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
            '</Relationships>',
        ),
      },
      {
        name: '[Content_Types].xml',
        data: xml(
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
            '<Default Extension="xml" ContentType="application/xml"/>' +
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
            '</Types>',
        ),
      },
    ],
    'deflate',
  );
}

/** The start of a Windows executable (MZ header, PE signature). */
export function exeBytes(): Buffer {
  const b = Buffer.alloc(512);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  return b;
}

// ---- review assignment (review-steps queue) ----

/** Waits until every review-steps job of the dossier is done (at least `jobs` of them), then returns its criteria. */
export async function assignmentSettled(
  k: Kit,
  id: string,
  jobs = 1,
): Promise<{ code: number; assignee: string | null; status: string }[]> {
  await waitFor(
    async () => {
      const {
        rows: [r],
      } = await k.db.query(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE o.status = 'done')::int AS done
           FROM outbox o JOIN workflow_instances i ON i.id = o.instance_id
          WHERE i.subject_type = 'dossier' AND i.subject_id = $1 AND o.queue = 'review-steps'`,
        [id],
      );
      return r.total >= jobs && r.done === r.total;
    },
    { timeoutMs: 20000, intervalMs: 100, what: `review assignment of ${id}` },
  );
  const { rows } = await k.db.query(
    'SELECT code, assignee_id AS assignee, review_status AS status FROM dossier_criteria WHERE dossier_id = $1 ORDER BY code',
    [id],
  );
  return rows;
}

export interface TaskItem {
  subjectType: string;
  subjectId: string;
  state: string;
  action: string;
  unitId: string;
  title: string;
  dueAt: string | null;
  overdue: boolean;
}

export async function tasks(k: Kit, auth: string): Promise<TaskItem[]> {
  const res = await k.t.http.get('/tasks').set('Authorization', auth);
  if (res.status !== 200) throw new Error(`GET /tasks: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Most urgent first: overdue ones, then by due time, those without a due time last. */
export function expectUrgencyOrder(items: TaskItem[]): void {
  const key = (t: TaskItem) => [t.overdue ? 0 : 1, t.dueAt ? Date.parse(t.dueAt) : Number.POSITIVE_INFINITY] as const;
  for (let i = 1; i < items.length; i++) {
    const [ao, ad] = key(items[i - 1]);
    const [bo, bd] = key(items[i]);
    if (ao > bo || (ao === bo && ad > bd)) {
      throw new Error(`tasks out of order at ${i}: ${JSON.stringify(items[i - 1])} before ${JSON.stringify(items[i])}`);
    }
  }
}

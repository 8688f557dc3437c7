import type { INestApplication } from '@nestjs/common';
import http from 'node:http';
import type pg from 'pg';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One JSON request over a keep-alive connection; resolves with status and parsed body. */
export function request(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function upload(base: string, path: string, token: string, kind: string, bytes: Buffer, name: string) {
  const form = new FormData();
  form.set('kind', kind);
  form.set('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), name);
  const res = await fetch(`${base}${path}`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
}

/**
 * Prepares `count` dossiers in `review` through the HTTP API (the consultation ends by its timer, shortened by
 * DEADLINE_OVERRIDES) and returns the reviewer's token, the dossier ids and their instance ids.
 */
export async function dossiersInReview(
  app: INestApplication,
  base: string,
  pool: pg.Pool,
  admin: { username: string; password: string },
  count: number,
) {
  const login = async (username: string, password: string) =>
    (await request(base, 'POST', '/auth/login', { username, password })).body.accessToken as string;
  const adminToken = await login(admin.username, admin.password);
  const unit = async (code: string) => (await pool.query('SELECT id FROM units WHERE code = $1', [code])).rows[0].id as string;
  for (const u of [
    { username: 'bench.commune', role: 'COMMUNE_STAFF', unit: 'LS-TD-01' },
    { username: 'bench.reviewer', role: 'REVIEWER', unit: 'LS-TD' },
  ]) {
    const res = await request(
      base,
      'POST',
      '/users',
      {
        username: u.username,
        password: 'bench-password',
        fullName: 'Bench',
        email: `${u.username}@example.vn`,
        role: u.role,
        unitId: await unit(u.unit),
      },
      adminToken,
    );
    if (res.status !== 201) throw new Error(`user ${u.username}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const commune = await login('bench.commune', 'bench-password');
  const reviewer = await login('bench.reviewer', 'bench-password');
  const villages = (await pool.query(`SELECT id FROM units WHERE code LIKE 'LS-TD-01-%' ORDER BY code`)).rows.map((r) => r.id as string);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await request(
      base,
      'POST',
      '/dossiers',
      { villageId: villages[i % villages.length], year: 2030 + Math.floor(i / villages.length) },
      commune,
    );
    if (created.status !== 201) throw new Error(`dossier: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id as string;
    for (let code = 1; code <= 16; code++) await request(base, 'PUT', `/dossiers/${id}/criteria/${code}`, { met: true }, commune);
    await request(base, 'POST', `/dossiers/${id}/events`, { type: 'OPEN_CONSULTATION' }, commune);
    for (const kind of ['submission_letter', 'self_assessment_report', 'meeting_minutes'])
      await upload(base, `/dossiers/${id}/attachments`, commune, kind, Buffer.from('%PDF-1.4\n%%EOF\n'), `${kind}.pdf`);
    ids.push(id);
  }
  for (const id of ids) {
    for (let tries = 0; ; tries++) {
      const res = await request(base, 'POST', `/dossiers/${id}/events`, { type: 'SUBMIT', agreementPercent: 95 }, commune);
      if (res.status === 200) break;
      if (tries > 200) throw new Error(`SUBMIT: ${res.status} ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 50)); // the consultation's timer has not fired yet
    }
  }
  const instances = (
    await pool.query(`SELECT subject_id, id FROM workflow_instances WHERE subject_type = 'dossier' AND subject_id = ANY($1)`, [ids])
  ).rows;
  const byDossier = new Map(instances.map((r) => [r.subject_id as string, r.id as string]));
  void app;
  return { reviewer, ids, instanceIds: ids.map((id) => byDossier.get(id)!) };
}

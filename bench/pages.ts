/**
 * Benchmark rows: the time to render the inbox and the dossier page for a signed-in reviewer, beside the JSON
 * API's time for the same data (GET /tasks, GET /dossiers/:id), and the bytes of each page. One client, one
 * request at a time on loopback, so each figure is a latency: p50 and p95 of `requests` requests, the median
 * over `runs` runs. The dossier is in review with its 16 criteria assessed and its minutes attached: the
 * reviewer's page is the heaviest the service renders (a decision form per criterion, the history and its
 * integrity check).
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool as UndiciPool } from 'undici';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.js';
import { dropDatabase } from '../src/database/migrator.js';
import { clearRedisPrefix } from '../src/redis/clear-prefix.js';

export interface PageBenchRow {
  measure: string;
  engine: string;
  'raw SQL': string;
  ratio: string;
  goal: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

export async function benchPages(options: { runs?: number; requests?: number } = {}): Promise<PageBenchRow[]> {
  const runs = options.runs ?? Number(process.env.BENCH_RUNS ?? 3);
  const requests = options.requests ?? 300;
  const databaseUrl = process.env.BENCH_PAGES_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ntm_bench_pages';
  const admin = { username: 'admin', password: 'bench-admin-password' };
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: 'bench-pages',
    ADMIN_USERNAME: admin.username,
    ADMIN_PASSWORD: admin.password,
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'ntm-bench-pages-')),
    DEADLINE_OVERRIDES: 'certification.consultation=PT0.2S',
  });
  await dropDatabase(databaseUrl);
  await clearRedisPrefix(config.queuePrefix, config.redisUrl);
  await prepareDatabase(config);
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const http = new UndiciPool(`http://127.0.0.1:${address.port}`, { connections: 1 });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const json = async (method: string, path: string, auth: string | null, body?: unknown) => {
    const res = await http.request({
      method: method as 'GET',
      path,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  try {
    const login = async (username: string, password: string) =>
      `Bearer ${(await json('POST', '/auth/login', null, { username, password })).accessToken}`;
    const adminAuth = await login(admin.username, admin.password);
    const unitId = async (code: string) => (await pool.query('SELECT id FROM units WHERE code = $1', [code])).rows[0].id as string;
    const users = { commune: ['COMMUNE_STAFF', 'LS-TD-01'], reviewer: ['REVIEWER', 'LS-TD'] } as const;
    for (const [name, [role, unit]] of Object.entries(users)) {
      await json('POST', '/users', adminAuth, {
        username: `bench.${name}`,
        password: 'bench-password-1',
        fullName: `Bench ${name}`,
        email: `bench.${name}@example.vn`,
        role,
        unitId: await unitId(unit),
      });
    }
    const commune = await login('bench.commune', 'bench-password-1');
    const reviewer = await login('bench.reviewer', 'bench-password-1');
    const dossier = await json('POST', '/dossiers', commune, { villageId: await unitId('LS-TD-01-01'), year: 2026 });
    for (let code = 1; code <= 16; code++) {
      await json('PUT', `/dossiers/${dossier.id}/criteria/${code}`, commune, {
        met: true,
        note: `Tiêu chí ${code} đạt theo báo cáo của xã`,
      });
    }
    await json('POST', `/dossiers/${dossier.id}/events`, commune, { type: 'OPEN_CONSULTATION' });
    for (let i = 0; (await json('GET', `/dossiers/${dossier.id}`, commune)).state !== 'ready_to_submit'; i++) {
      if (i > 200) throw new Error('the consultation did not end');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const kind of ['submission_letter', 'self_assessment_report', 'meeting_minutes']) {
      const form = new FormData();
      form.set('kind', kind);
      form.set('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')], { type: 'application/pdf' }), `${kind}.pdf`);
      const uploaded = await fetch(`http://127.0.0.1:${address.port}/dossiers/${dossier.id}/attachments`, {
        method: 'POST',
        body: form,
        headers: { authorization: commune },
      });
      if (uploaded.status !== 201) throw new Error(`upload ${kind}: ${uploaded.status}`);
    }
    await json('POST', `/dossiers/${dossier.id}/events`, commune, { type: 'SUBMIT', agreementPercent: 95 });

    // The reviewer's page session, through the sign-in form.
    const signInPage = await http.request({ method: 'GET', path: '/app/sign-in' });
    const signInHtml = await signInPage.body.text();
    const signInCookie = String(signInPage.headers['set-cookie']).split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(signInHtml)![1];
    const signedIn = await http.request({
      method: 'POST',
      path: '/app/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: signInCookie },
      body: new URLSearchParams({ _csrf: csrf, username: 'bench.reviewer', password: 'bench-password-1', next: '/app' }).toString(),
    });
    await signedIn.body.text();
    const session = ([] as string[])
      .concat(signedIn.headers['set-cookie'] as string | string[])
      .find((c) => c.startsWith('ntm_session='))!
      .split(';')[0];

    /** Times `paths` fetched one after another, as one figure (a client that needs all of them). */
    const timed = async (paths: string[], headers: Record<string, string>) => {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < requests + 50; i++) {
        const started = process.hrtime.bigint();
        bytes = 0;
        for (const path of paths) {
          const res = await http.request({ method: 'GET', path, headers });
          const body = await res.body.text();
          if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode}`);
          bytes += Buffer.byteLength(body);
        }
        if (i >= 50) times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return { p50: percentile(times, 50), p95: percentile(times, 95), bytes };
    };
    // The dossier page shows the dossier, its history with the chain's check and the inbox count: beside the
    // one JSON call for the dossier, and beside the JSON calls a client needs for the same data.
    const pairs = [
      { name: 'inbox', page: '/app', api: ['/tasks'] },
      { name: 'dossier page', page: `/app/dossiers/${dossier.id}`, api: [`/dossiers/${dossier.id}`] },
      {
        name: 'dossier page vs its data',
        page: `/app/dossiers/${dossier.id}`,
        api: [`/dossiers/${dossier.id}`, `/dossiers/${dossier.id}/history`, '/tasks'],
      },
    ];
    const rows: PageBenchRow[] = [];
    for (const pair of pairs) {
      const page: { p50: number; p95: number; bytes: number }[] = [];
      const api: { p50: number; p95: number; bytes: number }[] = [];
      for (let run = 0; run < runs; run++) {
        page.push(await timed([pair.page], { cookie: session }));
        api.push(await timed(pair.api, { authorization: reviewer }));
      }
      const p = { p50: median(page.map((x) => x.p50)), p95: median(page.map((x) => x.p95)), bytes: page[0].bytes };
      const a = { p50: median(api.map((x) => x.p50)), p95: median(api.map((x) => x.p95)) };
      console.error(
        `${pair.name}: page p50 ${p.p50.toFixed(2)} ms p95 ${p.p95.toFixed(2)} ms ${p.bytes} B; JSON p50 ${a.p50.toFixed(2)} ms p95 ${a.p95.toFixed(2)} ms`,
      );
      rows.push({
        measure: `${pair.name} for a reviewer, p50 / p95 ms (${(p.bytes / 1024).toFixed(1)} KB)`,
        engine: `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)}`,
        'raw SQL': `JSON${pair.api.length > 1 ? ` ×${pair.api.length}` : ''} ${a.p50.toFixed(1)} / ${a.p95.toFixed(1)}`,
        ratio: (p.p50 / a.p50).toFixed(2),
        goal: 'ratio <= 1.5, < 100 KB',
      });
    }
    return rows;
  } finally {
    await http.close();
    await pool.end();
    await app.close();
  }
}

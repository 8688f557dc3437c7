/**
 * The reports at national size (issue 7, item 4): GET /reports/progress as a PROVINCE_OFFICER of one province
 * and GET /reports/funding as an ADMIN (the whole country), against the database `npm run seed:national` fills.
 * Sequential requests after a warm-up; p50 and p95 in milliseconds. Run directly: node dist/bench/reports.js
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.js';
import { request } from './http-review.js';
import { NATIONAL_DATABASE_URL } from './seed-national.js';

const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const OFFICER = { username: 'bench.national.province', password: 'bench-password' };
const WARMUP = Number(process.env.BENCH_REPORTS_WARMUP ?? 5);
const REQUESTS = Number(process.env.BENCH_REPORTS_REQUESTS ?? 50);

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function time(base: string, path: string, token: string): Promise<{ p50: number; p95: number }> {
  const once = async () => {
    const t = process.hrtime.bigint();
    const res = await request(base, 'GET', path, undefined, token);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) ms.push(await once());
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

/**
 * Times GET /reports/progress (PROVINCE_OFFICER of the first province) and GET /reports/funding (ADMIN) in the
 * national database. `p50`/`p95` are the worse of the two, in ms; `row` is a line for bench/run.ts's table.
 */
export async function benchReports(databaseUrl: string = NATIONAL_DATABASE_URL): Promise<{
  row: { measure: string; engine: number | string; 'raw SQL': string; ratio: string; goal: string };
  p50: number;
  p95: number;
}> {
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    PROCESS_ROLE: 'api',
    LOG_LEVEL: 'warn',
    SEED: 'none',
    QUEUE_PREFIX: 'bench-reports',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'ntm-bench-reports-')),
  });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const {
    rows: [province],
  } = await pool.query<{ id: string }>(`SELECT id FROM units WHERE level = 'PROVINCE' ORDER BY code LIMIT 1`);
  if (!province) {
    await pool.end();
    throw new Error(`no provinces in ${databaseUrl}: run npm run seed:national first`);
  }
  await prepareDatabase(config);
  const app = await createApp(config);
  try {
    const server = await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.address().port}`;
    const login = async (u: { username: string; password: string }) => {
      const res = await request(base, 'POST', '/auth/login', u);
      if (res.status !== 201 && res.status !== 200) throw new Error(`login ${u.username}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.accessToken as string;
    };
    const admin = await login(ADMIN);
    const exists = await pool.query('SELECT 1 FROM users WHERE username = $1', [OFFICER.username]);
    if (!exists.rowCount) {
      const res = await request(
        base,
        'POST',
        '/users',
        {
          ...OFFICER,
          fullName: 'Bench province officer',
          email: 'bench.national.province@example.vn',
          role: 'PROVINCE_OFFICER',
          unitId: province.id,
        },
        admin,
      );
      if (res.status !== 201) throw new Error(`user ${OFFICER.username}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const officer = await login(OFFICER);
    const progress = await time(base, '/reports/progress', officer);
    const funding = await time(base, '/reports/funding', admin);
    const f = (n: number) => n.toFixed(1);
    return {
      row: {
        measure: 'reports at national size: progress p50/p95 ms, funding p50/p95 ms',
        engine: `progress p50 ${f(progress.p50)} / p95 ${f(progress.p95)} ms; funding p50 ${f(funding.p50)} / p95 ${f(funding.p95)} ms`,
        'raw SQL': '-',
        ratio: '-',
        goal: 'p95 <= 200 ms',
      },
      p50: Math.max(progress.p50, funding.p50),
      p95: Math.max(progress.p95, funding.p95),
    };
  } finally {
    await app.close();
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchReports(process.env.NATIONAL_DATABASE_URL ?? NATIONAL_DATABASE_URL)
    .then((r) => console.table([r.row]))
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

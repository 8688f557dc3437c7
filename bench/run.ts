/**
 * npm run bench: throughput figures on this machine, each the median of RUNS runs. Not part of npm test.
 *   1. events/s through EngineService.send() at 16 concurrent instances for SECONDS seconds, beside the same
 *      writes as raw SQL transactions through pg (lock the row, update snapshot and version, insert history
 *      and outbox), and their ratio.
 *   2. REVIEW_CRITERION events/s over HTTP (JWT, validation, engine, the dossier read back), 16 clients on
 *      16 dossiers, beside the raw SQL figure of the same run.
 *   3. emails/s from the outbox into a local SMTP server.
 *   4. the reports' p50/p95 over a national-size database (about 100,000 villages, ten years of dossiers).
 *   5. the inbox and the dossier page: p50/p95 render time beside the JSON API's for the same data, and bytes.
 *   6. timers at scale: lateness of 2,000 timers due among 100,000 pending, and the reconciler's restore of them
 *      all after the Redis prefix is emptied (bench/timers.ts).
 *   7. row 2's load through nginx to one API process and to two, beside the raw SQL rate, with the CPU per
 *      request of nginx, the APIs and PostgreSQL (bench/cluster.ts).
 *   8. the peak RSS of each process during rows 1, 2, 3 and 7 (bench/memory.ts), printed after the table.
 *   9. the import of the villages' flags from a 10,000-village CSV, rows/s, beside the same writes as raw SQL
 *      in the same run (bench/import.ts).
 * Each measured run prints its one-minute load average: the machine may be shared.
 */
import 'reflect-metadata';
import os from 'node:os';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.js';
import { dropDatabase } from '../src/database/migrator.js';
import { clearRedisPrefix } from '../src/redis/clear-prefix.js';
import { SubjectDirectory } from '../src/notifications/subject-directory.js';
import { EngineService } from '../src/engine/engine.service.js';
import type { EngineActor } from '../src/engine/engine.types.js';
import { benchWorkflows } from './bench-workflow.js';
import { cpuSplit } from './cpu.js';
import { dossiersInReview } from './http-review.js';
import { benchNotifications } from './notifications.js';
import { benchReports } from './reports.js';
import { benchPages } from './pages.js';
import { seedNational } from './seed-national.js';
import { benchTimers } from './timers.js';
import { benchCluster } from './cluster.js';
import { benchImport } from './import.js';
import { peaks, resetPeak } from './memory.js';
import { load1 } from './processes.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { Pool as UndiciPool } from 'undici';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = 16;
/** Load before the HTTP row's first measured run, not counted: a fresh process compiles and opens its pool first. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 15);
/** Which rows to run, e.g. BENCH_ROWS=2 while working on one figure; all nine by default. */
const ROWS = new Set((process.env.BENCH_ROWS ?? '1,2,3,4,5,6,7,8,9').split(',').map((r) => Number(r.trim())));
/** Peak RSS lines for row 8, one per row measured. */
const memory: string[] = [];

/**
 * The Node.js flags `npm start` runs the service with (package.json's start script), so the measured process
 * runs as deployed: `--max-semi-space-size` gives V8 a larger young generation, collected less often.
 */
const START_FLAGS = (
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')).scripts.start as string
)
  .split(/\s+/)
  .filter((token) => token.startsWith('--'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function forSeconds(workers: number, once: (worker: number) => Promise<void>, seconds = SECONDS): Promise<number> {
  let count = 0;
  const end = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (Date.now() < end) {
        await once(w);
        count++;
      }
    }),
  );
  return count / ((Date.now() - started) / 1000);
}

/** The engine's writes for one event as a raw SQL transaction: lock the row, update snapshot and version, insert history and outbox. */
async function rawEvent(pool: pg.Pool, instanceId: string, actor: EngineActor): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const {
      rows: [inst],
    } = await client.query('SELECT id, snapshot, last_seq, last_hash FROM workflow_instances WHERE id = $1 FOR UPDATE', [instanceId]);
    const seq = inst.last_seq + 1;
    await client.query(
      'UPDATE workflow_instances SET snapshot = $2, version = version + 1, last_seq = $3, updated_at = now() WHERE id = $1',
      [inst.id, inst.snapshot, seq],
    );
    await client.query(
      `INSERT INTO workflow_events (instance_id, seq, type, actor_id, actor_role, actor_unit_id, payload, from_state, to_state, at, prev_hash, hash)
       VALUES ($1, $2, 'REVIEW', $3, 'REVIEWER', $4, $5, 'review', 'review', now(), $6, $6)`,
      [inst.id, seq, actor.id, actor.unitId, { code: 1, decision: 'approve' }, inst.last_hash],
    );
    await client.query(
      `INSERT INTO outbox (id, instance_id, seq, queue, job, payload, status) VALUES (gen_random_uuid()::text, $1, $2, 'notifications', 'notify', '{}', 'done')`,
      [inst.id, seq],
    );
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };

async function main() {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ntm_bench';
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: 'bench',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'ntm-bench-')),
    DEADLINE_OVERRIDES: 'certification.consultation=PT0.2S',
  };
  const config = loadConfig({ ...env, PROCESS_ROLE: 'api' });
  // A fresh database each run, so runs compare.
  await dropDatabase(databaseUrl);
  await clearRedisPrefix('bench', config.redisUrl);
  await prepareDatabase(config);
  const app = await createApp(config, { workflows: benchWorkflows });
  app.get(SubjectDirectory).register('bench', async () => ({
    title: { vi: 'Bench', en: 'Bench' },
    villageName: 'Bench',
    communeName: 'Bench',
    unitPath: '/',
    link: '/',
  }));
  const engine = app.get(EngineService);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY + 2 });

  const {
    rows: [village],
  } = await pool.query(`SELECT v.id, v.path FROM units v WHERE v.level = 'VILLAGE' ORDER BY v.code LIMIT 1`);
  const ids = village.path.split('/').filter(Boolean);
  const reviewer: EngineActor = {
    id: 'bench-reviewer',
    role: 'REVIEWER',
    unitId: ids[ids.length - 3],
    unitPath: `/${ids.slice(0, -2).join('/')}/`,
  };
  const subjects = await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      const subject = { type: 'bench', id: `bench-${Date.now()}-${i}` };
      await engine.start('bench', { ...subject, unitId: village.id, unitPath: village.path }, reviewer);
      return subject;
    }),
  );
  const instanceIds = (
    await pool.query(`SELECT id FROM workflow_instances WHERE subject_id = ANY($1) ORDER BY subject_id`, [subjects.map((s) => s.id)])
  ).rows.map((r) => r.id);

  const engineRates: number[] = [];
  const rawRates: number[] = [];
  resetPeak(process.pid);
  for (let run = 0; ROWS.has(1) && run < RUNS; run++) {
    console.error(`send() run ${run + 1}/${RUNS} (load ${load1()})`);
    let n = 0;
    engineRates.push(
      await forSeconds(CONCURRENCY, (w) =>
        engine.send(subjects[w], { type: 'REVIEW', code: (n++ % 16) + 1, decision: 'approve' }, reviewer).then(() => undefined),
      ),
    );
    rawRates.push(await forSeconds(CONCURRENCY, (w) => rawEvent(pool, instanceIds[w], reviewer)));
  }
  if (ROWS.has(1)) memory.push(`send() (row 1): ${peaks([{ name: 'bench process (engine in process)', pid: process.pid }])}`);

  // Row 2: REVIEW_CRITERION over HTTP, 16 clients on 16 dossiers, beside the raw SQL figure of the same run.
  // The first row's effects are not to be sent: a worker would spend the second row's time on them.
  await pool.query(`UPDATE outbox SET status = 'done' WHERE status = 'pending'`);

  // The service in processes of their own, as deployed: an `all` process while the dossiers are prepared (their
  // consultations end by timers), then an `api` process for the measurement, so the clients' work and the
  // workers do not share its event loop.
  const startServer = async (role: string) => {
    const args = [...START_FLAGS, ...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [])];
    const child = spawn(process.execPath, [...args, join(dirname(fileURLToPath(import.meta.url)), 'server.js')], {
      env: { ...env, PROCESS_ROLE: role },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        const line = buffered.split('\n').find((l) => l.startsWith('{"port"'));
        if (line) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve(JSON.parse(line).port);
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const stop = async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    };
    return { base: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
  };
  const httpRates: number[] = [];
  const httpRawRates: number[] = [];
  let failures = 0;
  let prepared: Awaited<ReturnType<typeof dossiersInReview>> | undefined;
  if (ROWS.has(2) || ROWS.has(7)) {
    const setup = await startServer('all');
    prepared = await dossiersInReview(app, setup.base, pool, ADMIN, CONCURRENCY);
    await setup.stop();
  }
  if (ROWS.has(2) && prepared) {
    const server = await startServer('api');
    const base = server.base;
    // The load generator shares the two cores with the server and PostgreSQL: undici's pool costs the client
    // about half of what node:http's agent does per request, leaving that to the service being measured.
    const clients = new UndiciPool(base, { connections: CONCURRENCY });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${prepared.reviewer}` };
    const review = async (w: number, n: number) => {
      const res = await clients.request({
        method: 'POST',
        path: `/dossiers/${prepared.ids[w]}/events`,
        headers,
        body: JSON.stringify({ type: 'REVIEW_CRITERION', code: (n % 16) + 1, decision: 'approve' }),
      });
      const body = (await res.body.json()) as { state?: string };
      return { status: res.statusCode, body };
    };
    let warm = 0;
    await forSeconds(CONCURRENCY, async (w) => void (await review(w, warm++)), WARMUP_SECONDS);
    await forSeconds(CONCURRENCY, (w) => rawEvent(pool, prepared.instanceIds[w], reviewer), WARMUP_SECONDS);
    for (let run = 0; run < RUNS; run++) {
      let n = 0;
      const load = load1();
      const cpu = await cpuSplit(pool, server.pid);
      httpRates.push(
        await forSeconds(CONCURRENCY, async (w) => {
          const res = await review(w, n++);
          if (res.status !== 200) failures++;
        }),
      );
      const split = await cpu.stop(n);
      httpRawRates.push(await forSeconds(CONCURRENCY, (w) => rawEvent(pool, prepared.instanceIds[w], reviewer)));
      const where = split
        ? `; CPU per request: service ${split.service.toFixed(2)} ms, PostgreSQL ${split.postgres.toFixed(2)} ms, load generator ${split.client.toFixed(2)} ms`
        : '';
      console.error(
        `REVIEW_CRITERION run ${run + 1}/${RUNS}: HTTP ${Math.round(httpRates[run])}/s, raw SQL ${Math.round(httpRawRates[run])}/s${where} (load ${load})`,
      );
    }
    memory.push(`REVIEW_CRITERION over HTTP (row 2): ${peaks([{ name: 'api', pid: server.pid }])}`);
    await clients.close();
    await server.stop();
  }

  // Row 7: the same load through nginx, to one API process and to two.
  const cluster =
    ROWS.has(7) && prepared
      ? await benchCluster({
          runs: RUNS,
          seconds: SECONDS,
          warmupSeconds: WARMUP_SECONDS,
          pool,
          startApi: async () => {
            const server = await startServer('api');
            return { ...server, line: '', port: Number(new URL(server.base).port) };
          },
          load: async (base, seconds) => {
            const clients = new UndiciPool(base, { connections: CONCURRENCY });
            const headers = { 'content-type': 'application/json', authorization: `Bearer ${prepared.reviewer}` };
            let n = 0;
            let failed = 0;
            const started = Date.now();
            const rate = await forSeconds(
              CONCURRENCY,
              async (w) => {
                const res = await clients.request({
                  method: 'POST',
                  path: `/dossiers/${prepared.ids[w]}/events`,
                  headers,
                  body: JSON.stringify({ type: 'REVIEW_CRITERION', code: (n++ % 16) + 1, decision: 'approve' }),
                });
                await res.body.dump();
                if (res.statusCode !== 200) failed++;
              },
              seconds,
            );
            await clients.close();
            return { rate, requests: Math.round(rate * ((Date.now() - started) / 1000)), failures: failed };
          },
          raw: (seconds) => forSeconds(CONCURRENCY, (w) => rawEvent(pool, prepared.instanceIds[w], reviewer), seconds),
        })
      : undefined;
  if (cluster) memory.push(...cluster.memory.map((line) => `${line} (row 7)`));

  const pgVersion = (await pool.query('SHOW server_version')).rows[0].server_version;
  const redis = new Redis(config.redisUrl);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  redis.disconnect();
  await pool.end();
  await app.close();

  // Row 3: emails per second from the outbox into a local SMTP server (its own database and app).
  resetPeak(process.pid);
  if (ROWS.has(3)) console.error(`emails/s (load ${load1()})`);
  const notifications = ROWS.has(3) ? await benchNotifications({ runs: RUNS }) : undefined;
  if (notifications)
    memory.push(`emails/s (row 3): ${peaks([{ name: 'bench process (relay, worker and SMTP server in process)', pid: process.pid }])}`);

  // Row 4: the reports over a national-size database (npm run seed:national fills it; done here each run).
  if (ROWS.has(4)) await seedNational();
  const reports = ROWS.has(4) ? await benchReports() : undefined;

  // Row 5: the pages against the JSON API for the same data (its own database and app).
  const pages = ROWS.has(5) ? await benchPages({ runs: RUNS }) : [];

  // Row 6: timers at scale (its own database, worker process and queue prefix).
  const timers = ROWS.has(6) ? await benchTimers({ runs: RUNS }) : undefined;
  if (timers) memory.push(`timers (row 6): worker ${timers.workerPeakMb === undefined ? '?' : Math.round(timers.workerPeakMb)} MB`);

  // Row 9: the criteria import of a 10,000-village CSV (its own database, the service in process).
  const criteriaImport = ROWS.has(9) ? await benchImport({ runs: RUNS }) : undefined;

  const engineRate = median(engineRates);
  const httpRate = median(httpRates);
  const httpRawRate = median(httpRawRates);
  const rawRate = median(rawRates);
  const cpu = os.cpus();
  console.log(
    `\nNTM Workflow benchmark: ${cpu.length} cores (${cpu[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}, Redis ${redisVersion}`,
  );
  console.log(
    `each figure the median of ${RUNS} runs of ${SECONDS} s; load average now ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const table = [
    ROWS.has(1) && {
      measure: `send() events/s, ${CONCURRENCY} concurrent instances`,
      engine: Math.round(engineRate),
      'raw SQL': Math.round(rawRate),
      ratio: (engineRate / rawRate).toFixed(2),
      goal: 'ratio >= 0.50',
    },
    ROWS.has(2) && {
      measure: `REVIEW_CRITERION over HTTP, ${CONCURRENCY} clients on ${CONCURRENCY} dossiers`,
      engine: Math.round(httpRate),
      'raw SQL': Math.round(httpRawRate),
      ratio: (httpRate / httpRawRate).toFixed(2),
      goal: '>= 1000/s and ratio >= 0.50',
    },
    notifications?.row,
    reports?.row,
    ...pages,
    ...(timers?.rows ?? []),
    ...(cluster?.rows ?? []),
    criteriaImport?.row,
  ].filter(Boolean);
  console.table(table);
  if (failures) console.log(`${failures} HTTP events were refused during the run`);
  if (ROWS.has(8) && memory.length) console.log(`\npeak RSS (row 8):\n${memory.map((line) => `  ${line}`).join('\n')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Benchmark row: timers at scale. PENDING timers wait in PostgreSQL and, through the relay, as delayed jobs in
 * BullMQ; each run adds DUE of them (on instances of their own) due over WINDOW seconds, so that PENDING are
 * pending when the window opens, and reads each one's lateness: when the worker's firing transaction began
 * (`settled_at`, the transaction's `now()`) against `due_at`. Then the Redis prefix is emptied under the running
 * worker and the clock runs until the reconciler has every pending timer back in Redis. The worker is the
 * service's own (`PROCESS_ROLE=worker`, bench/worker.ts), in a process of its own; timers and instances are
 * written in bulk SQL, as the engine stores them (src/engine/engine.repository.ts).
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.js';
import { dropDatabase } from '../src/database/migrator.js';
import { clearRedisPrefix } from '../src/redis/clear-prefix.js';
import { EngineService } from '../src/engine/engine.service.js';
import { SYSTEM_ACTOR } from '../src/engine/engine.types.js';
import { benchWorkflows } from './bench-workflow.js';
import { cpuSecondsOf } from './cpu.js';
import { peakRssMb } from './memory.js';
import { load1, startProcess, type BenchProcess } from './processes.js';

const PREFIX = 'bench-timers';

export interface TimerBenchOptions {
  runs: number;
  /** Pending timers when the window opens; BENCH_TIMERS or 100,000. */
  pending?: number;
  /** Timers due within the window; BENCH_TIMERS_DUE or 2,000. */
  due?: number;
  /** The window's length in seconds; BENCH_TIMERS_WINDOW or 20. */
  windowSeconds?: number;
}

/**
 * Every key under the prefix deleted in one script, so the running worker sees Redis as a restart leaves it: all
 * gone at once. A SCAN-and-DEL wipe takes seconds over 100,000 jobs, and the relay re-adding jobs meanwhile could
 * see their `delayed` set deleted after it, which is no state Redis is ever left in. Blocks Redis for the time
 * of one KEYS and the deletes (a fraction of a second here).
 */
const WIPE = `local keys = redis.call('KEYS', ARGV[1] .. ':*')
for i = 1, #keys, 1000 do redis.call('UNLINK', unpack(keys, i, math.min(i + 999, #keys))) end
return #keys`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timers bench: timed out waiting for ${what}`);
    await sleep(100);
  }
}

export async function benchTimers(options: TimerBenchOptions) {
  const pending = options.pending ?? Number(process.env.BENCH_TIMERS ?? 100_000);
  const due = options.due ?? Number(process.env.BENCH_TIMERS_DUE ?? 2_000);
  const windowSeconds = options.windowSeconds ?? Number(process.env.BENCH_TIMERS_WINDOW ?? 20);
  const databaseUrl = process.env.BENCH_TIMERS_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ntm_bench_timers';
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: PREFIX,
    LOG_LEVEL: 'warn',
    SEED: 'plan-136-2019',
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'ntm-bench-timers-')),
  };
  const config = loadConfig({ ...env, PROCESS_ROLE: 'api' });
  await dropDatabase(databaseUrl);
  await clearRedisPrefix(PREFIX, config.redisUrl);
  await prepareDatabase(config);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const redis = new Redis(config.redisUrl);
  const delayed = `${PREFIX}:deadlines:delayed`;

  // One instance started by the engine, then copied in SQL: every copy is that instance under another subject.
  const app = await createApp(config, { workflows: benchWorkflows });
  const {
    rows: [village],
  } = await pool.query(`SELECT id, path FROM units WHERE level = 'VILLAGE' ORDER BY code LIMIT 1`);
  await app
    .get(EngineService)
    .start('bench-timer', { type: 'bench-timer', id: 'template', unitId: village.id, unitPath: village.path }, SYSTEM_ACTOR);
  await app.close();
  const {
    rows: [template],
  } = await pool.query(`SELECT id FROM workflow_instances WHERE subject_type = 'bench-timer' AND subject_id = 'template'`);

  /** Instances from..to (numbered) and one pending timer each, due at `dueSql` (an SQL expression of g, the number). */
  const seed = async (from: number, to: number, dueSql: string, params: unknown[] = []) => {
    await pool.query(
      `INSERT INTO workflow_instances (id, workflow_key, workflow_version, subject_type, subject_id, unit_id, unit_path, state, snapshot, version, open, last_seq, last_hash)
       SELECT 'bt-' || lpad(g::text, 7, '0'), t.workflow_key, t.workflow_version, t.subject_type, 'bt-' || g, t.unit_id, t.unit_path,
              t.state, t.snapshot, t.version, t.open, t.last_seq, t.last_hash
       FROM workflow_instances t, generate_series(${from}, ${to}) g WHERE t.id = $1`,
      [template.id],
    );
    await pool.query(
      `INSERT INTO workflow_timers (id, instance_id, send_id, deadline_id, kind, event, due_at)
       SELECT 'btt-' || lpad(g::text, 7, '0'), 'bt-' || lpad(g::text, 7, '0'), 'bench', 'bench.due', 'due', '{"type":"BENCH_DUE"}', ${dueSql}
       FROM generate_series(${from}, ${to}) g`,
      params,
    );
    await pool.query(`SELECT pg_notify('ntm_relay', '')`);
  };
  const count = async (where: string, params: unknown[] = []) =>
    Number((await pool.query(`SELECT count(*)::int AS n FROM workflow_timers WHERE ${where}`, params)).rows[0].n);

  // The timers not due in the window: due in 30 days onwards, a second apart.
  const background = pending - due;
  let started = Date.now();
  await seed(1, background, `now() + interval '30 days' + g * interval '1 second'`);
  const seeded = (Date.now() - started) / 1000;

  const worker = await startProcess('worker.js', { ...env, PROCESS_ROLE: 'worker' }, (l) => l.includes('worker running'));
  try {
    return await measure(worker);
  } finally {
    await worker.stop();
    await clearRedisPrefix(PREFIX, config.redisUrl);
    redis.disconnect();
    await pool.end();
  }

  async function measure(worker: BenchProcess) {
    started = Date.now();
    await until('the relay to hand every timer to BullMQ', 600_000, async () => (await count('dispatched_at IS NULL')) === 0);
    const dispatched = (Date.now() - started) / 1000;
    console.error(`timers: ${background} seeded in ${seeded.toFixed(1)} s, in BullMQ ${dispatched.toFixed(1)} s later (load ${load1()})`);

    const lateness: { p50: number; p99: number; max: number; load: string }[] = [];
    let next = background + 1;
    let twice = 0;
    for (let run = 0; run < options.runs; run++) {
      const load = load1();
      const from = next;
      const to = next + due - 1;
      next = to + 1;
      const lead = 3000;
      const opens = new Date(Date.now() + lead);
      // Due evenly over the window, opening `lead` ms from now.
      await seed(from, to, `$1::timestamptz + (g - ${from}) * ($2::float8 / ${due}) * interval '1 millisecond'`, [
        opens.toISOString(),
        windowSeconds * 1000,
      ]);
      const ids = Array.from({ length: due }, (_, i) => `btt-${String(from + i).padStart(7, '0')}`);
      await sleep(Math.max(0, opens.getTime() - Date.now()));
      const inRedis = Number(await redis.zcard(delayed));
      await until(
        'the window to pass and its timers to fire',
        (windowSeconds + 120) * 1000,
        async () => (await count(`id = ANY($1) AND status = 'pending'`, [ids])) === 0,
      );
      const { rows } = await pool.query<{ ms: number }>(
        `SELECT extract(epoch FROM settled_at - due_at) * 1000 AS ms FROM workflow_timers WHERE id = ANY($1) AND status = 'fired'`,
        [ids],
      );
      const fired = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
      const history = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM workflow_events e JOIN workflow_timers t ON t.instance_id = e.instance_id
       WHERE t.id = ANY($1) AND e.type = 'BENCH_DUE' GROUP BY e.instance_id HAVING count(*) <> 1`,
        [ids],
      );
      twice += history.rowCount ?? 0;
      const row = { p50: percentile(fired, 50), p99: percentile(fired, 99), max: fired[fired.length - 1], load };
      lateness.push(row);
      console.error(
        `timers run ${run + 1}/${options.runs}: ${fired.length}/${due} fired over ${windowSeconds} s with ${inRedis} delayed jobs in Redis at its opening; lateness p50 ${row.p50.toFixed(0)} / p99 ${row.p99.toFixed(0)} / max ${row.max.toFixed(0)} ms (load ${load})`,
      );
    }

    // Redis emptied under the running worker: the reconciler notices at its next pass (RECONCILE_SECONDS) and hands
    // every timer back to the relay, which enqueues it again.
    const restores: { detected: number; restored: number; load: string }[] = [];
    // Back to `pending` pending timers first (the runs fired theirs), due far off as the others.
    const topUp = pending - (await count(`status = 'pending'`));
    if (topUp > 0) {
      await seed(next, next + topUp - 1, `now() + interval '60 days' + g * interval '1 second'`);
      await until('the relay to hand the new timers to BullMQ', 600_000, async () => (await count('dispatched_at IS NULL')) === 0);
    }
    const workerCpuBefore = cpuSecondsOf(worker.pid);
    for (let run = 0; run < options.runs; run++) {
      const load = load1();
      const waiting = await count(`status = 'pending'`);
      await redis.eval(WIPE, 0, PREFIX);
      const wiped = Date.now();
      await until('the reconciler to notice', 120_000, async () => (await count('dispatched_at IS NULL')) > 0);
      const detected = (Date.now() - wiped) / 1000;
      await until(
        'every timer back in Redis',
        600_000,
        async () => (await count('dispatched_at IS NULL')) === 0 && Number(await redis.zcard(delayed)) >= waiting,
      );
      const restored = (Date.now() - wiped) / 1000;
      restores.push({ detected, restored, load });
      console.error(
        `timers restore ${run + 1}/${options.runs}: ${waiting} timers back in Redis ${restored.toFixed(1)} s after the wipe (noticed after ${detected.toFixed(1)} s; load ${load})`,
      );
    }
    const workerCpu = (cpuSecondsOf(worker.pid) ?? 0) - (workerCpuBefore ?? 0);
    const workerPeak = peakRssMb(worker.pid);

    const m = (key: 'p50' | 'p99' | 'max') => median(lateness.map((r) => r[key]));
    const restored = median(restores.map((r) => r.restored));
    const detected = median(restores.map((r) => r.detected));
    return {
      workerPeakMb: workerPeak,
      rows: [
        {
          measure: `timer lateness, ${due} due over ${windowSeconds} s among ${pending} pending`,
          engine: `p50 ${m('p50').toFixed(0)} / p99 ${m('p99').toFixed(0)} / max ${m('max').toFixed(0)} ms`,
          'raw SQL': '',
          ratio: twice ? `${twice} not once` : 'each once',
          goal: 'p99 < 1 s',
          load: lateness.map((r) => r.load).join(' '),
        },
        {
          measure: `reconciler: ${pending} timers back in Redis after the prefix is emptied`,
          engine: `${restored.toFixed(1)} s (noticed ${detected.toFixed(1)} s)`,
          'raw SQL': '',
          ratio: `worker ${(workerCpu / options.runs).toFixed(1)} CPU s`,
          goal: '< 60 s',
          load: restores.map((r) => r.load).join(' '),
        },
      ],
    };
  }
}

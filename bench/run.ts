/**
 * npm run bench: throughput figures on this machine, each the median of RUNS runs. Not part of npm test.
 *   1. events/s through EngineService.send() at 16 concurrent instances for SECONDS seconds, beside the same
 *      writes as raw SQL transactions through pg (lock the row, update snapshot and version, insert history
 *      and outbox), and their ratio.
 */
import 'reflect-metadata';
import os from 'node:os';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.js';
import { EngineService } from '../src/engine/engine.service.js';
import type { EngineActor } from '../src/engine/engine.types.js';
import { WorkflowRegistry } from '../src/engine/registry.js';
import { benchWorkflow } from './bench-workflow.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = 16;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function forSeconds(workers: number, once: (worker: number) => Promise<void>): Promise<number> {
  let count = 0;
  const end = Date.now() + SECONDS * 1000;
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

async function main() {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ntm_bench';
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, PROCESS_ROLE: 'api', LOG_LEVEL: 'warn', QUEUE_PREFIX: 'bench' });
  await prepareDatabase(config);
  const app = await createApp(config);
  app.get(WorkflowRegistry).register(benchWorkflow);
  const engine = app.get(EngineService);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY + 2 });

  const { rows: [village] } = await pool.query(
    `SELECT v.id, v.path FROM units v WHERE v.level = 'VILLAGE' ORDER BY v.code LIMIT 1`,
  );
  const ids = village.path.split('/').filter(Boolean);
  const reviewer: EngineActor = { id: 'bench-reviewer', role: 'REVIEWER', unitId: ids[ids.length - 3], unitPath: `/${ids.slice(0, -2).join('/')}/` };
  const subjects = await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      const subject = { type: 'bench', id: `bench-${Date.now()}-${i}` };
      await engine.start('bench', { ...subject, unitId: village.id, unitPath: village.path }, reviewer);
      return subject;
    }),
  );
  const instanceIds = (await pool.query(`SELECT id FROM workflow_instances WHERE subject_id = ANY($1) ORDER BY subject_id`, [subjects.map((s) => s.id)])).rows.map((r) => r.id);

  const engineRates: number[] = [];
  const rawRates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let n = 0;
    engineRates.push(await forSeconds(CONCURRENCY, (w) =>
      engine.send(subjects[w], { type: 'REVIEW', code: (n++ % 16) + 1, decision: 'approve' }, reviewer).then(() => undefined)));
    rawRates.push(await forSeconds(CONCURRENCY, async (w) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows: [inst] } = await client.query('SELECT id, snapshot, last_seq, last_hash FROM workflow_instances WHERE id = $1 FOR UPDATE', [instanceIds[w]]);
        const seq = inst.last_seq + 1;
        await client.query('UPDATE workflow_instances SET snapshot = $2, version = version + 1, last_seq = $3, updated_at = now() WHERE id = $1', [inst.id, inst.snapshot, seq]);
        await client.query(
          `INSERT INTO workflow_events (instance_id, seq, type, actor_id, actor_role, actor_unit_id, payload, from_state, to_state, at, prev_hash, hash)
           VALUES ($1, $2, 'REVIEW', $3, 'REVIEWER', $4, $5, 'review', 'review', now(), $6, $6)`,
          [inst.id, seq, reviewer.id, reviewer.unitId, { code: 1, decision: 'approve' }, inst.last_hash],
        );
        await client.query(`INSERT INTO outbox (id, instance_id, seq, queue, job, payload) VALUES (gen_random_uuid()::text, $1, $2, 'notifications', 'notify', '{}')`, [inst.id, seq]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }));
  }
  // The bench database is for measuring only: its raw rows are no valid hash chain, and its effects are never run.
  await pool.query(`DELETE FROM outbox WHERE instance_id = ANY($1)`, [instanceIds]);

  const pgVersion = (await pool.query('SHOW server_version')).rows[0].server_version;
  const redis = new Redis(config.redisUrl);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  redis.disconnect();
  await pool.end();
  await app.close();

  const engineRate = median(engineRates);
  const rawRate = median(rawRates);
  const cpu = os.cpus();
  console.log(`\nNTM Workflow benchmark: ${cpu.length} cores (${cpu[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}, Redis ${redisVersion}`);
  console.log(`each figure the median of ${RUNS} runs of ${SECONDS} s\n`);
  console.table([
    {
      measure: `send() events/s, ${CONCURRENCY} concurrent instances`,
      engine: Math.round(engineRate),
      'raw SQL': Math.round(rawRate),
      ratio: (engineRate / rawRate).toFixed(2),
      goal: 'ratio >= 0.50',
    },
  ]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

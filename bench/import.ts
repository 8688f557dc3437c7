/**
 * Row 9: an ADMIN's import of the villages' 16 flags from a CSV of BENCH_IMPORT_VILLAGES (10,000) villages, through
 * the service that `POST /villages/criteria/import` calls (CSV parsed, every row checked, the villages looked up,
 * every flag set as of the day and each change recorded, in one transaction), beside the same writes as one raw SQL
 * statement through `pg` in the same run (lock the flags, record the changed ones, update them). Rows per second,
 * each run's marks drawn afresh so that about half the flags change in both. Run directly: node dist/bench/import.js
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.js';
import { dropDatabase } from '../src/database/migrator.js';
import { clearRedisPrefix } from '../src/redis/clear-prefix.js';
import { CriteriaImportService } from '../src/villages/criteria-import.service.js';
import type { Actor } from '../src/auth/actor.js';
import { load1 } from './processes.js';

const VILLAGES = Number(process.env.BENCH_IMPORT_VILLAGES ?? 10_000);
const CRITERIA = 16;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A mark per (village, criterion) for run `seed`: about half met, different each seed. */
function mark(village: number, criterion: number, seed: number): boolean {
  let h = (village * 2654435761 + criterion * 40503 + seed * 2246822519) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
  return ((h ^ (h >>> 13)) & 1) === 1;
}

export interface ImportBenchRow {
  measure: string;
  engine: number;
  'raw SQL': number;
  ratio: string;
  goal: string;
  load: string;
}

export async function benchImport(options: { runs?: number } = {}): Promise<{ row: ImportBenchRow }> {
  const runs = options.runs ?? Number(process.env.BENCH_RUNS ?? 3);
  const databaseUrl = process.env.BENCH_IMPORT_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ntm_bench_import';
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    PROCESS_ROLE: 'api',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: 'bench-import',
    ADMIN_USERNAME: 'bench-admin',
    ADMIN_PASSWORD: 'bench-admin-password',
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'ntm-bench-import-')),
  });
  await dropDatabase(databaseUrl);
  await clearRedisPrefix(config.queuePrefix, config.redisUrl);
  await prepareDatabase(config);
  const app = await createApp(config);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    // The plan's tree (189 villages) plus VILLAGES of the benchmark's own under its first commune, each with its
    // 16 flags as a seeded village has them.
    const {
      rows: [commune],
    } = await pool.query(`SELECT id, path FROM units WHERE level = 'COMMUNE' ORDER BY code LIMIT 1`);
    await pool.query(
      `INSERT INTO units (id, code, name, level, parent_id, path)
       SELECT x.id, x.id, 'Thôn ' || v, 'VILLAGE', $1, $2 || x.id || '/'
         FROM generate_series(1, $3::int) v, LATERAL (SELECT 'BENCH-V' || lpad(v::text, 5, '0') AS id) x`,
      [commune.id, commune.path, VILLAGES],
    );
    await pool.query(
      `INSERT INTO village_criteria (village_id, criterion_code, met, baseline_met)
       SELECT u.id, c.code, false, false FROM units u CROSS JOIN criteria c WHERE u.id LIKE 'BENCH-V%'`,
    );
    const villages = Array.from({ length: VILLAGES }, (_, i) => `BENCH-V${String(i + 1).padStart(5, '0')}`);
    const {
      rows: [admin],
    } = await pool.query(
      `SELECT u.id, u.username, u.unit_id, un.path FROM users u JOIN units un ON un.id = u.unit_id WHERE u.role = 'ADMIN' LIMIT 1`,
    );
    const actor: Actor = { id: admin.id, username: admin.username, role: 'ADMIN', unitId: admin.unit_id, unitPath: admin.path };
    const importer = app.get(CriteriaImportService);
    const header = ['Mã thôn', ...Array.from({ length: CRITERIA }, (_, c) => `TC${c + 1}`)].join(',');
    const csv = (seed: number) =>
      Buffer.from(
        [
          header,
          ...villages.map((v, i) => [v, ...Array.from({ length: CRITERIA }, (_, c) => (mark(i, c, seed) ? '1' : '0'))].join(',')),
        ].join('\r\n') + '\r\n',
        'utf8',
      );
    // The raw baseline: the import's writes for the same flags, as one statement with the arrays given.
    const raw = async (seed: number) => {
      const ids: string[] = [];
      const codes: number[] = [];
      const mets: boolean[] = [];
      villages.forEach((v, i) => {
        for (let c = 0; c < CRITERIA; c++) {
          ids.push(v);
          codes.push(c + 1);
          mets.push(mark(i, c, seed));
        }
      });
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query(
          `WITH given AS (
             SELECT * FROM unnest($1::text[], $2::smallint[], $3::boolean[]) AS g(village_id, code, met)
           ), old AS (
             SELECT vc.village_id, vc.criterion_code, vc.met
               FROM village_criteria vc JOIN given g ON g.village_id = vc.village_id AND g.code = vc.criterion_code
              ORDER BY vc.village_id, vc.criterion_code
                FOR UPDATE OF vc
           ), changed AS (
             INSERT INTO village_criterion_changes (id, village_id, criterion_code, from_met, to_met, cause_kind, cause_id, by)
             SELECT gen_random_uuid()::text, o.village_id, o.criterion_code, o.met, g.met, 'import', 'bench-raw', NULL
               FROM old o JOIN given g ON g.village_id = o.village_id AND g.code = o.criterion_code
              WHERE o.met <> g.met
             RETURNING 1
           ), updated AS (
             UPDATE village_criteria vc SET met = g.met, source = 'import', updated_at = now()
               FROM given g, old o
              WHERE vc.village_id = g.village_id AND vc.criterion_code = g.code
                AND o.village_id = g.village_id AND o.criterion_code = g.code
             RETURNING 1
           )
           SELECT (SELECT count(*) FROM changed)::int AS changed, (SELECT count(*) FROM updated)::int AS updated`,
          [ids, codes, mets],
        );
        await client.query('COMMIT');
        return rows[0].changed as number;
      } finally {
        client.release();
      }
    };

    // One unmeasured round of each first: the process compiles the paths, PostgreSQL reads the tables in.
    await importer.import(actor, { fileName: 'bench.csv', bytes: csv(0) }, { baseline: false });
    await raw(1);
    const rates: number[] = [];
    const rawRates: number[] = [];
    const loads: string[] = [];
    for (let run = 0; run < runs; run++) {
      const load = load1();
      loads.push(load);
      const bytes = csv(2 * run + 2);
      const t = process.hrtime.bigint();
      const result = await importer.import(actor, { fileName: 'bench.csv', bytes }, { baseline: false });
      const seconds = Number(process.hrtime.bigint() - t) / 1e9;
      rates.push(VILLAGES / seconds);
      const t2 = process.hrtime.bigint();
      const rawChanged = await raw(2 * run + 3);
      const rawSeconds = Number(process.hrtime.bigint() - t2) / 1e9;
      rawRates.push(VILLAGES / rawSeconds);
      console.error(
        `import run ${run + 1}/${runs}: ${VILLAGES} villages in ${seconds.toFixed(2)} s (${Math.round(rates[run])} rows/s, ${result.changed} flags changed), ` +
          `raw SQL ${rawSeconds.toFixed(2)} s (${Math.round(rawRates[run])} rows/s, ${rawChanged} changed) (load ${load})`,
      );
    }
    const rate = median(rates);
    const rawRate = median(rawRates);
    return {
      row: {
        measure: `criteria import, ${VILLAGES.toLocaleString('en')}-village CSV, rows/s`,
        engine: Math.round(rate),
        'raw SQL': Math.round(rawRate),
        ratio: (rate / rawRate).toFixed(2),
        goal: '—',
        load: loads.join(', '),
      },
    };
  } finally {
    await pool.end();
    await app.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchImport()
    .then(({ row }) => console.table([row]))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

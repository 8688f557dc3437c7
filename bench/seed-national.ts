/**
 * npm run seed:national: a synthetic country in a database of its own (NATIONAL_DATABASE_URL, default
 * ntm_national), dropped and recreated each run, to measure the reports at national size (issue 7, item 4).
 * Two tiers as since 2025: 34 provinces > ~3,300 communes > ~100,000 villages, the plan's 16 criteria with a
 * flag per village and criterion, the plan's 7 funds, ten years of certification dossiers and of projects
 * (funding, contributions, receipts, ledger), each with its workflow instance. Everything set-based in SQL.
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { dropDatabase, ensureDatabase, migrate } from '../src/database/migrator.js';
import { PLAN_136, readPlan } from '../src/seed/plan-136.js';

export interface SeedNationalOptions {
  provinces?: number;
  communesPerProvince?: number;
  /** villages per commune vary from min to min + spread - 1 (deterministically) */
  villagesMin?: number;
  villagesSpread?: number;
  yearFrom?: number;
  yearTo?: number;
  /** share of villages with a dossier each year */
  dossierShare?: number;
  /** share of villages with a project each year */
  projectShare?: number;
  log?: (line: string) => void;
}

export interface SeedNationalResult {
  counts: Record<string, number>;
  seconds: number;
}

export const NATIONAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/ntm_national';

/** A deterministic number in [0, 1) from a text key (PostgreSQL's hashtext). */
const rnd = (key: string) => `((hashtext(${key})::bigint + 2147483648) / 4294967296.0)`;

export async function seedNational(
  databaseUrl: string = NATIONAL_DATABASE_URL,
  options: SeedNationalOptions = {},
): Promise<SeedNationalResult> {
  const o = {
    provinces: 34,
    communesPerProvince: 97,
    villagesMin: 25,
    villagesSpread: 11,
    yearFrom: 2016,
    yearTo: 2025,
    dossierShare: 0.12,
    projectShare: 0.06,
    log: (line: string) => console.log(line),
    ...options,
  };
  const started = Date.now();
  const counts: Record<string, number> = {};
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const step = async (name: string, sql: string, params: unknown[] = []) => {
    const t = Date.now();
    const res = await client.query(sql, params);
    counts[name] = (counts[name] ?? 0) + (res.rowCount ?? 0);
    o.log(`${name.padEnd(24)} ${String(res.rowCount ?? 0).padStart(9)} rows  ${((Date.now() - t) / 1000).toFixed(1).padStart(6)} s`);
  };
  try {
    await client.query(`SET synchronous_commit = off`);
    await client.query('BEGIN');
    const plan = readPlan();

    await step(
      'units: provinces',
      `
      INSERT INTO units (id, code, name, level, parent_id, path)
      SELECT id, id, 'Tỉnh ' || lpad(p::text, 2, '0'), 'PROVINCE', NULL, '/' || id || '/'
        FROM generate_series(1, $1::int) p, LATERAL (SELECT 'p' || lpad(p::text, 2, '0') AS id) x`,
      [o.provinces],
    );
    await step(
      'units: communes',
      `
      INSERT INTO units (id, code, name, level, parent_id, path)
      SELECT x.id, x.id, 'Xã ' || lpad(c::text, 4, '0') || ' ' || pr.name, 'COMMUNE', pr.id, pr.path || x.id || '/'
        FROM units pr CROSS JOIN generate_series(1, $1::int) c, LATERAL (SELECT pr.id || '-c' || lpad(c::text, 4, '0') AS id) x
       WHERE pr.level = 'PROVINCE'`,
      [o.communesPerProvince],
    );
    await step(
      'units: villages',
      `
      INSERT INTO units (id, code, name, level, parent_id, path)
      SELECT x.id, x.id, 'Thôn ' || lpad(v::text, 2, '0'), 'VILLAGE', cm.id, cm.path || x.id || '/'
        FROM units cm,
             LATERAL generate_series(1, $1::int + abs(hashtext(cm.id)) % $2::int) v,
             LATERAL (SELECT cm.id || '-v' || lpad(v::text, 2, '0') AS id) x
       WHERE cm.level = 'COMMUNE'`,
      [o.villagesMin, o.villagesSpread],
    );

    // The plan's 16 criteria, as loadPlan136 writes them.
    await step(
      'criteria',
      `
      INSERT INTO criteria (code, name_vi, name_en, baseline, target, target_share)
      SELECT * FROM unnest($1::smallint[], $2::text[], $3::text[], $4::int[], $5::int[], $6::numeric[])`,
      [
        plan.criteria.map((c) => c.code),
        plan.criteria.map((c) => c.vi.normalize('NFC')),
        plan.criteria.map((c) => c.en),
        plan.criteria.map((c) => c.baseline),
        plan.criteria.map((c) => c.target2020),
        plan.criteria.map((c) => c.targetShare),
      ],
    );
    // A village meets a criterion with about the plan's target share, more so in a more developed village.
    await step(
      'village_criteria',
      `
      INSERT INTO village_criteria (village_id, criterion_code, met, baseline_met)
      SELECT id, code, met, met
        FROM (SELECT v.id, c.code, (0.5 * ${rnd('v.id')} + 0.5 * ${rnd(`v.id || ':' || c.code`)}) < c.target_share::float8 * 0.9 + 0.05 AS met
                FROM units v CROSS JOIN criteria c
               WHERE v.level = 'VILLAGE') f`,
    );

    await step(
      'funds',
      `
      INSERT INTO funds (code, "group", name_vi, name_en, central_budget, planned_vnd, kind, year)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::bigint[], $7::text[], $8::int[])`,
      [
        plan.fundingMillionVnd.sources.map((s) => s.code),
        plan.fundingMillionVnd.sources.map((s) => s.group),
        plan.fundingMillionVnd.sources.map((s) => s.vi.normalize('NFC')),
        plan.fundingMillionVnd.sources.map((s) => s.en),
        plan.fundingMillionVnd.sources.map((s) => s.centralBudget),
        plan.fundingMillionVnd.sources.map((s) => (BigInt(s.amount) * 1_000_000n).toString()),
        plan.fundingMillionVnd.sources.map((s) => s.kind),
        plan.fundingMillionVnd.sources.map((s) => s.year),
      ],
    );
    await step(
      'plans',
      `
      INSERT INTO plans (id, title, period_from, period_to, targets) VALUES ($1, $2, $3, $4, $5)`,
      [PLAN_136, 'Kế hoạch 136/KH-UBND (synthetic national data)', plan.period.from, plan.period.to, JSON.stringify(plan.targets)],
    );

    // Dossiers: each year a share of villages applies; most are certified, the rest rejected or lapsed.
    await step(
      'dossiers',
      `
      INSERT INTO dossiers (id, village_id, commune_id, district_id, unit_path, year, open, created_by, created_at)
      SELECT 'd' || y || '-' || v.id, v.id, v.parent_id, NULL, v.path, y, false, 'seed-national', make_timestamptz(y, 3, 1, 0, 0, 0, 'UTC')
        FROM units v CROSS JOIN generate_series($1::int, $2::int) y
       WHERE v.level = 'VILLAGE' AND ${rnd(`'d' || y || v.id`)} < $3::float8`,
      [o.yearFrom, o.yearTo, o.dossierShare],
    );
    await step(
      'instances: certification',
      `
      INSERT INTO workflow_instances (id, workflow_key, workflow_version, subject_type, subject_id, unit_id, unit_path, state, snapshot, version, open, created_at, updated_at)
      SELECT 'wi-' || d.id, 'certification', 1, 'dossier', d.id, d.village_id, d.unit_path, s.state,
             jsonb_build_object('value', s.state, 'context', '{}'::jsonb), 1, s.state = 'certified', d.created_at, d.created_at + interval '90 days'
        FROM dossiers d,
             LATERAL (SELECT ${rnd(`'s' || d.id`)} AS r) h,
             LATERAL (SELECT CASE WHEN h.r < 0.8 THEN 'certified' WHEN h.r < 0.92 THEN 'rejected' ELSE 'lapsed' END AS state) s`,
    );
    await step(
      'dossiers: certified',
      `
      UPDATE dossiers d SET certified = true FROM workflow_instances i
       WHERE i.subject_type = 'dossier' AND i.subject_id = d.id AND i.state = 'certified'`,
    );

    // Projects: each year a share of villages builds one; the village's criterion decides the title.
    await step(
      'projects',
      `
      INSERT INTO projects (id, village_id, commune_id, district_id, unit_path, title, criterion_code, estimated_cost_vnd, created_by, created_at, year)
      SELECT 'pj' || y || '-' || v.id, v.id, v.parent_id, NULL, v.path, 'Công trình ' || y || ' ' || v.name,
             1 + abs(hashtext('c' || y || v.id)) % 16, (200 + abs(hashtext('e' || y || v.id)) % 1800)::bigint * 1000000,
             'seed-national', make_timestamptz(y, 4, 1, 0, 0, 0, 'UTC'), y
        FROM units v CROSS JOIN generate_series($1::int, $2::int) y
       WHERE v.level = 'VILLAGE' AND ${rnd(`'p' || y || v.id`)} < $3::float8`,
      [o.yearFrom, o.yearTo, o.projectShare],
    );
    await step(
      'instances: funding',
      `
      INSERT INTO workflow_instances (id, workflow_key, workflow_version, subject_type, subject_id, unit_id, unit_path, state, snapshot, version, open, created_at, updated_at)
      SELECT 'wi-' || p.id, 'funding', 1, 'project', p.id, p.village_id, p.unit_path, s.state,
             jsonb_build_object('value', s.state, 'context', '{}'::jsonb), 1, s.state NOT IN ('settled', 'rejected', 'cancelled'), p.created_at, p.created_at + interval '180 days'
        FROM projects p,
             LATERAL (SELECT ${rnd(`'s' || p.id`)} AS r) h,
             LATERAL (SELECT CASE WHEN h.r < 0.75 THEN 'settled' WHEN h.r < 0.85 THEN 'in_progress' WHEN h.r < 0.9 THEN 'approved'
                                  WHEN h.r < 0.95 THEN 'rejected' ELSE 'cancelled' END AS state) s`,
    );
    // What the funding module marks in the event's transaction when a work is rejected or cancelled: its
    // pledges no longer count (set before the pledges are inserted, so the totals' triggers leave them out).
    await step(
      'projects: pledges void',
      `
      UPDATE projects p SET pledges_void = true
        FROM workflow_instances i
       WHERE i.subject_type = 'project' AND i.subject_id = p.id AND i.state IN ('rejected', 'cancelled')`,
    );
    // Funding: 40 % central (NTM_ANNUAL), 20 % local budget, the rest from the community (contributions below).
    await step(
      'project_funding',
      `
      INSERT INTO project_funding (project_id, fund_code, amount_vnd)
      SELECT p.id, f.code, p.estimated_cost_vnd * f.share / 100
        FROM projects p CROSS JOIN (VALUES ('NTM_ANNUAL', 40), ('LOCAL_BUDGET', 20)) f(code, share)`,
    );
    await step(
      'fund_ledger',
      `
      INSERT INTO fund_ledger (id, fund_code, project_id, kind, amount_vnd, actor_id, at)
      SELECT 'l-' || k.kind || '-' || pf.fund_code || '-' || pf.project_id, pf.fund_code, pf.project_id, k.kind, pf.amount_vnd, 'seed-national', p.created_at + k.after
        FROM project_funding pf JOIN projects p ON p.id = pf.project_id JOIN workflow_instances i ON i.subject_type = 'project' AND i.subject_id = p.id
        CROSS JOIN (VALUES ('allocate', interval '30 days'), ('disburse', interval '150 days')) k(kind, after)
       WHERE i.state IN ('approved', 'in_progress', 'settled') AND (k.kind = 'allocate' OR i.state = 'settled')`,
    );
    await step(
      'funds: totals',
      `
      UPDATE funds f SET allocated_vnd = s.allocated, disbursed_vnd = s.disbursed, planned_vnd = GREATEST(f.planned_vnd, (s.allocated + s.disbursed) * 5 / 4)
        FROM (SELECT fund_code,
                     sum(CASE kind WHEN 'allocate' THEN amount_vnd ELSE -amount_vnd END) AS allocated,
                     sum(CASE kind WHEN 'disburse' THEN amount_vnd ELSE 0 END) AS disbursed
                FROM fund_ledger GROUP BY fund_code) s
       WHERE s.fund_code = f.code`,
    );
    await step(
      'project_contributions',
      `
      INSERT INTO project_contributions (id, project_id, position, kind, quantity, unit, value_vnd, pledged_by, created_at)
      SELECT 'x' || k.position || '-' || p.id, p.id, k.position, k.kind,
             CASE WHEN k.kind IN ('cash', 'materials') THEN (p.estimated_cost_vnd * k.share / 100)::float8 ELSE k.quantity END, k.unit,
             p.estimated_cost_vnd * k.share / 100, 'Cộng đồng ' || p.village_id, p.created_at
        FROM projects p
        CROSS JOIN (VALUES (1, 'land', 300.0, 'm2', 10), (2, 'labor', 400.0, 'ngày công', 15), (3, 'cash', 1.0, 'đồng', 10), (4, 'materials', 1.0, 'đồng', 5)) k(position, kind, quantity, unit, share)
       WHERE k.position <= 2 OR ${rnd(`'k' || k.position || p.id`)} < 0.5`,
    );
    await step(
      'contribution_receipts',
      `
      INSERT INTO contribution_receipts (id, contribution_id, quantity, value_vnd, received_at, recorded_by)
      SELECT 'r-' || x.id, x.id, x.quantity, x.value_vnd, (x.created_at + interval '120 days')::date, 'seed-national'
        FROM project_contributions x JOIN workflow_instances i ON i.subject_type = 'project' AND i.subject_id = x.project_id
       WHERE i.state IN ('in_progress', 'settled')`,
    );
    await client.query('COMMIT');
    // The reports rely on index-only scans of village_criteria: its pages must be all-visible. A VACUUM that
    // runs while another session holds an older snapshot leaves them not; try again (at most three times).
    const t = Date.now();
    let visible = 0;
    for (let attempt = 0; attempt < 3 && visible < 0.99; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      await client.query('VACUUM ANALYZE');
      const {
        rows: [vm],
      } = await client.query<{ share: number }>(
        `SELECT (relallvisible::float8 / GREATEST(relpages, 1)) AS share FROM pg_class WHERE relname = 'village_criteria'`,
      );
      visible = vm.share;
    }
    o.log(
      `${'vacuum analyze'.padEnd(24)} ${`${Math.round(visible * 100)} % visible`.padStart(9)}  ${((Date.now() - t) / 1000).toFixed(1).padStart(6)} s`,
    );
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  const seconds = (Date.now() - started) / 1000;
  o.log(`seed:national done in ${seconds.toFixed(1)} s`);
  return { counts, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  seedNational(process.env.NATIONAL_DATABASE_URL ?? NATIONAL_DATABASE_URL).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

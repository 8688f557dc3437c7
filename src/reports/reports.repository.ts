import { Inject, Injectable } from '@nestjs/common';
import { CompiledQuery, type Selectable } from 'kysely';
import { DB, type Db, type Tables } from '../database/db.js';

/** BIGINT/NUMERIC from pg arrive as strings; the plan's figures are far below 2^53. */
export function toSafeNumber(v: string | number | null | undefined): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(Math.trunc(n))) throw new Error(`value ${v} is beyond the safe integer range`);
  return n;
}

type Col<T extends keyof Tables> = Selectable<Tables[T]>;

/*
 * The rows of the queries below: a column taken as it is (renamed or not) has its type from the generated
 * schema; counts, sums, averages and casts (`::text`, `::float8`, an enum as text) are declared.
 */
type ScopeUnitRow = Pick<Col<'units'>, 'id' | 'path'> & { level: string };
type CriterionMetRow = Pick<Col<'criteria'>, 'code' | 'baseline' | 'target'> & { name: Col<'criteria'>['name_vi']; met: number };
type CriterionCountRow = { code: Col<'village_criteria'>['criterion_code']; n: number };
type SourceCountRow = Pick<Col<'village_criteria'>, 'source'> & { n: number };
/** `year` is null on the GROUPING SETS row of the overall total. */
type CertifiedYearRow = { year: Col<'dossiers'>['year'] | null; villages: number };
type UnitProgressRow = {
  unit_id: Col<'units'>['id'];
  name: Col<'units'>['name'];
  level: string;
  villages: number;
  certified: number;
  avg: string | null;
};
type FundReportRow = Pick<Col<'funds'>, 'code' | 'kind' | 'year' | 'central_budget'> & {
  name: Col<'funds'>['name_vi'];
  planned: string;
  allocated: string;
  disbursed: string;
};
/** Only works whose type is set are read. */
type AcceptedWorksRow = { work_type: NonNullable<Col<'projects'>['work_type']>; works: number; quantity: number };
type CommuneLoansRow = Pick<Col<'credit_loans'>, 'fund_code'> & {
  unit_id: Col<'units'>['id'];
  name: Col<'units'>['name'];
  loans: number;
  households: number;
  lent: string;
};
type FundPledgedRow = Pick<Col<'enterprise_pledges'>, 'fund_code'> & { pledged: string };
type KindContributionsRow = Pick<Col<'project_contributions'>, 'kind'> & { pq: number | null; pv: string; rq: number | null; rv: string };
type UnitFundingRow = {
  unit_id: Col<'units'>['id'];
  name: Col<'units'>['name'];
  level: string;
  pledged: string;
  received: string;
  allocated: string;
};

/**
 * Aggregate queries behind GET /reports/*. `scope` is a unit path prefix (paths end with "/"), so
 * `path LIKE scope || '%'` is the unit and everything under it.
 */
@Injectable()
export class ReportsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** One of the statements below, on the service's Kysely (its one pool), with its row type. */
  private query<T>(text: string, parameters: readonly unknown[] = []): Promise<{ rows: T[] }> {
    return this.db.executeQuery<T>(CompiledQuery.raw(text, [...parameters]));
  }

  async unitInScope(id: string, scope: string): Promise<ScopeUnitRow | null> {
    const { rows } = await this.query<ScopeUnitRow>(
      `SELECT id, path, level::text AS level FROM units WHERE id = $1 AND path LIKE $2 || '%'`,
      [id, scope],
    );
    return rows[0] ?? null;
  }

  async planTargets(): Promise<Record<string, unknown>> {
    const { rows } = await this.query<{ targets: Record<string, unknown> }>(`SELECT targets FROM plans WHERE id = 'plan-136-2019'`);
    return rows[0]?.targets ?? {};
  }

  /** Villages in scope with the number of criteria met, summarised: total, sum of met and the 0..16 distribution. */
  async villageSummary(scope: string): Promise<{ total: number; metSum: number; distribution: Map<number, number> }> {
    // Per village first (an index-only scan of village_criteria), then the distribution.
    const { rows } = await this.query<{ met: number; villages: number }>(
      `WITH m AS MATERIALIZED (
         SELECT v.id, count(vc.village_id) FILTER (WHERE vc.met)::int AS met
           FROM units v LEFT JOIN village_criteria vc ON vc.village_id = v.id
          WHERE v.level = 'VILLAGE' AND v.path LIKE $1 || '%'
          GROUP BY v.id
       )
       SELECT met, count(*)::int AS villages FROM m GROUP BY 1`,
      [scope],
    );
    const distribution = new Map<number, number>();
    let total = 0;
    let metSum = 0;
    for (const r of rows) {
      distribution.set(r.met, r.villages);
      total += r.villages;
      metSum += r.met * r.villages;
    }
    return { total, metSum, distribution };
  }

  /** Each criterion with the number of villages in scope meeting it now. */
  async criteria(scope: string): Promise<CriterionMetRow[]> {
    // One pass over the villages in scope, not one per criterion.
    const { rows } = await this.query<CriterionMetRow>(
      `SELECT c.code::int AS code, c.name_vi AS name, c.baseline, c.target, coalesce(m.met, 0)::int AS met
         FROM criteria c
         LEFT JOIN (SELECT vc.criterion_code, count(*) AS met
                      FROM units v JOIN village_criteria vc ON vc.village_id = v.id
                     WHERE vc.met AND v.level = 'VILLAGE' AND v.path LIKE $1 || '%'
                     GROUP BY vc.criterion_code) m ON m.criterion_code = c.code
        ORDER BY c.code`,
      [scope],
    );
    return rows;
  }

  /**
   * Each criterion's villages in scope at the baseline (their `baseline_met` flags: the seed's estimate or an
   * import marked as the baseline), and the sum over villages (for the scope's baseline average).
   */
  async baselineOf(scope: string): Promise<{ byCode: Map<number, number>; sum: number }> {
    const { rows } = await this.query<CriterionCountRow>(
      `SELECT vc.criterion_code::int AS code, count(*)::int AS n
         FROM units v JOIN village_criteria vc ON vc.village_id = v.id
        WHERE vc.baseline_met AND v.level = 'VILLAGE' AND v.path LIKE $1 || '%'
        GROUP BY vc.criterion_code`,
      [scope],
    );
    return { byCode: new Map(rows.map((r) => [r.code, r.n])), sum: rows.reduce((s, r) => s + r.n, 0) };
  }

  /** How many flags in scope come from each source (seed-estimate, assessment, certification, import). */
  async flagSources(scope: string): Promise<Record<string, number>> {
    const { rows } = await this.query<SourceCountRow>(
      `SELECT vc.source, count(*)::int AS n
         FROM units v JOIN village_criteria vc ON vc.village_id = v.id
        WHERE v.level = 'VILLAGE' AND v.path LIKE $1 || '%'
        GROUP BY vc.source`,
      [scope],
    );
    return Object.fromEntries(rows.map((r) => [r.source, r.n]));
  }

  /** Villages in scope currently certified (a dossier in state certified), by the dossier's year. */
  async certifiedByYear(scope: string, year: number | null): Promise<{ byYear: Record<string, number>; total: number }> {
    // One query: by year and overall (the row whose year is NULL); dossiers carry their village's path.
    const { rows } = await this.query<CertifiedYearRow>(
      `SELECT d.year, count(DISTINCT d.village_id)::int AS villages
         FROM dossiers d
        WHERE d.certified AND d.unit_path LIKE $1 || '%' AND ($2::int IS NULL OR d.year = $2)
        GROUP BY GROUPING SETS ((d.year), ())
        ORDER BY d.year`,
      [scope, year],
    );
    const byYear = rows.filter((r) => r.year !== null);
    const total = rows.find((r) => r.year === null)?.villages ?? 0;
    return { byYear: Object.fromEntries(byYear.map((r) => [String(r.year), r.villages])), total };
  }

  /**
   * Districts and communes in scope: villages, certified villages, average criteria met. Each village counts
   * towards every ancestor named in its path (one pass over the villages, not units × villages).
   */
  async progressByUnit(scope: string, year: number | null) {
    const { rows } = await this.query<UnitProgressRow>(
      `WITH c AS (
         SELECT DISTINCT d.village_id
           FROM dossiers d
          WHERE d.certified AND d.unit_path LIKE $1 || '%' AND ($2::int IS NULL OR d.year = $2)
       ), m AS (
         SELECT v.id, v.path, count(vc.village_id) FILTER (WHERE vc.met) AS met
           FROM units v LEFT JOIN village_criteria vc ON vc.village_id = v.id
          WHERE v.level = 'VILLAGE' AND v.path LIKE $1 || '%'
          GROUP BY v.id
       ), v AS MATERIALIZED (
         SELECT m.path, (c.village_id IS NOT NULL) AS certified, m.met
           FROM m LEFT JOIN c ON c.village_id = m.id
       ), s AS (
         SELECT a.unit_id, count(*)::int AS villages, count(*) FILTER (WHERE v.certified)::int AS certified, round(avg(v.met), 2)::text AS avg
           FROM v CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from v.path), '/')) AS a(unit_id)
          GROUP BY a.unit_id
       )
       SELECT u.id AS unit_id, u.name, u.level::text AS level, coalesce(s.villages, 0) AS villages, coalesce(s.certified, 0) AS certified, s.avg
         FROM units u LEFT JOIN s ON s.unit_id = u.id
        WHERE u.level IN ('DISTRICT', 'COMMUNE') AND u.path LIKE $1 || '%'
        ORDER BY u.path`,
      [scope, year],
    );
    return rows.map((r) => ({
      unitId: r.unit_id,
      name: r.name,
      level: r.level,
      villages: r.villages,
      certified: r.certified,
      averageCriteriaMet: r.avg === null ? 0 : Number(r.avg),
    }));
  }

  async funds() {
    const { rows } = await this.query<FundReportRow>(
      `SELECT code, name_vi AS name, kind, year, central_budget, planned_vnd::text AS planned, allocated_vnd::text AS allocated,
              disbursed_vnd::text AS disbursed
         FROM funds ORDER BY planned_vnd DESC, code`,
    );
    return rows.map((r) => {
      const plannedVnd = toSafeNumber(r.planned);
      const allocatedVnd = toSafeNumber(r.allocated);
      const disbursedVnd = toSafeNumber(r.disbursed);
      return {
        code: r.code,
        name: r.name,
        kind: r.kind,
        year: r.year,
        centralBudget: r.central_budget,
        plannedVnd,
        allocatedVnd,
        disbursedVnd,
        availableVnd: plannedVnd - allocatedVnd - disbursedVnd,
      };
    });
  }

  /** Works in scope accepted (their accepted quantity set, not undone since), by type: how many and how much. */
  async acceptedWorks(scope: string): Promise<Map<string, { works: number; quantity: number }>> {
    const { rows } = await this.query<AcceptedWorksRow>(
      `SELECT work_type, count(*)::int AS works, sum(accepted_quantity)::float8 AS quantity
         FROM projects WHERE accepted_quantity IS NOT NULL AND work_type IS NOT NULL AND unit_path LIKE $1 || '%'
        GROUP BY work_type`,
      [scope],
    );
    return new Map(rows.map((r) => [r.work_type, { works: r.works, quantity: Number(r.quantity) }]));
  }

  /** Credit funds' loans to communes in scope, by fund and commune (a village's scope has none). */
  async loansByCommune(scope: string) {
    const { rows } = await this.query<CommuneLoansRow>(
      `SELECT l.fund_code, c.id AS unit_id, c.name, count(*)::int AS loans, sum(l.households)::int AS households, sum(l.amount_vnd)::text AS lent
         FROM credit_loans l JOIN units c ON c.id = l.commune_id
        WHERE l.commune_path LIKE $1 || '%'
        GROUP BY l.fund_code, c.id, c.name, c.path
        ORDER BY c.path, l.fund_code`,
      [scope],
    );
    return rows.map((r) => ({
      fundCode: r.fund_code,
      unitId: r.unit_id,
      name: r.name,
      loans: r.loans,
      households: r.households,
      lentVnd: toSafeNumber(r.lent),
    }));
  }

  /** Enterprises' pledges in scope (to its communes, or to the province when the scope holds it), by fund. */
  async enterprisePledges(scope: string): Promise<Map<string, number>> {
    const { rows } = await this.query<FundPledgedRow>(
      `SELECT fund_code, sum(amount_vnd)::text AS pledged FROM enterprise_pledges WHERE unit_path LIKE $1 || '%' GROUP BY fund_code`,
      [scope],
    );
    return new Map(rows.map((r) => [r.fund_code, toSafeNumber(r.pledged)]));
  }

  /**
   * Community contributions on projects in scope, pledged and received, by kind (every kind pledged in scope,
   * void pledges included, is listed). Pledges of projects that ended without being carried out
   * (`projects.pledges_void`: rejected or cancelled) are not counted as pledged; their receipts still count.
   * At or above a commune this reads the per-commune totals the triggers of migration
   * 20261129060000_funding_totals keep; a village's scope (below the totals' grain) is computed from its few
   * projects, with the same rules and sums, so the two agree.
   */
  async contributions(scope: string, village = false) {
    const { rows } = await this.query<KindContributionsRow>(
      village
        ? `WITH x AS MATERIALIZED (
             SELECT x.id, x.kind, x.quantity, x.value_vnd, p.pledges_void
               FROM project_contributions x JOIN projects p ON p.id = x.project_id
              WHERE p.unit_path LIKE $1 || '%'
           ), r AS (
             SELECT cr.contribution_id, sum(cr.quantity::numeric) AS q, sum(cr.value_vnd) AS v
               FROM contribution_receipts cr JOIN x ON x.id = cr.contribution_id
              GROUP BY cr.contribution_id
           )
           SELECT x.kind,
                  coalesce(sum(x.quantity::numeric) FILTER (WHERE NOT x.pledges_void), 0)::float8 AS pq,
                  coalesce(sum(x.value_vnd) FILTER (WHERE NOT x.pledges_void), 0)::text AS pv,
                  coalesce(sum(r.q), 0)::float8 AS rq, coalesce(sum(r.v), 0)::text AS rv
             FROM x LEFT JOIN r ON r.contribution_id = x.id
            GROUP BY x.kind ORDER BY x.kind`
        : `SELECT kind, sum(pledged_quantity)::float8 AS pq, sum(pledged_vnd)::text AS pv,
                  sum(received_quantity)::float8 AS rq, sum(received_vnd)::text AS rv
             FROM commune_contribution_totals
            WHERE commune_path LIKE $1 || '%'
            GROUP BY kind HAVING sum(contributions) > 0 ORDER BY kind`,
      [scope],
    );
    return rows.map((r) => ({
      kind: r.kind,
      pledgedQuantity: Number(r.pq ?? 0),
      pledgedVnd: toSafeNumber(r.pv),
      receivedQuantity: Number(r.rq ?? 0),
      receivedVnd: toSafeNumber(r.rv),
    }));
  }

  /**
   * Districts and communes in scope: contributions pledged (void pledges left out, as above) and received,
   * funds allocated (net of releases and disbursements), from the per-commune totals; a commune's row is its
   * own, every ancestor named in its path gets the sum of its communes. A village's scope has no district or
   * commune in it: no rows.
   */
  async fundingByUnit(scope: string) {
    const { rows } = await this.query<UnitFundingRow>(
      `WITH c AS MATERIALIZED (
         SELECT commune_id, commune_path, pledged_vnd, received_vnd, allocated_vnd
           FROM commune_funding_totals WHERE commune_path LIKE $1 || '%'
       ), s AS (
         SELECT commune_id AS unit_id, pledged_vnd AS pledged, received_vnd AS received, allocated_vnd AS allocated FROM c
         UNION ALL
         SELECT a.unit_id, sum(c.pledged_vnd)::bigint, sum(c.received_vnd)::bigint, sum(c.allocated_vnd)::bigint
           FROM c CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from c.commune_path), '/')) AS a(unit_id)
          WHERE a.unit_id <> c.commune_id
          GROUP BY a.unit_id
       )
       SELECT u.id AS unit_id, u.name, u.level::text AS level,
              coalesce(s.pledged, 0)::text AS pledged, coalesce(s.received, 0)::text AS received, coalesce(s.allocated, 0)::text AS allocated
         FROM units u LEFT JOIN s ON s.unit_id = u.id
        WHERE u.level IN ('DISTRICT', 'COMMUNE') AND u.path LIKE $1 || '%'
        ORDER BY u.path`,
      [scope],
    );
    return rows.map((r) => ({
      unitId: r.unit_id,
      name: r.name,
      level: r.level,
      pledgedVnd: toSafeNumber(r.pledged),
      receivedVnd: toSafeNumber(r.received),
      allocatedVnd: toSafeNumber(r.allocated),
    }));
  }
}

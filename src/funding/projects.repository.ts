import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import type { PersistedSnapshot } from '../engine/definition.js';
import { engineSql } from '../engine/engine-sql.js';

export interface ProjectRow {
  id: string;
  village_id: string;
  village_name: string;
  commune_id: string;
  commune_name: string;
  district_id: string | null;
  unit_path: string;
  title: string;
  criterion_code: number;
  estimated_cost_vnd: string;
  state: string;
  version: number;
  workflow_key: string;
  workflow_version: number;
  snapshot: PersistedSnapshot;
  funding: { fundCode: string; amountVnd: string; allocatedVnd: string | null; disbursedVnd: string | null }[] | null;
  contributions: { id: string; kind: string; quantity: number; unit: string; valueVnd: string; pledgedBy: string; receivedQuantity: number; receivedVnd: string }[] | null;
  deadlines: { id: string; dueAt: string; kind: string }[] | null;
}

const DETAIL = `
  SELECT p.id, p.village_id, v.name AS village_name, p.commune_id, c.name AS commune_name, p.district_id, p.unit_path, p.title,
         p.criterion_code, p.estimated_cost_vnd::text AS estimated_cost_vnd,
         i.state, i.version, i.workflow_key, i.workflow_version, i.snapshot,
         (SELECT json_agg(json_build_object('fundCode', f.fund_code, 'amountVnd', f.amount_vnd::text,
                   'allocatedVnd', (SELECT sum(CASE l.kind WHEN 'allocate' THEN l.amount_vnd ELSE -l.amount_vnd END)::text
                                      FROM fund_ledger l WHERE l.project_id = p.id AND l.fund_code = f.fund_code),
                   'disbursedVnd', (SELECT sum(l.amount_vnd)::text FROM fund_ledger l
                                      WHERE l.project_id = p.id AND l.fund_code = f.fund_code AND l.kind = 'disburse')) ORDER BY f.fund_code)
            FROM project_funding f WHERE f.project_id = p.id) AS funding,
         (SELECT json_agg(json_build_object('id', x.id, 'kind', x.kind, 'quantity', x.quantity, 'unit', x.unit, 'valueVnd', x.value_vnd::text,
                   'pledgedBy', x.pledged_by,
                   'receivedQuantity', (SELECT coalesce(sum(r.quantity), 0) FROM contribution_receipts r WHERE r.contribution_id = x.id),
                   'receivedVnd', (SELECT coalesce(sum(r.value_vnd), 0)::text FROM contribution_receipts r WHERE r.contribution_id = x.id))
                   ORDER BY x.position)
            FROM project_contributions x WHERE x.project_id = p.id) AS contributions,
         ${engineSql.pendingDeadlines('i')} AS deadlines
    FROM projects p
    JOIN units v ON v.id = p.village_id
    JOIN units c ON c.id = p.commune_id
    ${engineSql.joinInstance('i', 'project', 'p.id')}`;

/** Queries of projects (reads join the engine's instance for state; writes touch only the project tables). */
@Injectable()
export class ProjectsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async detail(id: string, scope: string, tx: pg.PoolClient | pg.Pool = this.pool): Promise<ProjectRow | null> {
    const { rows } = await tx.query<ProjectRow>({ name: 'project-detail', text: `${DETAIL} WHERE p.id = $1 AND p.unit_path LIKE $2 || '%'`, values: [id, scope] });
    return rows[0] ?? null;
  }

  /** `limit + 1` projects in id order after `afterId`, for a page. */
  async list(scope: string, filter: { state?: string; unitPath?: string }, limit: number, afterId?: string): Promise<ProjectRow[]> {
    const { rows } = await this.pool.query<ProjectRow>(
      `${DETAIL} WHERE p.unit_path LIKE $1 || '%' AND ($2::text IS NULL OR i.state = $2) AND ($3::text IS NULL OR p.unit_path LIKE $3 || '%')
          AND ($4::text IS NULL OR p.id > $4)
        ORDER BY p.id LIMIT $5`,
      [scope, filter.state ?? null, filter.unitPath ?? null, afterId ?? null, limit + 1],
    );
    return rows;
  }

  async insert(
    tx: pg.PoolClient,
    p: { id: string; villageId: string; communeId: string; districtId: string | null; unitPath: string; title: string; criterionCode: number; estimatedCostVnd: bigint; createdBy: string },
  ) {
    await tx.query(
      `INSERT INTO projects (id, village_id, commune_id, district_id, unit_path, title, criterion_code, estimated_cost_vnd, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9)`,
      [p.id, p.villageId, p.communeId, p.districtId, p.unitPath, p.title, p.criterionCode, p.estimatedCostVnd.toString(), p.createdBy],
    );
  }

  async replaceFunding(tx: pg.PoolClient, projectId: string, lines: Map<string, bigint>) {
    await tx.query('DELETE FROM project_funding WHERE project_id = $1', [projectId]);
    for (const [code, amount] of lines) {
      await tx.query('INSERT INTO project_funding (project_id, fund_code, amount_vnd) VALUES ($1, $2, $3::bigint)', [projectId, code, amount.toString()]);
    }
  }

  async funding(tx: pg.PoolClient, projectId: string): Promise<Map<string, bigint>> {
    const { rows } = await tx.query<{ fund_code: string; amount: string }>(
      'SELECT fund_code, amount_vnd::text AS amount FROM project_funding WHERE project_id = $1 ORDER BY fund_code',
      [projectId],
    );
    return new Map(rows.map((r) => [r.fund_code, BigInt(r.amount)]));
  }

  /** The estimated cost and the pledged contributions' count and value (for APPROVE's rules). */
  async money(tx: pg.PoolClient, projectId: string): Promise<{ cost: bigint; pledges: number; pledgedVnd: bigint }> {
    const { rows } = await tx.query<{ cost: string; pledges: number; pledged: string }>(
      `SELECT p.estimated_cost_vnd::text AS cost, (SELECT count(*)::int FROM project_contributions x WHERE x.project_id = p.id) AS pledges,
              (SELECT coalesce(sum(x.value_vnd), 0)::text FROM project_contributions x WHERE x.project_id = p.id) AS pledged
         FROM projects p WHERE p.id = $1`,
      [projectId],
    );
    return { cost: BigInt(rows[0].cost), pledges: rows[0].pledges, pledgedVnd: BigInt(rows[0].pledged) };
  }

  /**
   * A project's pledges in one statement: the trigger that keeps the funding totals (migration
   * 20261129060000_funding_totals) then updates the commune's rows of every kind at once, in key order, so two
   * proposals in one commune cannot deadlock on them.
   */
  async insertContributions(
    tx: pg.PoolClient,
    projectId: string,
    cs: { id: string; position: number; kind: string; quantity: number; unit: string; valueVnd: bigint; pledgedBy: string }[],
  ) {
    if (!cs.length) return;
    await tx.query(
      `INSERT INTO project_contributions (id, project_id, position, kind, quantity, unit, value_vnd, pledged_by)
       SELECT id, $1, position, kind, quantity, unit, value_vnd, pledged_by
         FROM unnest($2::text[], $3::int[], $4::text[], $5::float8[], $6::text[], $7::bigint[], $8::text[])
              AS c(id, position, kind, quantity, unit, value_vnd, pledged_by)`,
      [projectId, cs.map((c) => c.id), cs.map((c) => c.position), cs.map((c) => c.kind), cs.map((c) => c.quantity), cs.map((c) => c.unit),
        cs.map((c) => c.valueVnd.toString()), cs.map((c) => c.pledgedBy)],
    );
  }

  /** The project ended without being carried out: its pledges stop counting as pledged (a trigger moves the totals). */
  async voidPledges(tx: pg.PoolClient, projectId: string) {
    await tx.query('UPDATE projects SET pledges_void = true WHERE id = $1 AND NOT pledges_void', [projectId]);
  }

  async contributionOf(projectId: string, contributionId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM project_contributions WHERE id = $1 AND project_id = $2', [contributionId, projectId]);
    return (rowCount ?? 0) > 0;
  }

  async insertReceipt(tx: pg.PoolClient, r: { id: string; contributionId: string; quantity: number; valueVnd: bigint; receivedAt: string; recordedBy: string }) {
    await tx.query(
      `INSERT INTO contribution_receipts (id, contribution_id, quantity, value_vnd, received_at, recorded_by) VALUES ($1, $2, $3, $4::bigint, $5::date, $6)`,
      [r.id, r.contributionId, r.quantity, r.valueVnd.toString(), r.receivedAt, r.recordedBy],
    );
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { CompiledQuery, sql, type Selectable } from 'kysely';
import { DB, type Db, type RowOf, type Tables } from '../database/db.js';
import type { PersistedSnapshot } from '../engine/definition.js';
import { engineSql, type JoinedInstance } from '../engine/engine-sql.js';
import type { WorkFacts } from './funding-rules.js';
import type { ContributionKind } from './contribution-units.js';

type UnitName = Selectable<Tables['units']>['name'];

/** The project as the detail read gives it: its row, its village and commune, its instance's state and its parts. */
export type ProjectRow = Pick<
  Selectable<Tables['projects']>,
  | 'id'
  | 'village_id'
  | 'commune_id'
  | 'district_id'
  | 'unit_path'
  | 'title'
  | 'criterion_code'
  | 'year'
  | 'work_type'
  | 'physical_quantity'
  | 'accepted_quantity'
  | 'estimated_cost_vnd'
> &
  Pick<JoinedInstance, 'state' | 'version' | 'workflow_key' | 'workflow_version'> & {
    village_name: UnitName;
    commune_name: UnitName;
    /** The instance's snapshot as the engine persists it (the column is JSON). */
    snapshot: PersistedSnapshot;
    /** json_build_object of each project_funding line with its ledger sums (null when the ledger has none). */
    funding: (RowOf<'project_funding', 'fund_code' | 'amount_vnd'> & { allocatedVnd: string | null; disbursedVnd: string | null })[] | null;
    /** json_build_object of each project_contributions row with its receipts' sums. */
    contributions:
      | (RowOf<'project_contributions', 'id' | 'kind' | 'quantity' | 'unit' | 'value_vnd' | 'pledged_by'> & {
          receivedQuantity: number;
          receivedVnd: string;
        })[]
      | null;
    /** From engineSql.pendingDeadlines: JSON, so the due time is text. */
    deadlines: { id: string; dueAt: string; kind: string }[] | null;
  };

const DETAIL = `
  SELECT p.id, p.village_id, v.name AS village_name, p.commune_id, c.name AS commune_name, p.district_id, p.unit_path, p.title,
         p.criterion_code, p.year, p.work_type, p.physical_quantity, p.accepted_quantity, p.estimated_cost_vnd::text AS estimated_cost_vnd,
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
  constructor(@Inject(DB) private readonly db: Db) {}

  async detail(id: string, scope: string, db: Db = this.db): Promise<ProjectRow | null> {
    const { rows } = await db.executeQuery<ProjectRow>(
      CompiledQuery.raw(`${DETAIL} WHERE p.id = $1 AND p.unit_path LIKE $2 || '%'`, [id, scope]),
    );
    return rows[0] ?? null;
  }

  /** `limit + 1` projects in id order after `afterId`, for a page. */
  async list(scope: string, filter: { state?: string; unitPath?: string }, limit: number, afterId?: string): Promise<ProjectRow[]> {
    const { rows } = await this.db.executeQuery<ProjectRow>(
      CompiledQuery.raw(
        `${DETAIL} WHERE p.unit_path LIKE $1 || '%' AND ($2::text IS NULL OR i.state = $2) AND ($3::text IS NULL OR p.unit_path LIKE $3 || '%')
            AND ($4::text IS NULL OR p.id > $4)
          ORDER BY p.id LIMIT $5`,
        [scope, filter.state ?? null, filter.unitPath ?? null, afterId ?? null, limit + 1],
      ),
    );
    return rows;
  }

  async insert(
    db: Db,
    p: {
      id: string;
      villageId: string;
      communeId: string;
      districtId: string | null;
      unitPath: string;
      title: string;
      criterionCode: number;
      year: number;
      workType: string;
      physicalQuantity: number;
      estimatedCostVnd: bigint;
      createdBy: string;
    },
  ) {
    await db
      .insertInto('projects')
      .values({
        id: p.id,
        village_id: p.villageId,
        commune_id: p.communeId,
        district_id: p.districtId,
        unit_path: p.unitPath,
        title: p.title,
        criterion_code: p.criterionCode,
        year: p.year,
        work_type: p.workType,
        physical_quantity: p.physicalQuantity,
        estimated_cost_vnd: p.estimatedCostVnd.toString(),
        created_by: p.createdBy,
      })
      .execute();
  }

  async replaceFunding(db: Db, projectId: string, lines: Map<string, bigint>) {
    await db.deleteFrom('project_funding').where('project_id', '=', projectId).execute();
    if (!lines.size) return;
    await db
      .insertInto('project_funding')
      .values([...lines].map(([code, amount]) => ({ project_id: projectId, fund_code: code, amount_vnd: amount.toString() })))
      .execute();
  }

  async funding(db: Db, projectId: string): Promise<Map<string, bigint>> {
    const rows = await db
      .selectFrom('project_funding')
      .select(['fund_code', 'amount_vnd'])
      .where('project_id', '=', projectId)
      .orderBy('fund_code')
      .execute();
    return new Map(rows.map((r) => [r.fund_code, BigInt(r.amount_vnd)]));
  }

  /** The estimated cost, the year and the pledged contributions' count and value (for the funding lines' rules). */
  async money(db: Db, projectId: string): Promise<WorkFacts> {
    const row = await db
      .selectFrom('projects as p')
      .select(['p.estimated_cost_vnd', 'p.year', 'p.work_type'])
      .select((eb) => [
        eb
          .selectFrom('project_contributions as x')
          .select(sql<number>`count(*)::int`.as('n'))
          .whereRef('x.project_id', '=', 'p.id')
          .as('pledges'),
        eb
          .selectFrom('project_contributions as x')
          .select(sql<string>`coalesce(sum(x.value_vnd), 0)::text`.as('v'))
          .whereRef('x.project_id', '=', 'p.id')
          .as('pledged'),
      ])
      .where('p.id', '=', projectId)
      .executeTakeFirstOrThrow();
    return {
      cost: BigInt(row.estimated_cost_vnd),
      pledges: row.pledges ?? 0,
      pledgedVnd: BigInt(row.pledged ?? '0'),
      year: row.year,
      workType: row.work_type,
    };
  }

  /**
   * A project's pledges in one statement: the trigger that keeps the funding totals (migration
   * 20261129060000_funding_totals) then updates the commune's rows of every kind at once, in key order, so two
   * proposals in one commune cannot deadlock on them.
   */
  async insertContributions(
    db: Db,
    projectId: string,
    cs: { id: string; position: number; kind: string; quantity: number; unit: string; valueVnd: bigint; pledgedBy: string }[],
  ) {
    if (!cs.length) return;
    await db
      .insertInto('project_contributions')
      .values(
        cs.map((c) => ({
          id: c.id,
          project_id: projectId,
          position: c.position,
          kind: c.kind,
          quantity: c.quantity,
          unit: c.unit,
          value_vnd: c.valueVnd.toString(),
          pledged_by: c.pledgedBy,
        })),
      )
      .execute();
  }

  /** The quantity accepted (ACCEPT): the one given, else the one proposed. */
  async accept(db: Db, projectId: string, quantity: number | null | undefined) {
    await db
      .updateTable('projects')
      .set({ accepted_quantity: quantity ?? sql<number>`physical_quantity` })
      .where('id', '=', projectId)
      .execute();
  }

  /** The project ended without being carried out: its pledges stop counting as pledged (a trigger moves the totals). */
  async voidPledges(db: Db, projectId: string) {
    await db
      .updateTable('projects')
      .set({ pledges_void: true, accepted_quantity: null })
      .where('id', '=', projectId)
      .where('pledges_void', '=', false)
      .execute();
  }

  /** The kind of the project's contribution, or null when the project has no such contribution. */
  async contributionKind(projectId: string, contributionId: string): Promise<ContributionKind | null> {
    const row = await this.db
      .selectFrom('project_contributions')
      .select('kind')
      .where('id', '=', contributionId)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return (row?.kind as ContributionKind | undefined) ?? null;
  }

  async insertReceipt(
    db: Db,
    r: { id: string; contributionId: string; quantity: number; valueVnd: bigint; receivedAt: string; recordedBy: string },
  ) {
    await db
      .insertInto('contribution_receipts')
      .values({
        id: r.id,
        contribution_id: r.contributionId,
        quantity: r.quantity,
        value_vnd: r.valueVnd.toString(),
        received_at: r.receivedAt,
        recorded_by: r.recordedBy,
      })
      .execute();
  }
}

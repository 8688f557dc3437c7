import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { DB, type Db, type Tables } from '../database/db.js';

/** Where a village's flag comes from (village_criteria.source). */
export type FlagSource = 'seed-estimate' | 'assessment' | 'certification' | 'import';
export const FLAG_SOURCES: readonly FlagSource[] = ['seed-estimate', 'assessment', 'certification', 'import'];

/** Why a flag changed (village_criterion_changes.cause_kind), with the id of what caused it. */
export interface FlagCause {
  kind: 'assessment' | 'certification' | 'revocation' | 'import';
  id: string;
  /** The user, null for the system. */
  by: string | null;
  /**
   * The day of the cause's facts, YYYY-MM-DD: an assessment's `assessedOn`; the day (in Vietnam) a certification,
   * a revocation or an import happened. A flag whose facts are newer keeps its value.
   */
  factsOn: string;
}

/** What `apply` did: flags whose value changed, and flags it left as they were because their facts are newer. */
export interface ApplyResult {
  changed: number;
  superseded: number;
}

/** A flag as `flags` reads it: its row, with its criterion's code and name. */
export type FlagRow = Pick<Selectable<Tables['village_criteria']>, 'met' | 'source' | 'updated_at'> & {
  code: Selectable<Tables['village_criteria']>['criterion_code'];
  name: Selectable<Tables['criteria']>['name_vi'];
  /** to_char(facts_on, 'YYYY-MM-DD'). */
  facts_on: string | null;
};

/** A change as `changes` reads it: its row, the kind of its cause narrowed, its author's name (left join). */
export type FlagChangeRow = Pick<
  Selectable<Tables['village_criterion_changes']>,
  'id' | 'criterion_code' | 'from_met' | 'to_met' | 'cause_id' | 'at' | 'by' | 'applied'
> & {
  cause_kind: FlagCause['kind'];
  by_name: Selectable<Tables['users']>['full_name'] | null;
  /** to_char(facts_on, 'YYYY-MM-DD'), to_char(superseded_on, 'YYYY-MM-DD'). */
  facts_on: string | null;
  superseded_on: string | null;
};

/**
 * A village's 16 flags (village_criteria) and the record of every change of them (village_criterion_changes).
 * Every writer of the flags comes through `apply`, in its own transaction: a confirmed assessment, a
 * certification, a revocation, an import. Set-based: an import of 10,000 villages is three statements.
 */
@Injectable()
export class VillageCriteriaRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /**
   * Sets the flags given (village, criterion, met) and their source, as facts of `cause.factsOn`; records a change
   * row for each flag whose value changed. The newest facts win: a flag whose facts are dated after
   * `cause.factsOn` keeps its value and date, and a change it would have made is recorded as not applied
   * (`applied` false, `superseded_on` the flag's date); on the same day the later write wins. A flag the village
   * lacks is created (its change row's `from_met` null). With `baseline`, the marks are also the villages'
   * baseline (5/2019), whatever the date. `tx` must be a transaction: the flags are locked first, in key order.
   */
  async apply(
    tx: Db,
    flags: readonly { villageId: string; code: number; met: boolean }[],
    source: FlagSource,
    cause: FlagCause,
    options: { baseline?: boolean } = {},
  ): Promise<ApplyResult> {
    if (!flags.length) return { changed: 0, superseded: 0 };
    const villages = flags.map((f) => f.villageId);
    const codes = flags.map((f) => f.code);
    const mets = flags.map((f) => f.met);
    const baseline = options.baseline ?? false;
    // Flags the village lacks (created by no seed or unit): created with the given marks, in key order.
    const created = await sql<{ n: number }>`
      WITH given AS (
        SELECT * FROM unnest(${villages}::text[], ${codes}::smallint[], ${mets}::boolean[]) AS g(village_id, code, met)
      ), missing AS (
        INSERT INTO village_criteria (village_id, criterion_code, met, source, baseline_met, facts_on)
        SELECT g.village_id, g.code, g.met, ${source}, ${baseline}::boolean AND g.met, ${cause.factsOn}::date
          FROM given g
         WHERE NOT EXISTS (SELECT 1 FROM village_criteria vc WHERE vc.village_id = g.village_id AND vc.criterion_code = g.code)
         ORDER BY g.village_id, g.code
        ON CONFLICT DO NOTHING
        RETURNING village_id, criterion_code, met
      ), recorded AS (
        INSERT INTO village_criterion_changes
               (id, village_id, criterion_code, from_met, to_met, cause_kind, cause_id, by, facts_on)
        SELECT gen_random_uuid()::text, m.village_id, m.criterion_code, NULL, m.met, ${cause.kind}, ${cause.id}, ${cause.by},
               ${cause.factsOn}::date
          FROM missing m
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM recorded)::int AS n`.execute(tx);
    const { rows } = await sql<{ changed: number; superseded: number }>`
      WITH given AS (
        SELECT * FROM unnest(${villages}::text[], ${codes}::smallint[], ${mets}::boolean[]) AS g(village_id, code, met)
      ), old AS (
        SELECT vc.village_id, vc.criterion_code, vc.met, vc.facts_on,
               (vc.facts_on IS NULL OR vc.facts_on <= ${cause.factsOn}::date) AS applies
          FROM village_criteria vc JOIN given g ON g.village_id = vc.village_id AND g.code = vc.criterion_code
         ORDER BY vc.village_id, vc.criterion_code
           FOR UPDATE OF vc
      ), changed AS (
        INSERT INTO village_criterion_changes
               (id, village_id, criterion_code, from_met, to_met, cause_kind, cause_id, by, facts_on, applied, superseded_on)
        SELECT gen_random_uuid()::text, o.village_id, o.criterion_code, o.met, g.met, ${cause.kind}, ${cause.id}, ${cause.by},
               ${cause.factsOn}::date, o.applies, CASE WHEN o.applies THEN NULL ELSE o.facts_on END
          FROM old o JOIN given g ON g.village_id = o.village_id AND g.code = o.criterion_code
         WHERE o.met <> g.met
        RETURNING applied
      ), updated AS (
        UPDATE village_criteria vc
           SET met = CASE WHEN o.applies THEN g.met ELSE vc.met END,
               source = CASE WHEN o.applies THEN ${source} ELSE vc.source END,
               updated_at = CASE WHEN o.applies THEN now() ELSE vc.updated_at END,
               facts_on = CASE WHEN o.applies THEN ${cause.factsOn}::date ELSE vc.facts_on END,
               baseline_met = CASE WHEN ${baseline}::boolean THEN g.met ELSE vc.baseline_met END
          FROM given g, old o
         WHERE vc.village_id = g.village_id AND vc.criterion_code = g.code
           AND o.village_id = g.village_id AND o.criterion_code = g.code
           AND (o.applies OR ${baseline}::boolean)
        RETURNING 1
      )
      SELECT (SELECT count(*) FILTER (WHERE applied) FROM changed)::int AS changed,
             (SELECT count(*) FILTER (WHERE NOT applied) FROM changed)::int AS superseded,
             (SELECT count(*) FROM updated)::int AS u`.execute(tx);
    return { changed: rows[0].changed + created.rows[0].n, superseded: rows[0].superseded };
  }

  /** The flags of one village with their source. */
  flags(villageId: string): Promise<FlagRow[]> {
    return this.db
      .selectFrom('village_criteria as v')
      .innerJoin('criteria as c', 'c.code', 'v.criterion_code')
      .select(['v.criterion_code as code', 'c.name_vi as name', 'v.met', 'v.source', 'v.updated_at'])
      .select(sql<string | null>`to_char(v.facts_on, 'YYYY-MM-DD')`.as('facts_on'))
      .where('v.village_id', '=', villageId)
      .orderBy('v.criterion_code')
      .execute();
  }

  /** A page of a village's changes, newest first (`before`: the id-ordered cursor of the previous page). */
  async changes(villageId: string, limit: number, before?: { at: string; id: string }): Promise<FlagChangeRow[]> {
    let q = this.db
      .selectFrom('village_criterion_changes as x')
      .leftJoin('users as u', 'u.id', 'x.by')
      .select([
        'x.id',
        'x.criterion_code',
        'x.from_met',
        'x.to_met',
        'x.cause_kind',
        'x.cause_id',
        'x.at',
        'x.by',
        'x.applied',
        'u.full_name as by_name',
      ])
      .select([
        sql<string | null>`to_char(x.facts_on, 'YYYY-MM-DD')`.as('facts_on'),
        sql<string | null>`to_char(x.superseded_on, 'YYYY-MM-DD')`.as('superseded_on'),
      ])
      .where('x.village_id', '=', villageId);
    if (before) q = q.where(sql<boolean>`(x.at, x.id) < (${before.at}::timestamptz, ${before.id})`);
    const rows = await q
      .orderBy('x.at', 'desc')
      .orderBy('x.id', 'desc')
      .limit(limit + 1)
      .execute();
    return rows as FlagChangeRow[];
  }

  /** Records an import (the cause of its changes). */
  async recordImport(
    tx: Db,
    row: { fileName: string; sha256: string; rows: number; changed: number; baseline: boolean; importedBy: string },
    id: string = randomUUID(),
  ): Promise<string> {
    await tx
      .insertInto('criteria_imports')
      .values({
        id,
        file_name: row.fileName,
        sha256: row.sha256,
        rows: row.rows,
        changed: row.changed,
        baseline: row.baseline,
        imported_by: row.importedBy,
      })
      .execute();
    return id;
  }

  async setImportChanged(tx: Db, id: string, changed: number): Promise<void> {
    await tx.updateTable('criteria_imports').set({ changed }).where('id', '=', id).execute();
  }

  /** Villages by code (the import's first column), with their tree path. */
  async villagesByCode(codes: readonly string[]): Promise<Map<string, { id: string; path: string }>> {
    if (!codes.length) return new Map();
    const rows = await this.db
      .selectFrom('units')
      .select(['id', 'code', 'path'])
      .where('level', '=', 'VILLAGE')
      // One array parameter, not one per code: a file of any size stays within PostgreSQL's 65,535 parameters.
      .where(sql<boolean>`code = ANY(${[...new Set(codes)]}::text[])`)
      .execute();
    return new Map(rows.map((r) => [r.code, { id: r.id, path: r.path }]));
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { CompiledQuery, sql, type Selectable } from 'kysely';
import { DB, type Db, type RowOf, type Tables } from '../database/db.js';
import type { PersistedSnapshot } from '../engine/definition.js';
import { engineSql, type JoinedInstance } from '../engine/engine-sql.js';

type UnitName = Selectable<Tables['units']>['name'];

/** An assessment as the detail read gives it: its row, its village and commune, its instance's state and its parts. */
export type AssessmentRow = Pick<
  Selectable<Tables['assessments']>,
  'id' | 'village_id' | 'commune_id' | 'district_id' | 'unit_path' | 'note' | 'created_by' | 'created_at'
> &
  Pick<JoinedInstance, 'state' | 'version' | 'workflow_key' | 'workflow_version'> & {
    village_name: UnitName;
    commune_name: UnitName;
    /** to_char(assessed_on, 'YYYY-MM-DD'): the day as text. */
    assessed_on: string;
    /** The instance's snapshot as the engine persists it (the column is JSON). */
    snapshot: PersistedSnapshot;
    /** json_build_object of each assessment_criteria row with its criterion's name. */
    criteria:
      (Pick<Selectable<Tables['assessment_criteria']>, 'code' | 'met'> & { name: Selectable<Tables['criteria']>['name_vi'] })[] | null;
    attachments: RowOf<'assessment_attachments', 'id' | 'file_name' | 'size' | 'sha256' | 'mime_type' | 'kind'>[] | null;
    /** From engineSql.pendingDeadlines: JSON, so the due time is text. */
    deadlines: { id: string; dueAt: string; kind: string }[] | null;
  };

const DETAIL = `
  SELECT a.id, a.village_id, v.name AS village_name, a.commune_id, c.name AS commune_name, a.district_id, a.unit_path,
         to_char(a.assessed_on, 'YYYY-MM-DD') AS assessed_on, a.note, a.created_by, a.created_at,
         i.state, i.version, i.workflow_key, i.workflow_version, i.snapshot,
         (SELECT json_agg(json_build_object('code', x.code, 'name', k.name_vi, 'met', x.met) ORDER BY x.code)
            FROM assessment_criteria x JOIN criteria k ON k.code = x.code WHERE x.assessment_id = a.id) AS criteria,
         (SELECT json_agg(json_build_object('id', f.id, 'fileName', f.file_name, 'size', f.size, 'sha256', f.sha256,
                                            'mimeType', f.mime_type, 'kind', f.kind) ORDER BY f.created_at, f.id)
            FROM assessment_attachments f WHERE f.assessment_id = a.id) AS attachments,
         ${engineSql.pendingDeadlines('i')} AS deadlines
    FROM assessments a
    JOIN units v ON v.id = a.village_id
    JOIN units c ON c.id = a.commune_id
    ${engineSql.joinInstance('i', 'assessment', 'a.id')}`;

/** The assessment as the API shows it, by id within a scope: also read back in an event's transaction. */
export const ASSESSMENT_DETAIL = { name: 'assessments.detail', text: `${DETAIL} WHERE a.id = $1 AND a.unit_path LIKE $2 || '%'` };

/** Queries of assessments (reads join the engine's instance for state; writes touch only the assessment tables). */
@Injectable()
export class AssessmentsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async detail(id: string, scope: string, db: Db = this.db): Promise<AssessmentRow | null> {
    const { rows } = await db.executeQuery<AssessmentRow>(CompiledQuery.raw(ASSESSMENT_DETAIL.text, [id, scope]));
    return rows[0] ?? null;
  }

  /** A village's assessments, newest first, as many as `limit` after the cursor (created_at, id). */
  async listForVillage(villageId: string, scope: string, limit: number, before?: { at: string; id: string }): Promise<AssessmentRow[]> {
    const { rows } = await sql<AssessmentRow>`${sql.raw(DETAIL)}
       WHERE a.village_id = ${villageId} AND a.unit_path LIKE ${scope} || '%'
         AND (${before?.at ?? null}::timestamptz IS NULL OR (a.created_at, a.id) < (${before?.at ?? null}::timestamptz, ${before?.id ?? ''}))
       ORDER BY a.created_at DESC, a.id DESC LIMIT ${limit + 1}`.execute(this.db);
    return rows;
  }

  async insert(
    db: Db,
    a: {
      id: string;
      villageId: string;
      communeId: string;
      districtId: string | null;
      unitPath: string;
      assessedOn: string;
      note: string | null;
      createdBy: string;
    },
  ): Promise<void> {
    await db
      .insertInto('assessments')
      .values({
        id: a.id,
        village_id: a.villageId,
        commune_id: a.communeId,
        district_id: a.districtId,
        unit_path: a.unitPath,
        assessed_on: a.assessedOn,
        note: a.note,
        created_by: a.createdBy,
      })
      .execute();
  }

  /** Replaces what the assessment records: its date, note and criteria (those given, in place of the old ones). */
  async update(db: Db, id: string, fields: { assessedOn?: string; note?: string | null; criteria?: { code: number; met: boolean }[] }) {
    const set: { assessed_on?: string; note?: string | null } = {};
    if (fields.assessedOn !== undefined) set.assessed_on = fields.assessedOn;
    if (fields.note !== undefined) set.note = fields.note;
    if (Object.keys(set).length) await db.updateTable('assessments').set(set).where('id', '=', id).execute();
    if (fields.criteria) {
      await db.deleteFrom('assessment_criteria').where('assessment_id', '=', id).execute();
      if (fields.criteria.length)
        await db
          .insertInto('assessment_criteria')
          .values(fields.criteria.map((c) => ({ assessment_id: id, code: c.code, met: c.met })))
          .execute();
    }
  }

  criteria(id: string, db: Db = this.db): Promise<Pick<Selectable<Tables['assessment_criteria']>, 'code' | 'met'>[]> {
    return db.selectFrom('assessment_criteria').select(['code', 'met']).where('assessment_id', '=', id).orderBy('code').execute();
  }

  async attachmentKinds(id: string, db: Db = this.db): Promise<string[]> {
    const rows = await db.selectFrom('assessment_attachments').select('kind').distinct().where('assessment_id', '=', id).execute();
    return rows.map((r) => r.kind);
  }

  /** The assessment's village and its date (YYYY-MM-DD), the date of the facts it records. */
  async villageAndDate(db: Db, id: string): Promise<{ villageId: string; assessedOn: string }> {
    const row = await db
      .selectFrom('assessments')
      .select('village_id')
      .select(sql<string>`to_char(assessed_on, 'YYYY-MM-DD')`.as('assessed_on'))
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return { villageId: row.village_id, assessedOn: row.assessed_on };
  }

  async close(db: Db, id: string): Promise<void> {
    await db.updateTable('assessments').set({ open: false }).where('id', '=', id).where('open', '=', true).execute();
  }

  /** Locks the assessment's row for the rest of `db`'s transaction (edits with If-Match). */
  async lockRow(db: Db, id: string): Promise<void> {
    await db.selectFrom('assessments').select('id').where('id', '=', id).forUpdate().execute();
  }

  async insertAttachment(
    db: Db,
    a: {
      id: string;
      assessmentId: string;
      kind: string;
      fileName: string;
      size: number;
      sha256: string;
      mimeType: string;
      uploadedBy: string;
    },
  ): Promise<void> {
    await db
      .insertInto('assessment_attachments')
      .values({
        id: a.id,
        assessment_id: a.assessmentId,
        kind: a.kind,
        file_name: a.fileName,
        size: a.size,
        sha256: a.sha256,
        mime_type: a.mimeType,
        uploaded_by: a.uploadedBy,
      })
      .execute();
  }

  attachment(assessmentId: string, attachmentId: string) {
    return this.db
      .selectFrom('assessment_attachments')
      .select(['file_name', 'size', 'sha256', 'mime_type'])
      .where('id', '=', attachmentId)
      .where('assessment_id', '=', assessmentId)
      .executeTakeFirst();
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { CompiledQuery, sql, type Selectable } from 'kysely';
import { DB, type Db, type RowOf, type Tables } from '../database/db.js';
import type { PersistedSnapshot } from '../engine/definition.js';
import { engineSql, type JoinedInstance } from '../engine/engine-sql.js';

type UnitName = Selectable<Tables['units']>['name'];
type Criterion = Selectable<Tables['dossier_criteria']>;

/** The dossier as the detail read gives it: its row, its village and commune, its instance's state and its parts. */
export type DossierRow = Pick<Selectable<Tables['dossiers']>, 'id' | 'village_id' | 'commune_id' | 'district_id' | 'year' | 'unit_path'> &
  Pick<JoinedInstance, 'state' | 'version' | 'workflow_key' | 'workflow_version'> & {
    village_name: UnitName;
    commune_name: UnitName;
    /** The instance's snapshot as the engine persists it (the column is JSON). */
    snapshot: PersistedSnapshot;
    /** json_build_object of each dossier_criteria row, with its criterion's name and camelCase keys. */
    criteria: (RowOf<'dossier_criteria', 'code' | 'met' | 'note' | 'assignee_id'> & {
      name: Selectable<Tables['criteria']>['name_vi'];
      status: Criterion['review_status'];
      comment: Criterion['review_comment'];
    })[];
    attachments: RowOf<'attachments', 'id' | 'file_name' | 'size' | 'sha256' | 'mime_type' | 'kind'>[] | null;
    /** From engineSql.pendingDeadlines: JSON, so the due time is text. */
    deadlines: { id: string; dueAt: string; kind: string }[] | null;
  };

export type DossierListRow = Pick<
  DossierRow,
  'id' | 'village_id' | 'village_name' | 'commune_id' | 'district_id' | 'year' | 'state' | 'version'
>;

const DETAIL = `
  SELECT d.id, d.village_id, v.name AS village_name, d.commune_id, c.name AS commune_name, d.district_id, d.year, d.unit_path,
         i.state, i.version, i.workflow_key, i.workflow_version, i.snapshot,
         (SELECT json_agg(json_build_object('code', x.code, 'name', k.name_vi, 'met', x.met, 'note', x.note, 'status', x.review_status,
                                            'comment', x.review_comment, 'assigneeId', x.assignee_id) ORDER BY x.code)
            FROM dossier_criteria x JOIN criteria k ON k.code = x.code WHERE x.dossier_id = d.id) AS criteria,
         (SELECT json_agg(json_build_object('id', a.id, 'fileName', a.file_name, 'size', a.size, 'sha256', a.sha256,
                                            'mimeType', a.mime_type, 'kind', a.kind) ORDER BY a.created_at)
            FROM attachments a WHERE a.dossier_id = d.id) AS attachments,
         ${engineSql.pendingDeadlines('i')} AS deadlines
    FROM dossiers d
    JOIN units v ON v.id = d.village_id
    JOIN units c ON c.id = d.commune_id
    ${engineSql.joinInstance('i', 'dossier', 'd.id')}`;

/** The dossier as the API shows it, by id within a scope: also read back in an event's transaction (EngineService readBack). */
export const DOSSIER_DETAIL = { name: 'certification.dossier-detail', text: `${DETAIL} WHERE d.id = $1 AND d.unit_path LIKE $2 || '%'` };

/** Queries of dossiers (reads join the engine's instance for state; writes touch only the dossier tables). */
@Injectable()
export class DossiersRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async detail(id: string, scope: string, db: Db = this.db): Promise<DossierRow | null> {
    const { rows } = await db.executeQuery<DossierRow>(CompiledQuery.raw(DOSSIER_DETAIL.text, [id, scope]));
    return rows[0] ?? null;
  }

  async list(
    scope: string,
    filter: { state?: string; year?: number; unitPath?: string },
    limit: number,
    afterId?: string,
  ): Promise<DossierListRow[]> {
    const { rows } = await sql<DossierListRow>`
      SELECT d.id, d.village_id, v.name AS village_name, d.commune_id, d.district_id, d.year, i.state, i.version
        FROM dossiers d
        JOIN units v ON v.id = d.village_id
        ${sql.raw(engineSql.joinInstance('i', 'dossier', 'd.id'))}
       WHERE d.unit_path LIKE ${scope} || '%' AND (${filter.state ?? null}::text IS NULL OR i.state = ${filter.state ?? null})
         AND (${filter.year ?? null}::int IS NULL OR d.year = ${filter.year ?? null})
         AND (${filter.unitPath ?? null}::text IS NULL OR d.unit_path LIKE ${filter.unitPath ?? null} || '%')
         AND (${afterId ?? null}::text IS NULL OR d.id > ${afterId ?? null})
       ORDER BY d.id LIMIT ${limit + 1}`.execute(this.db);
    return rows;
  }

  /** The kinds of document the dossier has attached (the facts SUBMIT, APPROVE and SIGN_OFF need). */
  async attachmentKinds(dossierId: string, db: Db = this.db): Promise<string[]> {
    const rows = await db.selectFrom('attachments').select('kind').distinct().where('dossier_id', '=', dossierId).execute();
    return rows.map((r) => r.kind);
  }

  selfAssessment(dossierId: string, db: Db = this.db): Promise<Pick<Criterion, 'code' | 'met'>[]> {
    return db.selectFrom('dossier_criteria').select(['code', 'met']).where('dossier_id', '=', dossierId).orderBy('code').execute();
  }

  async insert(
    db: Db,
    d: { id: string; villageId: string; communeId: string; districtId: string | null; unitPath: string; year: number; createdBy: string },
  ) {
    await db
      .insertInto('dossiers')
      .values({
        id: d.id,
        village_id: d.villageId,
        commune_id: d.communeId,
        district_id: d.districtId,
        unit_path: d.unitPath,
        year: d.year,
        created_by: d.createdBy,
      })
      .execute();
    await db
      .insertInto('dossier_criteria')
      .columns(['dossier_id', 'code'])
      .expression((eb) => eb.selectFrom('criteria').select([eb.val(d.id).as('dossier_id'), 'code']))
      .execute();
  }

  async updateCriterion(db: Db, dossierId: string, code: number, met: boolean, note: string | null) {
    await db.updateTable('dossier_criteria').set({ met, note }).where('dossier_id', '=', dossierId).where('code', '=', code).execute();
  }

  /** Criteria sent back are reviewed again (approved ones stay approved), by whoever the assignment job picks. */
  async reopenReturnedCriteria(db: Db, dossierId: string) {
    await db
      .updateTable('dossier_criteria')
      .set({ review_status: 'pending', assignee_id: null })
      .where('dossier_id', '=', dossierId)
      .where('review_status', '=', 'revision_requested')
      .execute();
  }

  /** The dossier's certified flag (the reports count it). */
  async setCertified(db: Db, dossierId: string, certified: boolean) {
    await db.updateTable('dossiers').set({ certified }).where('id', '=', dossierId).execute();
  }

  /** The dossier's village (whose flags its certification and revocation set). */
  async villageOf(db: Db, dossierId: string): Promise<string> {
    const row = await db.selectFrom('dossiers').select('village_id').where('id', '=', dossierId).executeTakeFirstOrThrow();
    return row.village_id;
  }

  async close(db: Db, dossierId: string) {
    await db.updateTable('dossiers').set({ open: false }).where('id', '=', dossierId).where('open', '=', true).execute();
  }

  /** Locks the dossier's row for the rest of `db`'s transaction (criterion edits with If-Match). */
  async lockRow(db: Db, dossierId: string) {
    await db.selectFrom('dossiers').select('id').where('id', '=', dossierId).forUpdate().execute();
  }

  async insertAttachment(
    a: {
      id: string;
      dossierId: string;
      kind: string;
      fileName: string;
      size: number;
      sha256: string;
      mimeType: string;
      uploadedBy: string;
    },
    db: Db = this.db,
  ) {
    await db
      .insertInto('attachments')
      .values({
        id: a.id,
        dossier_id: a.dossierId,
        kind: a.kind,
        file_name: a.fileName,
        size: a.size,
        sha256: a.sha256,
        mime_type: a.mimeType,
        uploaded_by: a.uploadedBy,
      })
      .execute();
  }

  attachment(
    dossierId: string,
    attachmentId: string,
  ): Promise<Pick<Selectable<Tables['attachments']>, 'file_name' | 'size' | 'sha256' | 'mime_type'> | undefined> {
    return this.db
      .selectFrom('attachments')
      .select(['file_name', 'size', 'sha256', 'mime_type'])
      .where('id', '=', attachmentId)
      .where('dossier_id', '=', dossierId)
      .executeTakeFirst();
  }

  /** An attachment of one of these dossiers, by id (a batch decision's document). */
  attachmentAmong(
    dossierIds: string[],
    attachmentId: string,
  ): Promise<Pick<Selectable<Tables['attachments']>, 'kind' | 'file_name' | 'size' | 'sha256' | 'mime_type'> | undefined> {
    return this.db
      .selectFrom('attachments')
      .select(['kind', 'file_name', 'size', 'sha256', 'mime_type'])
      .where('id', '=', attachmentId)
      .where('dossier_id', 'in', dossierIds)
      .executeTakeFirst();
  }

  /** Whether the dossier has a document of this kind with this content. */
  async hasDocument(db: Db, dossierId: string, kind: string, sha256: string): Promise<boolean> {
    const row = await db
      .selectFrom('attachments')
      .select('id')
      .where('dossier_id', '=', dossierId)
      .where('kind', '=', kind)
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The documents of one kind attached to those of these dossiers that lie within `scope`, oldest first. */
  documentsAmong(
    dossierIds: string[],
    kind: string,
    scope: string,
  ): Promise<Pick<Selectable<Tables['attachments']>, 'id' | 'dossier_id' | 'file_name' | 'sha256'>[]> {
    return this.db
      .selectFrom('attachments as a')
      .innerJoin('dossiers as d', 'd.id', 'a.dossier_id')
      .select(['a.id', 'a.dossier_id', 'a.file_name', 'a.sha256'])
      .where('a.dossier_id', 'in', dossierIds)
      .where('a.kind', '=', kind)
      .where('d.unit_path', 'like', sql<string>`${scope} || '%'`)
      .orderBy('a.created_at')
      .orderBy('a.id')
      .execute();
  }

  /** The bytes a user has attached since `since` (the upload quota), to dossiers and to assessments alike. */
  async bytesUploadedSince(userId: string, since: Date, db: Db = this.db): Promise<number> {
    const { rows } = await sql<{ bytes: string }>`
      SELECT (coalesce((SELECT sum(size) FROM attachments WHERE uploaded_by = ${userId} AND created_at > ${since}), 0)
            + coalesce((SELECT sum(size) FROM assessment_attachments WHERE uploaded_by = ${userId} AND created_at > ${since}), 0))::text AS bytes`.execute(
      db,
    );
    return Number(rows[0].bytes);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import type { PersistedSnapshot } from '../engine/definition.js';
import { engineSql } from '../engine/engine-sql.js';

export interface DossierRow {
  id: string;
  village_id: string;
  village_name: string;
  commune_id: string;
  commune_name: string;
  district_id: string | null;
  year: number;
  unit_path: string;
  state: string;
  version: number;
  workflow_key: string;
  workflow_version: number;
  snapshot: PersistedSnapshot;
  criteria: { code: number; name: string; met: boolean | null; note: string | null; status: string; comment: string | null; assigneeId: string | null }[];
  attachments: { id: string; fileName: string; size: number; sha256: string; mimeType: string; kind: string }[] | null;
  deadlines: { id: string; dueAt: string; kind: string }[] | null;
}

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
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async detail(id: string, scope: string, tx: pg.PoolClient | pg.Pool = this.pool): Promise<DossierRow | null> {
    const { rows } = await tx.query<DossierRow>({ name: DOSSIER_DETAIL.name, text: DOSSIER_DETAIL.text, values: [id, scope] });
    return rows[0] ?? null;
  }

  async list(scope: string, filter: { state?: string; year?: number; unitPath?: string }, limit: number, afterId?: string) {
    const { rows } = await this.pool.query(
      `SELECT d.id, d.village_id, v.name AS village_name, d.commune_id, d.district_id, d.year, i.state, i.version
         FROM dossiers d
         JOIN units v ON v.id = d.village_id
         ${engineSql.joinInstance('i', 'dossier', 'd.id')}
        WHERE d.unit_path LIKE $1 || '%' AND ($2::text IS NULL OR i.state = $2) AND ($3::int IS NULL OR d.year = $3)
          AND ($4::text IS NULL OR d.unit_path LIKE $4 || '%') AND ($5::text IS NULL OR d.id > $5)
        ORDER BY d.id LIMIT $6`,
      [scope, filter.state ?? null, filter.year ?? null, filter.unitPath ?? null, afterId ?? null, limit + 1],
    );
    return rows as { id: string; village_id: string; village_name: string; commune_id: string; district_id: string | null; year: number; state: string; version: number }[];
  }

  /** Whether the dossier has an attachment of `kind` (a fact SUBMIT needs). */
  async hasAttachment(dossierId: string, kind: string, tx: pg.PoolClient | pg.Pool = this.pool): Promise<boolean> {
    const { rowCount } = await tx.query('SELECT 1 FROM attachments WHERE dossier_id = $1 AND kind = $2 LIMIT 1', [dossierId, kind]);
    return (rowCount ?? 0) > 0;
  }

  async selfAssessment(dossierId: string, tx: pg.PoolClient | pg.Pool = this.pool): Promise<{ code: number; met: boolean | null }[]> {
    const { rows } = await tx.query('SELECT code, met FROM dossier_criteria WHERE dossier_id = $1 ORDER BY code', [dossierId]);
    return rows;
  }

  async insert(tx: pg.PoolClient, d: { id: string; villageId: string; communeId: string; districtId: string | null; unitPath: string; year: number; createdBy: string }) {
    await tx.query(
      `INSERT INTO dossiers (id, village_id, commune_id, district_id, unit_path, year, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [d.id, d.villageId, d.communeId, d.districtId, d.unitPath, d.year, d.createdBy],
    );
    await tx.query(`INSERT INTO dossier_criteria (dossier_id, code) SELECT $1, code FROM criteria`, [d.id]);
  }

  async updateCriterion(tx: pg.PoolClient, dossierId: string, code: number, met: boolean, note: string | null) {
    await tx.query('UPDATE dossier_criteria SET met = $3, note = $4 WHERE dossier_id = $1 AND code = $2', [dossierId, code, met, note]);
  }

  async insertAttachment(a: { id: string; dossierId: string; kind: string; fileName: string; size: number; sha256: string; mimeType: string; uploadedBy: string }, tx: pg.PoolClient | pg.Pool = this.pool) {
    await tx.query(
      `INSERT INTO attachments (id, dossier_id, kind, file_name, size, sha256, mime_type, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [a.id, a.dossierId, a.kind, a.fileName, a.size, a.sha256, a.mimeType, a.uploadedBy],
    );
  }

  async attachment(dossierId: string, attachmentId: string) {
    const { rows } = await this.pool.query<{ file_name: string; size: number; sha256: string; mime_type: string }>(
      'SELECT file_name, size, sha256, mime_type FROM attachments WHERE id = $1 AND dossier_id = $2',
      [attachmentId, dossierId],
    );
    return rows[0] ?? null;
  }
}

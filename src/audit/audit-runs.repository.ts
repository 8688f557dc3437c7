import { Inject, Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import { DB, type Db, type RowOf, type Tables } from '../database/db.js';
import type { VerifyResult } from './audit.service.js';

/** A run as the API shows it: its row, with the status narrowed, the result typed and the times in ISO 8601. */
export type AuditRun = RowOf<'audit_runs', 'id' | 'scope' | 'requested_by' | 'checked' | 'total' | 'error'> & {
  status: 'queued' | 'running' | 'done' | 'failed';
  result: VerifyResult | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The verification runs (audit_runs): queued by the API, advanced and finished by a worker. */
@Injectable()
export class AuditRunsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async create(id: string, scope: string, requestedBy: string): Promise<void> {
    await this.db.insertInto('audit_runs').values({ id, scope, requested_by: requestedBy }).execute();
  }

  async progress(id: string, checked: number, total: number): Promise<void> {
    await this.db
      .updateTable('audit_runs')
      .set({ status: 'running', checked, total, started_at: sql`coalesce(started_at, now())` })
      .where('id', '=', id)
      .execute();
  }

  async finished(id: string, result: VerifyResult): Promise<void> {
    await this.db
      .updateTable('audit_runs')
      .set({ status: 'done', checked: result.checkedEvents, result: JSON.stringify(result), finished_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  async failed(id: string, error: string): Promise<void> {
    await this.db
      .updateTable('audit_runs')
      .set({ status: 'failed', error, finished_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  /** One run, if it is in `scope` (a caller sees the runs of its own scope and below). */
  async find(id: string, scope: string): Promise<AuditRun | undefined> {
    const row = await this.db
      .selectFrom('audit_runs')
      .selectAll()
      .where('id', '=', id)
      .where('scope', 'like', sql<string>`${scope} || '%'`)
      .executeTakeFirst();
    return row && this.toRun(row);
  }

  /** The latest run over exactly `scope`. */
  async latest(scope: string): Promise<AuditRun | undefined> {
    const row = await this.db
      .selectFrom('audit_runs')
      .selectAll()
      .where('scope', '=', scope)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && this.toRun(row);
  }

  private toRun(row: Selectable<Tables['audit_runs']>): AuditRun {
    return {
      id: row.id,
      status: row.status as AuditRun['status'],
      scope: row.scope,
      requestedBy: row.requested_by,
      checked: row.checked,
      total: row.total,
      result: (row.result as VerifyResult | null) ?? null,
      error: row.error,
      createdAt: iso(row.created_at)!,
      startedAt: iso(row.started_at),
      finishedAt: iso(row.finished_at),
    };
  }
}

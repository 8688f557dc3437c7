import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DB, type Db, type RowOf } from '../../database/db.js';
import type { Role, SessionKind } from '../../generated/kysely/enums.js';

export type SessionRow = RowOf<'sessions', 'kind' | 'csrf_token' | 'expires_at' | 'last_seen_at'> & {
  user: RowOf<'users', 'id' | 'username' | 'full_name' | 'role' | 'unit_id' | 'locale'> & {
    unitPath: RowOf<'units', 'path'>['path'];
    unitName: RowOf<'units', 'name'>['name'];
  };
};

/**
 * The `sessions` table: who is signed in, by a browser (WEB) or a client of the API (API), found by the SHA-256
 * of the token. A row counts only while it has not expired, has not been idle too long (WEB) and its user is
 * active.
 */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insert(row: { id: string; userId: string; kind: SessionKind; csrfToken?: string; expiresAt: Date }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ id: row.id, user_id: row.userId, kind: row.kind, csrf_token: row.csrfToken ?? null, expires_at: row.expiresAt })
      .execute();
  }

  /**
   * The live session of this kind and its user (the user as it is now: role and unit changes count at once);
   * null when there is none, it has expired, it was idle longer than `idleSeconds`, or the user is inactive.
   */
  async findLive(id: string, kind: SessionKind, idleSeconds?: number): Promise<SessionRow | null> {
    let query = this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .innerJoin('units as n', 'n.id', 'u.unit_id')
      .select(['s.kind', 's.csrf_token', 's.expires_at', 's.last_seen_at'])
      .select(['u.id', 'u.username', 'u.full_name', 'u.role', 'u.unit_id', 'u.locale', 'n.path', 'n.name'])
      .where('s.id', '=', id)
      .where('s.kind', '=', kind)
      .where('s.expires_at', '>', sql<Date>`now()`)
      .where('u.active', '=', true);
    if (idleSeconds !== undefined) {
      query = query.where('s.last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${idleSeconds})`);
    }
    const row = await query.executeTakeFirst();
    if (!row) return null;
    return {
      kind: row.kind as SessionKind,
      csrfToken: row.csrf_token,
      expiresAt: new Date(row.expires_at),
      lastSeenAt: new Date(row.last_seen_at),
      user: {
        id: row.id,
        username: row.username,
        fullName: row.full_name,
        role: row.role as Role,
        unitId: row.unit_id,
        unitPath: row.path,
        unitName: row.name,
        locale: row.locale,
      },
    };
  }

  /** Records that a session was just used (its idle time starts again). */
  async touch(id: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Ends every session of a user (deactivation); returns how many there were. */
  async deleteForUser(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes the sessions that can no longer be used: expired, or WEB sessions idle longer than `idleSeconds`. */
  async purgeDead(idleSeconds: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', sql<Date>`now()`),
          eb.and([eb('kind', '=', 'WEB'), eb('last_seen_at', '<=', sql<Date>`now() - make_interval(secs => ${idleSeconds})`)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

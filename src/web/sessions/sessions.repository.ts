import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DB, type Db } from '../../database/db.js';
import type { Role } from '../../generated/prisma/enums.js';

export interface SessionRow {
  csrfToken: string;
  expiresAt: Date;
  user: { id: string; username: string; fullName: string; role: Role; unitId: string; unitPath: string; unitName: string; locale: string };
}

/** The web pages' sessions (`web_sessions`), found by the SHA-256 of the cookie's token. */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insert(row: { id: string; userId: string; csrfToken: string; expiresAt: Date }): Promise<void> {
    await this.db
      .insertInto('web_sessions')
      .values({ id: row.id, user_id: row.userId, csrf_token: row.csrfToken, expires_at: row.expiresAt })
      .execute();
  }

  /** The session and its user, when it has not expired and the user is still active. */
  async find(id: string): Promise<SessionRow | null> {
    const row = await this.db
      .selectFrom('web_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .innerJoin('units as n', 'n.id', 'u.unit_id')
      .select(['s.csrf_token', 's.expires_at', 'u.id', 'u.username', 'u.full_name', 'u.role', 'u.unit_id', 'u.locale', 'n.path', 'n.name'])
      .where('s.id', '=', id)
      .where('s.expires_at', '>', sql<Date>`now()`)
      .where('u.active', '=', true)
      .executeTakeFirst();
    if (!row) return null;
    return {
      csrfToken: row.csrf_token,
      expiresAt: new Date(row.expires_at),
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

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('id', '=', id).execute();
  }
}

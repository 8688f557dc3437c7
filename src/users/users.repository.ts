import { Inject, Injectable } from '@nestjs/common';
import { DB, pathsUnder, type Db, type RowOf } from '../database/db.js';
import type { Role } from '../generated/kysely/enums.js';

/** A user as a caller may ever see it: never the password hash. */
export type UserRow = RowOf<'users', 'id' | 'username' | 'full_name' | 'email' | 'role' | 'unit_id' | 'locale' | 'criteria' | 'active'>;

const PUBLIC_COLUMNS = [
  'u.id',
  'u.username',
  'u.full_name as fullName',
  'u.email',
  'u.role',
  'u.unit_id as unitId',
  'u.locale',
  'u.criteria',
  'u.active',
] as const;

/** The `users` table. `scope` is a unit path prefix: only users of units under it are found. */
@Injectable()
export class UsersRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  private scoped(scope: string) {
    return this.db.selectFrom('users as u').innerJoin('units as n', 'n.id', 'u.unit_id').where('n.path', 'like', pathsUnder(scope));
  }

  /** The one query that reads password material, for sign-in only. */
  async findCredentials(username: string): Promise<(UserRow & { passwordHash: string; unit: { path: string } }) | null> {
    const row = await this.scoped('')
      .select([...PUBLIC_COLUMNS, 'u.password_hash as passwordHash', 'n.path'])
      .where('u.username', '=', username)
      .executeTakeFirst();
    if (!row) return null;
    const { path, ...user } = row;
    return { ...user, unit: { path } };
  }

  async findById(id: string, scope = ''): Promise<UserRow | null> {
    const row = await this.scoped(scope).select(PUBLIC_COLUMNS).where('u.id', '=', id).executeTakeFirst();
    return row ?? null;
  }

  /** Full names of users by id (for a history's "who"), whatever their unit. */
  async fullNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('users').select(['id', 'full_name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.full_name]));
  }

  async exists(username: string): Promise<boolean> {
    return (await this.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst()) !== undefined;
  }

  async list(scope: string, filter: { role?: Role; unitId?: string }, limit: number, afterUsername?: string): Promise<UserRow[]> {
    let query = this.scoped(scope).select(PUBLIC_COLUMNS);
    if (filter.role) query = query.where('u.role', '=', filter.role);
    if (filter.unitId) query = query.where('u.unit_id', '=', filter.unitId);
    if (afterUsername) query = query.where('u.username', '>', afterUsername);
    return query
      .orderBy('u.username')
      .limit(limit + 1)
      .execute();
  }

  /**
   * Puts a new hash of the same password in place of `previous` (a cost raised since it was made); a hash changed
   * meanwhile is left alone.
   */
  async replacePasswordHash(id: string, previous: string, next: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: next }).where('id', '=', id).where('password_hash', '=', previous).execute();
  }

  /** Activates or deactivates a user inside `scope`; null when there is none. */
  async setActive(id: string, scope: string, active: boolean): Promise<UserRow | null> {
    const unitsInScope = this.db.selectFrom('units').select('id').where('path', 'like', pathsUnder(scope));
    const { numUpdatedRows } = await this.db
      .updateTable('users')
      .set({ active })
      .where('id', '=', id)
      .where('unit_id', 'in', unitsInScope)
      .executeTakeFirstOrThrow();
    return numUpdatedRows === 0n ? null : this.findById(id, scope);
  }

  /** Creates a user; a username already taken fails with PostgreSQL's unique violation (23505). */
  async create(data: Omit<UserRow, 'active'> & { passwordHash: string }): Promise<UserRow> {
    await this.db
      .insertInto('users')
      .values({
        id: data.id,
        username: data.username,
        password_hash: data.passwordHash,
        full_name: data.fullName,
        email: data.email,
        role: data.role,
        unit_id: data.unitId,
        locale: data.locale,
        criteria: data.criteria,
      })
      .execute();
    return (await this.findById(data.id))!;
  }
}

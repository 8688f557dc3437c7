import { Kysely, PostgresDialect, sql, type PostgresPool } from 'kysely';
import type pg from 'pg';
import type { DB as Tables } from '../generated/kysely/types.js';

/**
 * The service's one query layer: Kysely over the one node-postgres pool, its table types generated from
 * prisma/schema.prisma (prisma-kysely), so a row's type follows the schema. Nest injects it as `DB`.
 */
export type Db = Kysely<Tables>;
export type { Tables };

export const DB = Symbol('DB');

export function kyselyOf(pool: pg.Pool): Db {
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool: pool as unknown as PostgresPool }) });
}

/**
 * Kysely on one connection that is already in a transaction (the engine's event): every query it builds runs
 * on that connection, in order with the connection's other statements. Kysely never begins, commits or
 * releases it.
 */
export function kyselyOn(client: Pick<pg.PoolClient, 'query'>): Db {
  const connection = { query: (...args: unknown[]) => (client.query as (...a: unknown[]) => unknown)(...args), release: () => undefined };
  const pool = { connect: async () => connection, end: async () => undefined };
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool: pool as unknown as PostgresPool }) });
}

/** A LIKE pattern for every unit path under `scope` (paths are ids and slashes, nothing to escape). */
export function pathsUnder(scope: string) {
  return sql<string>`${scope} || '%'`;
}

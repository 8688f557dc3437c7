import { Kysely, PostgresDialect, sql, type PostgresPool, type Selectable } from 'kysely';
import type pg from 'pg';
import type { DB as Tables } from '../generated/kysely/types.js';

/**
 * The service's one query layer: Kysely over the one node-postgres pool, its table types generated from
 * prisma/schema.prisma (prisma-kysely), so a row's type follows the schema. Nest injects it as `DB`.
 */
export type Db = Kysely<Tables>;
export type { Tables };

/** `full_name` → `fullName`. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/**
 * Some columns of a table as a query selects them, named in camelCase (`'unit_id as unitId'`): the row types of
 * the repositories, derived from the generated table types rather than declared by hand.
 */
export type RowOf<T extends keyof Tables, C extends keyof Selectable<Tables[T]> & string> = {
  [K in C as CamelCase<K>]: Selectable<Tables[T]>[K];
};

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

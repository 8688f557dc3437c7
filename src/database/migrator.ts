import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { grantServiceRole, urlUser } from './service-grants.js';

/** The advisory lock key Prisma Migrate takes, so this runner and `prisma migrate deploy` exclude each other. */
const PRISMA_MIGRATE_LOCK = 72707369;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export interface MigrateOptions {
  /**
   * The service's DATABASE_URL. When its user is not the one migrating (the owner), that user is given exactly its
   * rights on every table after the migrations (src/database/service-grants.ts), new tables included.
   */
  serviceUrl?: string;
  /** Where a warning goes (a modified migration, a table the grant list lacks): the console unless given. */
  warn?: (line: string) => void;
}

export function migrationsDir(): string {
  return join(process.cwd(), 'prisma', 'migrations');
}

/** Creates the database named in the URL when it does not exist (connecting to `postgres` to do so). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (err) {
      // Another process created it between our check and our CREATE.
      if ((err as { code?: string }).code !== '42P04' && (err as { code?: string }).code !== '23505') throw err;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

/**
 * Applies prisma/migrations/<name>/migration.sql in name order, recording each in `_prisma_migrations`
 * exactly as Prisma Migrate does (id, sha256 checksum of the file, times, applied_steps_count), under
 * Prisma's advisory lock, so that processes starting together migrate once and `prisma migrate deploy`
 * stays a drop-in replacement. `databaseUrl` is the tables' owner (DATABASE_MIGRATION_URL).
 */
export async function migrate(databaseUrl: string, dir = migrationsDir(), options: MigrateOptions = {}): Promise<MigrationResult> {
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum"            VARCHAR(64) NOT NULL,
      "finished_at"         TIMESTAMPTZ,
      "migration_name"      VARCHAR(255) NOT NULL,
      "logs"                TEXT,
      "rolled_back_at"      TIMESTAMPTZ,
      "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const done = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const byName = new Map(done.rows.map((r) => [r.migration_name, r]));
    const applied: string[] = [];
    for (const name of names) {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = byName.get(name);
      if (previous?.finished_at) {
        if (previous.checksum !== checksum) {
          warn(`migration ${name} was modified after it was applied (checksum differs)`);
        }
        continue;
      }
      if (previous) {
        throw new Error(`migration ${name} failed earlier and was not rolled back; fix the database and mark it rolled back`);
      }
      const id = randomUUID();
      await client.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
        [id, checksum, name],
      );
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, String((err as Error).message)]);
        throw new Error(`migration ${name} failed: ${(err as Error).message}`, { cause: err });
      }
      await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
      applied.push(name);
    }
    const owner = (await client.query<{ user: string }>('SELECT current_user AS user')).rows[0].user;
    const service = options.serviceUrl && options.serviceUrl !== databaseUrl ? urlUser(options.serviceUrl) : owner;
    if (service !== owner) await grantServiceRole(client, service, warn);
    return { applied, alreadyApplied: names.length - applied.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** Drops the database named in the URL (for tests and the benchmark, which start from nothing). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

import pg from 'pg';
import { ENGINE_GRANTS } from '../engine/engine-grants.js';

export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

const READ_ADD: TablePrivilege[] = ['SELECT', 'INSERT'];
/** UPDATE also covers `SELECT ... FOR UPDATE / FOR SHARE` and `ON CONFLICT DO UPDATE`, which need it. */
const READ_ADD_CHANGE: TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE'];
const ALL_ROWS: TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/**
 * What the service's database role (the user of DATABASE_URL, when it is not the tables' owner) may do to each
 * table, read from the code: rows it only adds are never changed, and only the tables whose rows it deletes get
 * DELETE. The owner (DATABASE_MIGRATION_URL) keeps everything else: TRUNCATE, ALTER, DROP, triggers.
 * `_prisma_migrations` is absent on purpose: only the migration runner reads it.
 */
export const SERVICE_GRANTS: Readonly<Record<string, readonly TablePrivilege[]>> = {
  // Seeded once, then read.
  units: READ_ADD,
  criteria: READ_ADD,
  plans: READ_ADD,
  seed_runs: READ_ADD,
  closed_days: READ_ADD,
  village_criteria: READ_ADD_CHANGE,
  funds: READ_ADD_CHANGE,
  users: READ_ADD_CHANGE,
  // The engine's tables, as the engine declares them.
  ...ENGINE_GRANTS,
  notification_deliveries: READ_ADD_CHANGE,
  // Certification.
  dossiers: READ_ADD_CHANGE,
  dossier_criteria: READ_ADD_CHANGE,
  attachments: READ_ADD,
  // Villages' flags between certifications: changes and imports are only added; an assessment closes, and its
  // criteria are replaced while the commune edits it.
  village_criterion_changes: READ_ADD,
  criteria_imports: READ_ADD_CHANGE,
  assessments: READ_ADD_CHANGE,
  assessment_criteria: ALL_ROWS,
  assessment_attachments: READ_ADD,
  // Funding: pledges, receipts and the ledger are only added; a project's funding lines are replaced on approval.
  projects: READ_ADD_CHANGE,
  project_funding: ['SELECT', 'INSERT', 'DELETE'],
  project_contributions: READ_ADD,
  contribution_receipts: READ_ADD,
  fund_ledger: READ_ADD,
  // What credit and mobilised funds record instead of allocations: loans by commune, enterprises' pledges.
  credit_loans: READ_ADD,
  enterprise_pledges: READ_ADD,
  // Kept by the funding triggers, which run as the writer (INSERT ... ON CONFLICT DO UPDATE).
  commune_contribution_totals: READ_ADD_CHANGE,
  commune_funding_totals: READ_ADD_CHANGE,
  // The audit's verification runs: queued, advanced, finished.
  audit_runs: READ_ADD_CHANGE,
  // Expire and end.
  sessions: ALL_ROWS,
  idempotency_records: ALL_ROWS,
};

/** Tables the migration runner never grants on. */
const OWNER_ONLY = new Set(['_prisma_migrations']);

/** A table a later migration adds before it is listed above: the row rights, so the service keeps working (and a warning). */
export const UNLISTED_TABLE_GRANT: readonly TablePrivilege[] = ALL_ROWS;

/** The user a PostgreSQL URL connects as: its own, else PGUSER, else node-postgres's default (the OS user). */
export function urlUser(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).username) || process.env.PGUSER || (pg.defaults.user as string | undefined) || '';
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface GrantResult {
  tables: number;
  unlisted: string[];
}

/**
 * Gives `role` exactly SERVICE_GRANTS on the tables of schema `public` and USAGE, SELECT on its sequences, taking
 * back anything else it held there (TRUNCATE, REFERENCES, TRIGGER, rights on `_prisma_migrations`), in one
 * transaction so the service never sees a moment without its rights. Run by the owner after every migration run,
 * so a new migration's tables are covered. Refuses a role that owns a table, directly or through
 * membership (it could alter or drop it anyway), and a superuser. A table not listed gets the row rights and a
 * line through `warn` (the console unless the caller passes its own).
 */
export async function grantServiceRole(
  client: pg.ClientBase,
  role: string,
  warn: (line: string) => void = (line) => console.warn(line),
): Promise<GrantResult> {
  const exists = await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [role]);
  if (!exists.rowCount)
    throw new Error(
      `Configuration error: the service's database role "${role}" (DATABASE_URL) does not exist; create it (README, Database roles)`,
    );
  if (exists.rows[0].rolsuper)
    throw new Error(
      `Configuration error: the service's database role "${role}" (DATABASE_URL) is a superuser; use a role that owns nothing`,
    );
  const tables = await client.query<{ name: string; owned: boolean }>(
    `SELECT c.relname AS name, pg_has_role($1, c.relowner, 'MEMBER') AS owned FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    [role],
  );
  const owned = tables.rows.filter((t) => t.owned).map((t) => t.name);
  if (owned.length) {
    throw new Error(
      `Configuration error: the service's database role "${role}" (DATABASE_URL) owns (or is a member of the role owning) ${owned.join(', ')}; give them to the migration role (ALTER TABLE ... OWNER TO)`,
    );
  }
  const unlisted: string[] = [];
  await client.query('BEGIN');
  try {
    await client.query(`GRANT USAGE ON SCHEMA public TO ${ident(role)}`);
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${ident(role)}`);
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${ident(role)}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${ident(role)}`);
    for (const { name } of tables.rows) {
      if (OWNER_ONLY.has(name)) continue;
      const privileges = SERVICE_GRANTS[name] ?? UNLISTED_TABLE_GRANT;
      if (!SERVICE_GRANTS[name]) unlisted.push(name);
      await client.query(`GRANT ${privileges.join(', ')} ON TABLE ${ident(name)} TO ${ident(role)}`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
  if (unlisted.length) {
    warn(`tables not in SERVICE_GRANTS (src/database/service-grants.ts) got ${UNLISTED_TABLE_GRANT.join(', ')}: ${unlisted.join(', ')}`);
  }
  return { tables: tables.rowCount ?? 0, unlisted };
}

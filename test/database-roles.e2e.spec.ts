import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { ensureDatabase, migrate, migrationsDir } from '../src/database/migrator.js';
import { SERVICE_GRANTS } from '../src/database/service-grants.js';
import { ADMIN, dropDatabase, startTestApp, testDatabaseUrl } from './support/app.js';
import { inReview, startKit, type Kit } from './support/certification-kit.js';
import { createProject } from './support/funding-kit.js';

/**
 * The service connecting as a role that owns nothing (DATABASE_URL) while migrations run as the owner
 * (DATABASE_MIGRATION_URL): the app works, and that role cannot empty, alter, drop or rewrite the history.
 */
const NAMESPACE = (process.env.TEST_NAMESPACE ?? '').replace(/[^a-z0-9]/gi, '').toLowerCase();
/** Roles are cluster-wide: one of its own per run, dropped at the end. */
const ROLE = `ntm_test_${NAMESPACE ? `${NAMESPACE}_` : ''}svc_${process.pid}`;
const OWNER_URL = testDatabaseUrl('dbroles');
const serviceUrl = (ownerUrl: string) => ownerUrl.replace('postgresql://postgres@', `postgresql://${ROLE}:service-password@`);

async function asUser<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a statement fails with as `url`'s user (null when it succeeds, inside a transaction rolled back). */
function failure(url: string, statement: string): Promise<string | null> {
  return asUser(url, async (c) => {
    await c.query('BEGIN');
    try {
      await c.query(statement);
      return null;
    } catch (err) {
      return (err as { code?: string }).code ?? 'unknown';
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

/** Each table of `public` and what `role` may do to it, as PostgreSQL says. */
async function privilegesOf(ownerUrl: string, role: string): Promise<Record<string, string[]>> {
  return asUser(ownerUrl, async (c) => {
    const { rows } = await c.query<{ name: string; privileges: string[] }>(
      `SELECT c.relname AS name, array(SELECT p FROM unnest($2::text[]) p WHERE has_table_privilege($1, c.oid, p)) AS privileges
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
      [role, PRIVILEGES],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.privileges]));
  });
}

beforeAll(async () => {
  await asUser(OWNER_URL.replace(/\/[^/]+$/, '/postgres'), async (c) => {
    await c.query(`DROP ROLE IF EXISTS "${ROLE}"`);
    await c.query(`CREATE ROLE "${ROLE}" LOGIN PASSWORD 'service-password'`);
  });
});
afterAll(async () => {
  // The role's grants live in the test databases: drop them first, then the role.
  await dropDatabase(OWNER_URL);
  await dropDatabase(testDatabaseUrl('dbroles_future'));
  await asUser(OWNER_URL.replace(/\/[^/]+$/, '/postgres'), (c) => c.query(`DROP ROLE IF EXISTS "${ROLE}"`));
});

describe('the service as a role that owns nothing', () => {
  let k: Kit;
  const service = serviceUrl(OWNER_URL);

  beforeAll(async () => {
    k = await startKit('dbroles', {
      DATABASE_URL: service,
      DATABASE_MIGRATION_URL: OWNER_URL,
      DEADLINE_OVERRIDES: 'certification.consultation=PT1S',
    });
  });
  afterAll(async () => k?.close());

  it('runs the app: sign-in, users, a dossier taken into review (timers, effects, attachments), a project', async () => {
    expect(k.t.config.databaseUrl).toBe(service);
    const commune = await k.user('COMMUNE_STAFF', 'LS-TD-01');
    await k.user('REVIEWER', 'LS-TD');
    const id = await inReview(k, commune.auth, 'LS-TD-01-01');
    const dossier = await k.t.http.get(`/dossiers/${id}`).set('Authorization', commune.auth);
    expect(dossier.body.state).toBe('review');
    const history = await k.t.http.get(`/dossiers/${id}/history`).set('Authorization', commune.auth);
    expect(history.status).toBe(200);
    const project = await createProject(k, commune.auth, {
      villageId: k.unit('LS-TD-01-01').id,
      estimatedCostVnd: 1_000_000_000,
      funding: [
        { fundCode: 'NTM_ANNUAL', amountVnd: 700_000_000 },
        { fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 },
      ],
      contributions: [{ kind: 'labor', quantity: 300, unit: 'ngày công', valueVnd: 60_000_000, pledgedBy: 'Nhân dân thôn' }],
    });
    expect(project.status).toBe(201);
    const signOut = await k.t.http.post('/auth/logout').set('Authorization', commune.auth);
    expect(signOut.status).toBeLessThan(300);
    // The pool really is that role.
    expect((await k.db.query('SELECT current_user AS u')).rows[0].u).toBe(ROLE);
  });

  it('cannot empty, alter, drop or rewrite the history, nor alter or empty any table', async () => {
    const trigger = await asUser(
      OWNER_URL,
      async (c) =>
        (await c.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'workflow_events'::regclass AND NOT tgisinternal`)).rows[0]
          .tgname as string,
    );
    const refused: Record<string, string | null> = {};
    for (const statement of [
      'TRUNCATE workflow_events',
      `ALTER TABLE workflow_events DISABLE TRIGGER "${trigger}"`,
      'ALTER TABLE workflow_events DISABLE TRIGGER ALL',
      `UPDATE workflow_events SET type = type`,
      'DELETE FROM workflow_events',
      'DROP TABLE workflow_events CASCADE',
      'DROP TRIGGER workflow_events_no_update_delete ON workflow_events',
      'TRUNCATE sessions',
      'ALTER TABLE users ADD COLUMN x INTEGER',
      'CREATE TRIGGER t BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION notify_relay()',
      'SELECT * FROM "_prisma_migrations"',
      'CREATE TABLE scratch (id INTEGER)',
    ]) {
      refused[statement] = await failure(service, statement);
    }
    // 42501: insufficient privilege (or "must be owner"), not the append-only trigger's exception.
    expect(refused).toEqual(Object.fromEntries(Object.keys(refused).map((s) => [s, '42501'])));
    // The owner still can (inside a transaction rolled back).
    expect(await failure(OWNER_URL, 'TRUNCATE workflow_events CASCADE')).toBeNull();
  });

  it('holds exactly the listed rights on every table, and every table is listed', async () => {
    const actual = await privilegesOf(OWNER_URL, ROLE);
    const expected = Object.fromEntries(
      Object.keys(actual).map((t) => [t, t === '_prisma_migrations' ? [] : [...(SERVICE_GRANTS[t] ?? ['unlisted'])]]),
    );
    expect(actual).toEqual(expected);
    expect(actual.workflow_events).toEqual(['SELECT', 'INSERT']);
    expect(Object.keys(SERVICE_GRANTS).filter((t) => !(t in actual))).toEqual([]);
  });

  it('refuses, in one line, a service role that does not exist, is a superuser or owns a table', async () => {
    const as = (user: string) => OWNER_URL.replace('postgresql://postgres@', `postgresql://${user}@`);
    await expect(migrate(OWNER_URL, migrationsDir(), { serviceUrl: as(`${ROLE}_missing`) })).rejects.toThrow(
      /^Configuration error: .*_missing" \(DATABASE_URL\) does not exist[^\n]*$/,
    );
    await asUser(OWNER_URL, (c) => c.query(`ALTER ROLE "${ROLE}" SUPERUSER`));
    try {
      await expect(migrate(OWNER_URL, migrationsDir(), { serviceUrl: service })).rejects.toThrow(/^Configuration error: .* is a superuser/);
    } finally {
      await asUser(OWNER_URL, (c) => c.query(`ALTER ROLE "${ROLE}" NOSUPERUSER`));
    }
    await asUser(OWNER_URL, (c) => c.query(`CREATE TABLE owned_by_service (id INTEGER); ALTER TABLE owned_by_service OWNER TO "${ROLE}"`));
    try {
      await expect(migrate(OWNER_URL, migrationsDir(), { serviceUrl: service })).rejects.toThrow(
        /^Configuration error: .* owns .*owned_by_service/,
      );
    } finally {
      await asUser(OWNER_URL, (c) => c.query('DROP TABLE owned_by_service'));
    }
  });

  it('takes back at the next start a right given by hand', async () => {
    await asUser(OWNER_URL, (c) => c.query(`GRANT TRUNCATE, UPDATE, DELETE ON workflow_events TO "${ROLE}"`));
    expect((await privilegesOf(OWNER_URL, ROLE)).workflow_events).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']);
    await migrate(OWNER_URL, migrationsDir(), { serviceUrl: service });
    expect((await privilegesOf(OWNER_URL, ROLE)).workflow_events).toEqual(['SELECT', 'INSERT']);
  });
});

describe('a later migration', () => {
  const owner = testDatabaseUrl('dbroles_future');
  let dir: string;
  beforeAll(async () => {
    await dropDatabase(owner);
    dir = mkdtempSync(join(tmpdir(), 'ntm-migrations-'));
    cpSync(migrationsDir(), dir, { recursive: true });
    mkdirSync(join(dir, '29991231000000_later'));
    writeFileSync(join(dir, '29991231000000_later', 'migration.sql'), 'CREATE TABLE "later_things" ("id" TEXT PRIMARY KEY);\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the service's role the row rights on a table the list does not name yet, with a warning", async () => {
    await ensureDatabase(owner);
    const warnings: string[] = [];
    await migrate(owner, dir, { serviceUrl: serviceUrl(owner), warn: (line) => warnings.push(line) });
    expect(warnings.join('\n')).toMatch(/not in SERVICE_GRANTS.*later_things/);
    const privileges = await privilegesOf(owner, ROLE);
    expect(privileges.later_things).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
    expect(privileges.workflow_events).toEqual(['SELECT', 'INSERT']);
    expect(await failure(serviceUrl(owner), 'INSERT INTO later_things VALUES (1)')).toBeNull();
    expect(await failure(serviceUrl(owner), 'TRUNCATE later_things')).toBe('42501');
  });
});

describe('one user for everything (nothing set)', () => {
  it('migrates and serves as that one user', async () => {
    const t = await startTestApp('dbroles_single');
    try {
      expect(t.config.databaseMigrationUrl).toBe(t.config.databaseUrl);
      await t.login(ADMIN.username, ADMIN.password);
    } finally {
      await t.close();
      await dropDatabase(t.config.databaseUrl);
    }
  });

  it('reads DATABASE_MIGRATION_URL, checks its shape and never shows its password', () => {
    expect(loadConfig({}).databaseMigrationUrl).toBe('postgresql://postgres@127.0.0.1:5432/ntm');
    expect(loadConfig({ DATABASE_URL: 'postgresql://svc@db:5432/x' }).databaseMigrationUrl).toBe('postgresql://svc@db:5432/x');
    expect(
      loadConfig({ DATABASE_URL: 'postgresql://svc@db:5432/x', DATABASE_MIGRATION_URL: 'postgresql://owner:pw@db:5432/x' })
        .databaseMigrationUrl,
    ).toBe('postgresql://owner:pw@db:5432/x');
    let error: unknown;
    try {
      loadConfig({ DATABASE_MIGRATION_URL: 'mysql://owner:s3cret-pw@db/x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/DATABASE_MIGRATION_URL/);
    expect((error as Error).message).not.toMatch(/s3cret-pw/);
  });
});

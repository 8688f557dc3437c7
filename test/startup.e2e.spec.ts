import type { INestApplication } from '@nestjs/common';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { resolveJwtSecret } from '../src/auth/jwt-secret.js';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { ensureDatabase, migrate, migrationsDir } from '../src/database/migrator.js';
import { ADMIN, clearRedisPrefix, dropDatabase, startTestApp, testDatabaseUrl, waitFor } from './support/app.js';

const ROOT = process.cwd();
/**
 * The spawned processes run a build of this tree made for these tests: `tsc -p tsconfig.build.json` (what
 * `nest build` runs) into a folder of its own under node_modules/.cache, so a concurrent `npm run build`
 * emptying dist/ cannot pull the files from under them. Node finds the packages from there as from dist/.
 */
const BUILD = join(ROOT, 'node_modules', '.cache', 'ntm-e2e-build');
const MAIN = join(BUILD, 'src', 'main.js');

function migrationFolders(dir = migrationsDir()): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The newest modification time of the files a build is made from (the generated client aside: `npm test` rewrites it). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds when the build is missing or older than the sources, so the spawned processes run this code. */
async function ensureBuild(): Promise<void> {
  const sources = Math.max(
    newestSource(join(ROOT, 'src')),
    existsSync(join(ROOT, 'workflows')) ? newestSource(join(ROOT, 'workflows')) : 0,
    statSync(join(ROOT, 'prisma', 'schema.prisma')).mtimeMs,
    statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs,
  );
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= sources) return;
  rmSync(BUILD, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD],
      { cwd: ROOT, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`the build (tsc -p tsconfig.build.json) failed:\n${stdout}\n${stderr}`)) : resolve(),
    ),
  );
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Spawned {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n] as string]));
}

/** Runs the built `src/main.js` with only the given environment (and PATH), from the project folder. */
function startMain(env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    // PGPASSWORD and REDIS_URL pass through for a PostgreSQL and Redis with passwords (docker-compose.yml).
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...pick(process.env, ['PGPASSWORD', 'REDIS_URL']), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawned: Spawned = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on('data', (d: Buffer) => (spawned.stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (spawned.stderr += d.toString('utf8')));
  return spawned;
}

async function exitWithin(p: Spawned, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p.exit,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`process did not exit within ${ms} ms; stdout: ${p.stdout} stderr: ${p.stderr}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('start-up', () => {
  describe('migrations', () => {
    const url = testDatabaseUrl('startup_migrate');
    beforeAll(async () => dropDatabase(url));
    afterAll(async () => dropDatabase(url));

    it('two processes starting at once against a fresh database create it once and migrate once', async () => {
      const created = await Promise.all([ensureDatabase(url), ensureDatabase(url)]);
      expect(created.filter(Boolean)).toHaveLength(1);

      const folders = migrationFolders();
      expect(folders.length).toBeGreaterThan(0);
      const results = await Promise.all([migrate(url), migrate(url)]);
      // One applied every migration; the other found them applied.
      expect(results.map((r) => r.applied.length).sort((a, b) => a - b)).toEqual([0, folders.length]);
      expect(results.find((r) => r.applied.length)!.applied).toEqual(folders);
      expect(results.find((r) => !r.applied.length)!.alreadyApplied).toBe(folders.length);

      const rows = await query<{
        migration_name: string;
        checksum: string;
        finished_at: Date | null;
        rolled_back_at: Date | null;
        applied_steps_count: number;
        logs: string | null;
      }>(
        url,
        'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows.map((r) => r.migration_name)).toEqual(folders);
      for (const [i, row] of rows.entries()) {
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBe(1);
        expect(row.checksum).toBe(sha256(join(migrationsDir(), folders[i], 'migration.sql')));
      }

      // A later start applies nothing.
      await expect(migrate(url)).resolves.toEqual({ applied: [], alreadyApplied: folders.length });
      expect(await query(url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: folders.length }]);
    });
  });

  describe('a failing migration', () => {
    const url = testDatabaseUrl('startup_failing');
    let dir: string;
    beforeAll(async () => {
      await dropDatabase(url);
      dir = mkdtempSync(join(tmpdir(), 'ntm-migrations-'));
      mkdirSync(join(dir, '001_good'));
      writeFileSync(join(dir, '001_good', 'migration.sql'), 'CREATE TABLE "good" ("id" INTEGER PRIMARY KEY);\n');
      mkdirSync(join(dir, '002_bad'));
      writeFileSync(join(dir, '002_bad', 'migration.sql'), 'CREATE TABLE "half" ("id" INTEGER);\nSELECT * FROM "no_such_table";\n');
    });
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await dropDatabase(url);
    });

    it('is rolled back whole, recorded with its error, and stops later starts until someone resolves it', async () => {
      await ensureDatabase(url);
      await expect(migrate(url, dir)).rejects.toThrow(/migration 002_bad failed: .*no_such_table/);
      const rows = await query<{ migration_name: string; finished_at: Date | null; logs: string | null }>(
        url,
        'SELECT migration_name, finished_at, logs FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows.map((r) => [r.migration_name, r.finished_at !== null])).toEqual([
        ['001_good', true],
        ['002_bad', false],
      ]);
      expect(rows[1].logs).toMatch(/no_such_table/);
      // Nothing of the failed migration stayed.
      expect(await query(url, `SELECT to_regclass('public.half') AS t, to_regclass('public.good') AS g`)).toEqual([{ t: null, g: 'good' }]);
      await expect(migrate(url, dir)).rejects.toThrow(/002_bad failed earlier/);
    });
  });

  describe('configuration', () => {
    it('names the variable in one line for each kind of mistake', () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ PORT: 'abc' }, /PORT/],
        [{ PORT: '70000' }, /PORT/],
        [{ DATABASE_URL: 'mysql://localhost/db' }, /DATABASE_URL/],
        [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL/],
        [{ MAX_UPLOAD_MB: '0' }, /MAX_UPLOAD_MB/],
        [{ PROCESS_ROLE: 'both' }, /PROCESS_ROLE/],
        [{ JWT_SECRET: 'short' }, /JWT_SECRET/],
        [{ NODE_ENV: 'production' }, /JWT_SECRET/],
        [{ MAIL_TRANSPORT: 'smtp' }, /SMTP_URL/],
        [{ ADMIN_USERNAME: 'root' }, /ADMIN_USERNAME and ADMIN_PASSWORD/],
        [{ DEADLINE_OVERRIDES: 'certification.review=3 days' }, /DEADLINE_OVERRIDES/],
        [{ LOGIN_MAX_FAILURES: '0' }, /LOGIN_MAX_FAILURES/],
        [{ LOGIN_MAX_DELAY_SECONDS: '0' }, /LOGIN_MAX_DELAY_SECONDS/],
        [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/],
        [{ TRUST_PROXY: 'loopback,proxy.example' }, /TRUST_PROXY/],
        [{ DEMO: 'yes' }, /DEMO/],
        [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DEMO: 'true' }, /DEMO=true/],
        [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, /AUDIT_KEY is required/],
        [{ AUDIT_KEY: 'short' }, /AUDIT_KEY/],
      ];
      for (const [env, expected] of cases) {
        let error: unknown;
        try {
          loadConfig(env);
        } catch (err) {
          error = err;
        }
        expect({ env, isConfigError: error instanceof ConfigError }).toEqual({ env, isConfigError: true });
        const message = (error as Error).message;
        expect(message).toMatch(expected);
        expect(message.split('\n')).toHaveLength(1);
      }
    });

    it('takes the documented defaults from an empty environment', () => {
      const config = loadConfig({});
      expect(config).toEqual(
        expect.objectContaining({
          port: 3000,
          databaseUrl: 'postgresql://postgres@127.0.0.1:5432/ntm',
          redisUrl: 'redis://127.0.0.1:6379',
          queuePrefix: 'ntm',
          processRole: 'all',
          publicUrl: 'http://localhost:3000',
          storageDir: './data',
          maxUploadBytes: 20 * 1024 * 1024,
          seed: 'plan-136-2019',
        }),
      );
      expect(config.mail).toEqual(expect.objectContaining({ transport: 'file', from: 'NTM <no-reply@localhost>' }));
      expect(config.trustProxy).toEqual([]);
      expect(config.login).toEqual({ maxFailures: 5, maxFailuresPerAddress: 100, lockSeconds: 900, maxDelaySeconds: 60 });
      expect(loadConfig({ TRUST_PROXY: ' 10.0.0.1, 192.168.0.0/16 ,loopback,::1' }).trustProxy).toEqual([
        '10.0.0.1',
        '192.168.0.0/16',
        'loopback',
        '::1',
      ]);
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), AUDIT_KEY: 'k'.repeat(32) }).seed).toBe('none');
      expect(config.demo).toBe(true);
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), AUDIT_KEY: 'k'.repeat(32) }).demo).toBe(false);
      expect(loadConfig({ DEMO: 'false' }).demo).toBe(false);
    });
  });

  describe('the real process (node src/main.js as built)', () => {
    const storage = mkdtempSync(join(tmpdir(), 'ntm-startup-'));
    const url = testDatabaseUrl('startup_processes');
    const spawned: Spawned[] = [];

    beforeAll(async () => {
      await ensureBuild();
      await dropDatabase(url);
      await clearRedisPrefix('test-startup_processes');
    }, 240_000);
    afterAll(async () => {
      for (const p of spawned) {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      }
      await Promise.all(spawned.map((p) => p.exit));
      await dropDatabase(url);
      rmSync(storage, { recursive: true, force: true });
    });

    const run = (env: Record<string, string>) => {
      const p = startMain({ STORAGE_DIR: storage, LOG_LEVEL: 'error', ...env });
      spawned.push(p);
      return p;
    };

    it('PORT=abc: exits non-zero printing one line that names PORT', async () => {
      const p = run({ PORT: 'abc' });
      const { code } = await exitWithin(p, 20_000);
      expect(code).not.toBe(0);
      expect(p.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(p.stderr).toMatch(/PORT/);
      expect(p.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    });

    it('Redis unreachable: exits non-zero with one line naming the address and how to start Redis', async () => {
      const p = run({ DATABASE_URL: url, REDIS_URL: 'redis://127.0.0.1:1' });
      const { code } = await exitWithin(p, 20_000);
      expect(code).not.toBe(0);
      const lines = p.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('Cannot reach Redis at 127.0.0.1:1');
      expect(lines[0]).toMatch(/redis-server|docker compose/);
    });

    it('PostgreSQL unreachable: exits non-zero with one line naming the address and how to start it', async () => {
      const p = run({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/ntm' });
      const { code } = await exitWithin(p, 20_000);
      expect(code).not.toBe(0);
      const lines = p.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('Cannot reach PostgreSQL at 127.0.0.1:1');
    });

    it('two processes starting at once on a fresh database both come up, after one migration and one seed', async () => {
      const ports = [await freePort(), await freePort()];
      const env = {
        DATABASE_URL: url,
        QUEUE_PREFIX: 'test-startup_processes',
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
      };
      const procs = ports.map((port) => run({ ...env, PORT: String(port) }));
      await waitFor(() => procs.every((p) => p.stdout.includes('listening on')) || procs.some((p) => p.child.exitCode !== null), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'both processes to listen',
      });
      expect(procs.map((p) => (p.child.exitCode === null ? 'running' : `exited ${p.child.exitCode}: ${p.stderr}`))).toEqual([
        'running',
        'running',
      ]);

      const folders = migrationFolders();
      const migrations = await query<{ migration_name: string; finished: boolean }>(
        url,
        'SELECT migration_name, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(migrations).toEqual(folders.map((name) => ({ migration_name: name, finished: true })));
      expect(await query(url, 'SELECT (SELECT count(*)::int FROM units) AS units, (SELECT count(*)::int FROM seed_runs) AS seeds')).toEqual(
        [{ units: 213, seeds: 1 }],
      );
      const users = await query<{ username: string }>(url, 'SELECT username FROM users ORDER BY username');
      expect(users.map((u) => u.username)).toEqual([ADMIN.username, 'demo.commune', 'demo.province', 'demo.reviewer'].sort());

      for (const port of ports) {
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        expect(health.status).toBe(200);
        const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ADMIN),
        });
        expect(login.status).toBe(200);
      }

      // Both stop cleanly on SIGTERM.
      for (const p of procs) p.child.kill('SIGTERM');
      for (const p of procs) {
        const { code, signal } = await exitWithin(p, 20_000);
        expect(code === 0 || signal === 'SIGTERM').toBe(true);
      }
    }, 150_000);

    it('a signing key file cut short or replaced by a short one stops the start with one line saying so', async () => {
      const keyUrl = testDatabaseUrl('startup_key');
      await dropDatabase(keyUrl);
      try {
        for (const content of ['', 'forged-key', 'x'.repeat(31)]) {
          const dir = mkdtempSync(join(tmpdir(), 'ntm-key-'));
          try {
            writeFileSync(join(dir, 'jwt-secret'), content);
            const p = run({ DATABASE_URL: keyUrl, QUEUE_PREFIX: 'test-startup_key', STORAGE_DIR: dir, PORT: String(await freePort()) });
            const { code } = await exitWithin(p, 60_000);
            expect(code).not.toBe(0);
            expect(p.stderr.trimEnd().split('\n')).toEqual([
              `Configuration error: the token signing key ${join(dir, 'jwt-secret')} holds ${content.length} characters, fewer than 32: it was cut short or replaced. Delete it to have a new key generated (everyone signs in again), or set JWT_SECRET`,
            ]);
            // The file is left as it was found, for whoever looks into it.
            expect(readFileSync(join(dir, 'jwt-secret'), 'utf8')).toBe(content);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }
      } finally {
        await dropDatabase(keyUrl);
      }
    }, 200_000);

    it('with standard output not a terminal, the first logins are named but their passwords go to a file only its owner reads', async () => {
      const demoUrl = testDatabaseUrl('startup_demo');
      const dir = mkdtempSync(join(tmpdir(), 'ntm-demo-'));
      await dropDatabase(demoUrl);
      await clearRedisPrefix('test-startup_demo');
      try {
        const port = await freePort();
        // No ADMIN_PASSWORD and the default DEMO: four generated passwords.
        const p = run({
          DATABASE_URL: demoUrl,
          QUEUE_PREFIX: 'test-startup_demo',
          STORAGE_DIR: dir,
          PORT: String(port),
          LOG_LEVEL: 'info',
        });
        await waitFor(() => p.stdout.includes('listening on') || p.child.exitCode !== null, {
          timeoutMs: 90_000,
          intervalMs: 100,
          what: 'the process to listen',
        });
        expect(p.child.exitCode).toBeNull();
        const file = join(dir, 'first-logins.txt');
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const logins = new Map(
          readFileSync(file, 'utf8')
            .split('\n')
            .map((line) => /^\s+(\S+)\s+(\S+)\s+[A-Z_]+\s/.exec(line))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => [m[1], m[2]]),
        );
        expect([...logins.keys()].sort()).toEqual(['admin', 'demo.commune', 'demo.province', 'demo.reviewer']);
        const output = p.stdout + p.stderr;
        for (const [username, password] of logins) {
          expect(output).toContain(username);
          expect(output).not.toContain(password);
        }
        expect(output).toContain(`passwords in ${file}`);
        expect(output).toMatch(/DEMO=true \(the default outside production\)/);
        // The passwords in the file are the real ones.
        const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: logins.get('admin') }),
        });
        expect(login.status).toBe(200);
        p.child.kill('SIGTERM');
        await exitWithin(p, 20_000);
      } finally {
        await dropDatabase(demoUrl);
        rmSync(dir, { recursive: true, force: true });
      }
    }, 200_000);
  });

  describe('the generated signing key', () => {
    const dirs: string[] = [];
    const configIn = () => {
      const dir = mkdtempSync(join(tmpdir(), 'ntm-keyfile-'));
      dirs.push(dir);
      return loadConfig({ NODE_ENV: 'test', STORAGE_DIR: join(dir, 'storage') });
    };
    afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

    it('is written whole, readable by its owner only, once for processes starting together, and kept', async () => {
      const config = configIn();
      const keys = await Promise.all([resolveJwtSecret(config), resolveJwtSecret(config), resolveJwtSecret(config)]);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0].length).toBeGreaterThanOrEqual(32);
      const file = join(config.storageDir, 'jwt-secret');
      expect(readFileSync(file, 'utf8')).toBe(keys[0]);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // No temporary file is left beside it.
      expect(readdirSync(config.storageDir)).toEqual(['jwt-secret']);
      await expect(resolveJwtSecret(config)).resolves.toBe(keys[0]);
    });

    it('is refused, not replaced, when the file holds fewer than 32 characters', async () => {
      const config = configIn();
      mkdirSync(config.storageDir);
      const file = join(config.storageDir, 'jwt-secret');
      writeFileSync(file, 'short\n');
      const refused = resolveJwtSecret(config);
      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      await expect(refused).rejects.toThrow(/holds 5 characters, fewer than 32/);
      expect(readFileSync(file, 'utf8')).toBe('short\n');
      // JWT_SECRET, when set, is used instead of the file.
      const secret = 'a-secret-from-the-environment-of-32+';
      await expect(resolveJwtSecret({ ...config, jwt: { ...config.jwt, secret } })).resolves.toBe(secret);
    });
  });

  describe('DEMO=false', () => {
    it('creates no demo account at first start, the seed and the administrator all the same', async () => {
      const t = await startTestApp('startup_nodemo', { DEMO: 'false' });
      try {
        const users = await query<{ username: string }>(t.config.databaseUrl, 'SELECT username FROM users ORDER BY username');
        expect(users.map((u) => u.username)).toEqual([ADMIN.username]);
        expect(await query(t.config.databaseUrl, 'SELECT count(*)::int AS n FROM seed_runs')).toEqual([{ n: 1 }]);
      } finally {
        await t.close();
        await dropDatabase(t.config.databaseUrl);
      }
    });
  });

  describe('an application that cannot finish starting', () => {
    const url = testDatabaseUrl('startup_failed');
    const prefix = 'test-startup_failed';
    const dir = mkdtempSync(join(tmpdir(), 'ntm-failed-'));
    beforeAll(async () => {
      await dropDatabase(url);
      await clearRedisPrefix(prefix);
    });
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await dropDatabase(url);
    });

    it('reports why and releases its database and Redis connections', async () => {
      // First start in production with no administrator configured: refused at bootstrap, after every module opened its connections.
      const config = loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
        AUDIT_KEY: 'a-production-audit-key-of-at-least-32-characters',
        DATABASE_URL: url,
        QUEUE_PREFIX: prefix,
        STORAGE_DIR: dir,
        LOG_LEVEL: 'silent',
      });
      await prepareDatabase(config);
      await expect(createApp(config)).rejects.toThrow(/ADMIN_USERNAME and ADMIN_PASSWORD are required/);

      const admin = testDatabaseUrl('startup_failed').replace(/\/[^/]+$/, '/postgres');
      await waitFor(
        async () =>
          (
            await query<{ n: number }>(admin, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
              'ntm_test_startup_failed',
            ])
          )[0].n === 0,
        { timeoutMs: 10_000, what: 'the failed application to close its database connections' },
      );
      const { Redis } = await import('ioredis');
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
      try {
        await waitFor(
          async () => {
            const clients = String(await redis.call('CLIENT', 'LIST'));
            return !clients.split('\n').some((line) => line.includes(`name=${prefix}`));
          },
          { timeoutMs: 10_000, what: 'the failed application to close its Redis connections' },
        );
      } finally {
        redis.disconnect();
      }
    });

    it('the real process prints that reason in one line and exits non-zero', async () => {
      await ensureBuild();
      await dropDatabase(url);
      const p = startMain({
        NODE_ENV: 'production',
        JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
        AUDIT_KEY: 'a-production-audit-key-of-at-least-32-characters',
        DATABASE_URL: url,
        QUEUE_PREFIX: prefix,
        STORAGE_DIR: dir,
        LOG_LEVEL: 'silent',
      });
      const { code } = await exitWithin(p, 30_000);
      expect(code).not.toBe(0);
      const lines = p.stderr.trimEnd().split('\n');
      expect(lines).toEqual([expect.stringMatching(/^Configuration error: ADMIN_USERNAME and ADMIN_PASSWORD are required/)]);
    }, 240_000);
  });

  describe('two applications starting at once on a fresh database without a seed', () => {
    const url = testDatabaseUrl('startup_noseed');
    const apps: INestApplication[] = [];
    const dirs: string[] = [];
    beforeAll(async () => {
      await dropDatabase(url);
      await clearRedisPrefix('test-startup_noseed');
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await dropDatabase(url);
    });

    it('both start, with one root unit and one administrator', async () => {
      const configFor = () => {
        const dir = mkdtempSync(join(tmpdir(), 'ntm-noseed-'));
        dirs.push(dir);
        return loadConfig({
          NODE_ENV: 'test',
          DATABASE_URL: url,
          QUEUE_PREFIX: 'test-startup_noseed',
          STORAGE_DIR: dir,
          LOG_LEVEL: 'silent',
          SEED: 'none',
          ADMIN_USERNAME: ADMIN.username,
          ADMIN_PASSWORD: ADMIN.password,
        });
      };
      const configs = [configFor(), configFor()];
      await prepareDatabase(configs[0]);

      // Hold writes to units until both applications are waiting on a lock, so their first-start work
      // overlaps for certain instead of by chance: each must either wait for the other or find its work done.
      const blocker = new pg.Client({ connectionString: url });
      await blocker.connect();
      let results: PromiseSettledResult<INestApplication>[];
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE units IN EXCLUSIVE MODE');
        const starting = Promise.allSettled(
          configs.map(async (config) => {
            await prepareDatabase(config);
            const app = await createApp(config);
            apps.push(app);
            return app;
          }),
        );
        await waitFor(
          async () => {
            // From another connection: inside the blocker's transaction pg_stat_activity would stay a snapshot.
            const [{ n }] = await query<{ n: number }>(
              url,
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return n >= 2;
          },
          { timeoutMs: 30_000, intervalMs: 50, what: 'both applications to wait on a lock' },
        );
        await blocker.query('COMMIT');
        results = await starting;
      } finally {
        await blocker.end();
      }
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual(['started', 'started']);
      expect(await query(url, 'SELECT code, level FROM units')).toEqual([{ code: 'ROOT', level: 'PROVINCE' }]);
      expect(await query(url, 'SELECT username, role FROM users')).toEqual([{ username: ADMIN.username, role: 'ADMIN' }]);
    });
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, clearRedisPrefix, dropDatabase, testDatabaseUrl, testQueuePrefix, waitFor } from './support/app.js';
import { freePort } from './support/service-process.js';
import { transpileForNode } from './support/transpile.js';

/**
 * `npm run cluster` as an operator runs it: the supervisor (src/cluster/supervisor.ts) with two API processes on
 * one port and a worker, each logging to its own file; a rolling restart (SIGHUP) under a steady stream of
 * requests loses none of them; SIGTERM stops every process cleanly.
 */
const NAME = 'cluster';

function call(port: number, path: string, auth?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: auth ? { Authorization: auth } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

function login(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username: ADMIN.username, password: ADMIN.password });
    const req = request(
      { host: '127.0.0.1', port, path: '/auth/login', method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(`Bearer ${JSON.parse(text).accessToken}`) : reject(new Error(text))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('npm run cluster', () => {
  let supervisor: ChildProcess | undefined;
  let storage: string;
  const built: { cleanup: () => void }[] = [];

  afterAll(async () => {
    supervisor?.kill('SIGKILL');
    for (const b of built) b.cleanup();
    if (storage) rmSync(storage, { recursive: true, force: true });
  });

  it('runs two APIs on one port and a worker, restarts them one at a time under load without losing a request, and stops cleanly', async () => {
    const url = testDatabaseUrl(NAME);
    const prefix = testQueuePrefix(NAME);
    await dropDatabase(url);
    await clearRedisPrefix(prefix, 'redis://127.0.0.1:6379');
    const main = transpileForNode('src/main.ts');
    const sup = transpileForNode('src/cluster/supervisor.ts');
    built.push(main, sup);
    storage = mkdtempSync(join(tmpdir(), 'ntm-cluster-'));
    const port = await freePort();
    let out = '';
    supervisor = spawn(process.execPath, [sup.main], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: url,
        QUEUE_PREFIX: prefix,
        STORAGE_DIR: storage,
        PORT: String(port),
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        CLUSTER_APIS: '2',
        CLUSTER_WORKERS: '1',
        CLUSTER_ENTRY: main.main,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    supervisor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    supervisor.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    await waitFor(async () => out.includes('2 API and 1 worker processes running'), { timeoutMs: 60_000, intervalMs: 200, what: out });

    // Connections are shared out between the two API processes: each logs requests it served.
    for (let i = 0; i < 20; i++) expect(await call(port, '/health')).toBe(200);
    const logs = join(storage, 'logs');
    for (const name of ['api-1', 'api-2', 'worker-1']) expect(existsSync(join(logs, `${name}.log`))).toBe(true);
    await waitFor(async () => ['api-1', 'api-2'].every((n) => readFileSync(join(logs, `${n}.log`), 'utf8').includes('/health')), {
      timeoutMs: 5000,
      what: 'both APIs to serve /health',
    });

    // A steady stream of signed-in requests while every process is restarted, one at a time.
    const auth = await login(port);
    // A request that reaches an API process as it closes is answered 503 (Retry-After), which a client retries; a
    // connection refused or reset would be a lost request.
    const statuses: number[] = [];
    const refused: number[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        let status = await call(port, '/auth/me', auth);
        for (let retry = 0; status === 503 && retry < 5; retry++) {
          refused.push(status);
          await new Promise((r) => setTimeout(r, 100));
          status = await call(port, '/auth/me', auth);
        }
        statuses.push(status);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    supervisor.kill('SIGHUP');
    await waitFor(async () => out.includes('rolling restart done'), { timeoutMs: 90_000, intervalMs: 200, what: 'the rolling restart' });
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await load;
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(out).toMatch(/api-1 restarted[\s\S]*api-2 restarted[\s\S]*worker-1 restarted/);

    supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('stopped (exit codes 0, 0, 0)');
    supervisor = undefined;
  }, 180_000);
});

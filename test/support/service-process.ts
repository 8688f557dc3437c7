import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, waitFor } from './app.js';
import { transpileForNode } from './transpile.js';

/** The service (src/main.ts) in a process of its own, as `npm start` runs it, for tests that cut its dependencies or signal it. */
export interface ServiceProcess {
  child: ChildProcess;
  role: 'api' | 'worker';
  /** http://127.0.0.1:<port> (API role). */
  url: string;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

let built: { main: string; cleanup: () => void } | null = null;
const storage: string[] = [];

/** Transpiles src/main.ts once per test file. */
function entry(): string {
  built ??= transpileForNode('src/main.ts');
  return built.main;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the service with PROCESS_ROLE `role` and the given environment (DATABASE_URL, REDIS_URL, QUEUE_PREFIX…);
 * resolves once it says it is listening (API) or running (worker).
 */
export async function startService(role: 'api' | 'worker', env: Record<string, string>): Promise<ServiceProcess> {
  const port = role === 'api' ? await freePort() : 0;
  const dir = mkdtempSync(join(tmpdir(), `ntm-service-`));
  storage.push(dir);
  const child = spawn(process.execPath, [entry()], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      STORAGE_DIR: dir,
      PROCESS_ROLE: role,
      PORT: String(port || 3000),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const p: ServiceProcess = {
    child,
    role,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exit,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
  const started = waitFor(() => /NTM Workflow (listening|worker running)/.test(output), {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: `the ${role} process to start`,
  });
  await Promise.race([started, exit.then(() => Promise.reject(new Error(`the ${role} process exited at start:\n${output}`)))]);
  return p;
}

/** Stops what is still running (SIGKILL after `graceMs`) and removes the transpiled code and storage folders. */
export async function stopServices(list: ServiceProcess[], graceMs = 15_000): Promise<void> {
  for (const p of list) if (p.alive()) p.child.kill('SIGTERM');
  const timer = setTimeout(() => list.forEach((p) => p.alive() && p.child.kill('SIGKILL')), graceMs);
  await Promise.all(list.map((p) => p.exit));
  clearTimeout(timer);
  for (const d of storage.splice(0)) rmSync(d, { recursive: true, force: true });
  built?.cleanup();
  built = null;
}

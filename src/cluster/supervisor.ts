/**
 * `npm run cluster`: the service as several processes on one machine, without Docker. CLUSTER_APIS processes
 * with PROCESS_ROLE=api share one port (Node's cluster module hands each new connection to the next of them, so
 * no proxy is needed on one machine) and CLUSTER_WORKERS processes run PROCESS_ROLE=worker. Each process writes
 * to its own log in CLUSTER_LOG_DIR (api-1.log, worker-1.log...). A process that dies is started again after a
 * second. SIGHUP restarts every process, one at a time: a new API is listening before the old one is asked to
 * stop, and the old one finishes what it has in flight (see lifecycle/graceful-stop.ts). SIGTERM or SIGINT stops
 * them all the same way, then the supervisor exits.
 */
import cluster, { type Worker } from 'node:cluster';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const apis = Number(process.env.CLUSTER_APIS ?? 2);
const workers = Number(process.env.CLUSTER_WORKERS ?? 2);
const logDir = resolve(process.env.CLUSTER_LOG_DIR ?? join(process.env.STORAGE_DIR ?? './data', 'logs'));
const entry = resolve(process.env.CLUSTER_ENTRY ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'main.js'));
const RESTART_MS = 1000;

type Member = { name: string; role: 'api' | 'worker'; stop: () => void; exited: Promise<number | null>; ready: Promise<void> };

const say = (line: string) => process.stdout.write(`[cluster] ${line}\n`);
let stopping = false;
const members = new Map<string, Member>();

function log(name: string): WriteStream {
  mkdirSync(logDir, { recursive: true });
  return createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
}

function startApi(name: string): Member {
  const out = log(name);
  const worker: Worker = cluster.fork({ PROCESS_ROLE: 'api', NTM_CLUSTER_MEMBER: name });
  worker.process.stdout?.pipe(out);
  worker.process.stderr?.pipe(out);
  const ready = new Promise<void>((res) => worker.once('listening', () => res()));
  const exited = new Promise<number | null>((res) => worker.once('exit', (code) => res(code)));
  return { name, role: 'api', stop: () => worker.process.kill('SIGTERM'), exited, ready };
}

function startWorker(name: string): Member {
  const out = log(name);
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, entry], {
    env: { ...process.env, PROCESS_ROLE: 'worker', NTM_CLUSTER_MEMBER: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const ready = new Promise<void>((res) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('worker running') && res()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { name, role: 'worker', stop: () => child.kill('SIGTERM'), exited, ready };
}

/** Starts one member and keeps it running: started again a second after it dies, unless it was asked to stop. */
function run(name: string, role: 'api' | 'worker'): Member {
  const member = role === 'api' ? startApi(name) : startWorker(name);
  members.set(name, member);
  void member.exited.then((code) => {
    if (members.get(name) !== member || stopping) return;
    say(`${name} exited (${code}); starting it again in ${RESTART_MS / 1000} s`);
    setTimeout(() => !stopping && members.get(name) === member && run(name, role), RESTART_MS);
  });
  return member;
}

/** Replaces every member, one at a time: the new one ready before the old one stops. */
async function rollingRestart(): Promise<void> {
  for (const [name, old] of [...members]) {
    if (stopping) return;
    members.delete(name);
    const fresh = run(name, old.role);
    await fresh.ready;
    old.stop();
    await old.exited;
    say(`${name} restarted`);
  }
  say('rolling restart done');
}

async function stopAll(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`stopping every process (${signal})`);
  const all = [...members.values()];
  for (const m of all) m.stop();
  const codes = await Promise.all(all.map((m) => m.exited));
  say(`stopped (exit codes ${codes.join(', ')})`);
  process.exit(codes.every((c) => c === 0) ? 0 : 1);
}

cluster.setupPrimary({ exec: entry, execArgv: process.execArgv, silent: true });
mkdirSync(logDir, { recursive: true });
for (let i = 1; i <= apis; i++) run(`api-${i}`, 'api');
for (let i = 1; i <= workers; i++) run(`worker-${i}`, 'worker');
void Promise.all([...members.values()].map((m) => m.ready)).then(() =>
  say(`${apis} API and ${workers} worker processes running; logs in ${logDir}; port ${process.env.PORT ?? 3000}`),
);
let restarting: Promise<void> | null = null;
process.on('SIGHUP', () => {
  restarting ??= rollingRestart().finally(() => (restarting = null));
});
process.once('SIGTERM', () => void stopAll('SIGTERM'));
process.once('SIGINT', () => void stopAll('SIGINT'));

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clearRedisPrefix, dropDatabase, testDatabaseUrl, testQueuePrefix, waitFor } from './support/app.js';
import { startService, stopServices, type ServiceProcess } from './support/service-process.js';

/**
 * Bad traffic against the service as it runs in production (src/main.ts in a process of its own, PROCESS_ROLE=api):
 * hundreds of connections sending their headers a byte at a time (slowloris), malformed JSON and bodies over the
 * limit, all at once. The service keeps answering /health within a second, cuts the slow connections after
 * HEADERS_TIMEOUT_SECONDS, answers each bad body with its 4xx, and its memory grows by less than the bound the
 * README states (100 MB).
 *
 * The attackers and the health probe run in processes of their own, and so does the service: what is timed is the
 * service's answer, not a pause of the test runner's own (large, garbage-collected) heap.
 */
const SLOW = 300;
const MALFORMED = 300;
const OVERSIZED = 100;

/**
 * The attackers: SLOW connections sending a header byte every 300 ms and never the blank line (prints "connected"
 * once all are open and "slow closed" once the service has cut every one); on "go" on stdin, MALFORMED bodies of
 * broken JSON and OVERSIZED bodies over the 100 KB limit, all at once (prints "answers" and their statuses).
 */
const ATTACKER = `
import { connect } from 'node:net';
import { request } from 'node:http';
const port = Number(process.env.PORT);
const closed = [];
let open = 0;
for (let i = 0; i < Number(process.env.SLOW); i++) {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  closed.push(new Promise((r) => s.on('close', r)));
  s.on('connect', () => {
    s.write('GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nX-Slow-' + i + ': ');
    const t = setInterval(() => (s.writable ? s.write('a') : clearInterval(t)), 300);
    s.on('close', () => clearInterval(t));
    if (++open === Number(process.env.SLOW)) console.log('connected');
  });
}
const post = (body) => new Promise((resolve) => {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/auth/login', agent: false,
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
  req.on('error', () => resolve(0));
  req.end(body);
});
await new Promise((r) => process.stdin.once('data', r));
process.stdin.destroy();
const malformed = Array.from({ length: Number(process.env.MALFORMED) }, () => post('{"username": "a", "password": '));
const oversized = Array.from({ length: Number(process.env.OVERSIZED) }, () =>
  post(JSON.stringify({ username: 'a', password: 'x'.repeat(150 * 1024) })));
console.log('answers ' + JSON.stringify({ malformed: await Promise.all(malformed), oversized: await Promise.all(oversized) }));
await Promise.all(closed);
console.log('slow closed');
`;

/** The probe: on "go" on stdin, GET /health ten times, each on a fresh connection, 100 ms apart (prints "health" and each status and time). */
const PROBE = `
import { request } from 'node:http';
const port = Number(process.env.PORT);
const call = () => new Promise((resolve) => {
  const started = performance.now();
  const req = request({ host: '127.0.0.1', port, path: '/health', agent: false },
    (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode, ms: Math.round(performance.now() - started) })); });
  req.on('error', (e) => resolve({ status: 0, ms: Math.round(performance.now() - started), error: e.message }));
  req.end();
});
await new Promise((r) => process.stdin.once('data', r));
process.stdin.destroy();
const health = [];
for (let i = 0; i < 10; i++) {
  health.push(await call());
  await new Promise((r) => setTimeout(r, 100));
}
console.log('health ' + JSON.stringify(health));
`;

/** The resident memory of a process, in MB (Linux's /proc). */
function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

describe('bad traffic', () => {
  const NAME = 'bad_traffic';
  const database = testDatabaseUrl(NAME);
  const prefix = testQueuePrefix(NAME);
  let api: ServiceProcess;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await dropDatabase(database);
    await clearRedisPrefix(prefix, 'redis://127.0.0.1:6379');
    api = await startService('api', { DATABASE_URL: database, QUEUE_PREFIX: prefix, HEADERS_TIMEOUT_SECONDS: '2' });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await stopServices(api ? [api] : []);
  });

  /** A script in a node process of its own, with its stdout collected; `report(what)` waits for a line it prints. */
  function run(script: string, env: Record<string, string>) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, PORT: new URL(api.url).port, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    return {
      go: () => child.stdin!.write('go\n'),
      report: async (what: string) => {
        await waitFor(async () => out.includes(what), { timeoutMs: 20000, intervalMs: 20, what });
        return new RegExp(`${what} (.*)`).exec(out)?.[1] ?? '';
      },
    };
  }

  it('keeps answering health within a second, cuts slow senders and refuses bad bodies, within its memory bound', async () => {
    const warm = run(PROBE, {});
    warm.go();
    await warm.report('health');
    const rssBefore = rssMb(api.child.pid!);

    const attacker = run(ATTACKER, { SLOW: String(SLOW), MALFORMED: String(MALFORMED), OVERSIZED: String(OVERSIZED) });
    const probe = run(PROBE, {});
    await attacker.report('connected');
    // The burst of bad bodies and the health probe start together, while the slow senders hold their connections.
    attacker.go();
    probe.go();
    const health = JSON.parse(await probe.report('health')) as { status: number; ms: number }[];
    const answers = JSON.parse(await attacker.report('answers')) as { malformed: number[]; oversized: number[] };
    expect(health.map((h) => h.status)).toEqual(Array(10).fill(200));
    expect(Math.max(...health.map((h) => h.ms))).toBeLessThan(1000);
    expect(answers.malformed).toEqual(Array(MALFORMED).fill(400));
    expect(answers.oversized).toEqual(Array(OVERSIZED).fill(413));

    // The slow senders are cut by the service (HEADERS_TIMEOUT_SECONDS=2, checked every second).
    await attacker.report('slow closed');
    expect(rssMb(api.child.pid!) - rssBefore).toBeLessThan(100);
    const after = run(PROBE, {});
    after.go();
    expect((JSON.parse(await after.report('health')) as { status: number }[]).map((h) => h.status)).toEqual(Array(10).fill(200));
    expect(api.alive()).toBe(true);
  }, 90_000);
});

import { request as httpRequest } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './support/service-process.js';
import { startTestApp, waitFor, type TestApp } from './support/app.js';

/**
 * Bad traffic against a listening service: hundreds of connections sending their headers a byte at a time
 * (slowloris), malformed JSON and bodies over the limit, all at once. The service keeps answering /health within
 * a second, cuts the slow connections after HEADERS_TIMEOUT_SECONDS, answers each bad body with its 4xx, and its
 * memory grows by less than the bound the README states (100 MB).
 */
const SLOW = 300;
const MALFORMED = 300;
const OVERSIZED = 100;

/**
 * The attackers: SLOW connections sending a header byte every 300 ms and never the blank line (prints
 * "connected" once all are open and "slow closed" once the service has cut every one), then MALFORMED bodies of
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
const malformed = Array.from({ length: Number(process.env.MALFORMED) }, () => post('{"username": "a", "password": '));
const oversized = Array.from({ length: Number(process.env.OVERSIZED) }, () =>
  post(JSON.stringify({ username: 'a', password: 'x'.repeat(150 * 1024) })));
console.log('answers ' + JSON.stringify({ malformed: await Promise.all(malformed), oversized: await Promise.all(oversized) }));
await Promise.all(closed);
console.log('slow closed');
`;

function call(port: number, method: string, path: string, body?: string | Buffer): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('bad traffic', () => {
  let t: TestApp;
  let port: number;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp('bad_traffic', { HEADERS_TIMEOUT_SECONDS: '2' });
    await t.app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await t?.close();
  });

  it('keeps answering health within a second, cuts slow senders and refuses bad bodies, within its memory bound', async () => {
    for (let i = 0; i < 20; i++) expect((await call(port, 'GET', '/health')).status).toBe(200);
    const rssBefore = process.memoryUsage().rss;

    // The attackers run in a process of their own, so that their work does not hold this one's event loop.
    const attacker = spawn(process.execPath, ['--input-type=module', '-e', ATTACKER], {
      env: { ...process.env, PORT: String(port), SLOW: String(SLOW), MALFORMED: String(MALFORMED), OVERSIZED: String(OVERSIZED) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(attacker);
    let out = '';
    attacker.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const report = (what: string) => waitFor(async () => out.includes(what), { timeoutMs: 20000, intervalMs: 20, what });
    await report('connected');
    // Health, meanwhile, one fresh connection at a time.
    const health: { status: number; ms: number }[] = [];
    for (let i = 0; i < 10; i++) {
      health.push(await call(port, 'GET', '/health'));
      await new Promise((r) => setTimeout(r, 100));
    }
    await report('answers');
    const answers = JSON.parse(/answers (.*)/.exec(out)![1]) as { malformed: number[]; oversized: number[] };
    expect(health.map((h) => h.status)).toEqual(Array(10).fill(200));
    expect(Math.max(...health.map((h) => h.ms))).toBeLessThan(1000);
    expect(answers.malformed).toEqual(Array(MALFORMED).fill(400));
    expect(answers.oversized).toEqual(Array(OVERSIZED).fill(413));

    // The slow senders are cut by the service (HEADERS_TIMEOUT_SECONDS=2, checked every second).
    await report('slow closed');
    const grown = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    expect(grown).toBeLessThan(100);
    expect((await call(port, 'GET', '/health')).status).toBe(200);
  }, 60_000);
});

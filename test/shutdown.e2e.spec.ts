import http from 'node:http';
import { Queue } from 'bullmq';
import pg from 'pg';
import request from 'supertest';
import { redisConnection } from '../src/redis/redis-client.js';
import { ADMIN, clearRedisPrefix, dropDatabase, testDatabaseUrl, testQueuePrefix, waitFor, type TestApp } from './support/app.js';
import { createUser, unitsByCode } from './support/fixtures.js';
import { deliveriesOf, emitNotify, outboxStatus, startSmtpServer, unit, type TestSmtpServer } from './support/notifications.js';
import { startService, stopServices, type ServiceProcess } from './support/service-process.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request on `agent` (keep-alive), answered or failed with its error code. */
function call(url: string, agent: http.Agent, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, agent, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * SIGTERM on the service's processes: an API process stops taking connections, answers what is in flight, closes
 * idle keep-alive connections and exits 0 within SHUTDOWN_TIMEOUT_SECONDS; a worker finishes its active job (an
 * email held mid-send) before it exits 0, leaving no job active and nothing sent twice.
 */
describe('graceful stop', () => {
  const NAME = 'shutdown';
  const database = testDatabaseUrl(NAME);
  const prefix = testQueuePrefix(NAME);
  const env = { DATABASE_URL: database, QUEUE_PREFIX: prefix, SHUTDOWN_TIMEOUT_SECONDS: '10' };
  const processes: ServiceProcess[] = [];
  let db: pg.Pool;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    await dropDatabase(database);
    await clearRedisPrefix(prefix, 'redis://127.0.0.1:6379');
    smtp = await startSmtpServer();
    db = new pg.Pool({ connectionString: database, max: 3 });
  });

  afterAll(async () => {
    await stopServices(processes);
    await db?.end();
    await smtp?.close();
  });

  async function signIn(api: ServiceProcess) {
    const t = {
      http: request(api.url),
      login: async (username: string, password: string) =>
        `Bearer ${(await request(api.url).post('/auth/login').send({ username, password }).expect(200)).body.accessToken}`,
    } as unknown as TestApp;
    const admin = await t.login(ADMIN.username, ADMIN.password);
    const units = await unitsByCode(t, admin);
    return { t, admin, units };
  }

  it('an API process answers the request in flight (200, Connection: close), refuses new connections, and exits 0', async () => {
    const api = await startService('api', env);
    processes.push(api);
    const { t, admin, units } = await signIn(api);
    const commune = (await createUser(t, admin, { role: 'COMMUNE_STAFF', unitId: units.get('LS-DL-01')!.id })).auth;
    const created = await request(api.url)
      .post('/dossiers')
      .set('Authorization', commune)
      .send({ villageId: units.get('LS-DL-01-01')!.id, year: 2026 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // An idle keep-alive connection, as a browser or a load balancer keeps.
    const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await call(api.url, idleAgent, 'GET', '/health')).status).toBe(200);
    const idleSocket = Object.values(idleAgent.freeSockets).flat()[0]!;
    let idleClosed = false;
    idleSocket.once('close', () => (idleClosed = true));

    // A slow request: its criterion row is locked by this test, so it waits in the database.
    const lock = new pg.Client({ connectionString: database });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query(`SELECT 1 FROM dossier_criteria WHERE dossier_id = $1 AND code = 1 FOR UPDATE`, [id]);
    const slowAgent = new http.Agent({ keepAlive: true });
    const slow = call(
      api.url,
      slowAgent,
      'PUT',
      `/dossiers/${id}/criteria/1`,
      { Authorization: commune },
      { met: true, note: 'trong lúc dừng' },
    );
    await waitFor(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%dossier_criteria%'`,
          )
        ).rowCount! > 0,
      { what: 'the PUT to wait on the lock' },
    );

    const signalled = Date.now();
    api.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // New connections are refused (or answered 503); the idle keep-alive one is closed.
    const fresh = await call(api.url, new http.Agent({ keepAlive: false }), 'GET', '/health').then(
      (a) => a.status,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect([503, 'ECONNREFUSED']).toContain(fresh);
    await waitFor(() => idleClosed, { timeoutMs: 3000, what: 'the idle keep-alive connection to be closed' });
    await new Promise((r) => setTimeout(r, 500));
    expect(api.alive()).toBe(true); // still answering the request in flight

    await lock.query('ROLLBACK');
    await lock.end();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(await api.exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    const { rows } = await db.query(`SELECT met, note FROM dossier_criteria WHERE dossier_id = $1 AND code = 1`, [id]);
    expect(rows[0]).toEqual({ met: true, note: 'trong lúc dừng' });
    slowAgent.destroy();
    idleAgent.destroy();
  }, 90_000);

  it('a worker stopped mid-send finishes the job first: exits 0, no job left active, every message sent once', async () => {
    const api = await startService('api', { ...env, MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url });
    processes.push(api);
    const worker = await startService('worker', { ...env, MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url });
    processes.push(worker);
    const { t, admin, units } = await signIn(api);
    await db.query(`UPDATE users SET active = false WHERE username LIKE 'demo.%'`);
    const readers = [
      await createUser(t, admin, { role: 'COMMUNE_STAFF', unitId: units.get('LS-DL-01')!.id }),
      await createUser(t, admin, { role: 'COMMUNE_STAFF', unitId: units.get('LS-DL-01')!.id }),
    ].map((r) => (r.user as { email: string }).email);
    const village = await unit(db, 'LS-DL-01-02');
    const commune = (await createUser(t, admin, { role: 'COMMUNE_STAFF', unitId: units.get('LS-DL-01')!.id })).auth;
    const created = await request(api.url).post('/dossiers').set('Authorization', commune).send({ villageId: village.id, year: 2026 });
    expect(created.status).toBe(201);

    let arrived!: () => void;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    smtp.verdict = (m) => {
      if (m.to.includes(readers[0]) && m.parsed.headers.get('x-ntm-template') === 'dossier_certified') {
        arrived();
        return 'hold';
      }
      return 'accept';
    };
    const { outboxId } = await emitNotify(db, {
      subjectType: 'dossier',
      subjectId: created.body.id,
      unitPath: village.path,
      template: 'dossier_certified',
      to: ['commune'],
    });
    await held; // the worker's relay enqueued it and the worker is mid-send
    worker.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.alive()).toBe(true);
    smtp.release('accept');
    expect(await worker.exit).toEqual({ code: 0, signal: null });
    expect(await outboxStatus(db, outboxId)).toBe('done');
    const rows = await deliveriesOf(db, outboxId);
    expect(rows.filter((r) => readers.includes(r.email)).map((r) => [r.status, r.attempts, r.resends])).toEqual([
      ['sent', 1, 0],
      ['sent', 1, 0],
    ]);
    for (const email of readers) expect(smtp.accepted.filter((m) => m.to.includes(email))).toHaveLength(1);
    const queue = new Queue('notifications', { connection: redisConnection('redis://127.0.0.1:6379'), prefix });
    try {
      expect(await queue.getJobCounts('active', 'wait', 'delayed')).toEqual({ active: 0, wait: 0, delayed: 0 });
    } finally {
      await queue.close();
    }
    smtp.verdict = () => 'accept';
  }, 90_000);
});

import pg from 'pg';
import request from 'supertest';
import { ADMIN, clearRedisPrefix, dropDatabase, testDatabaseUrl, testQueuePrefix, waitFor, type TestApp } from './support/app.js';
import { assessAll, draftDossier, getDossier, sendEvent, waitForState, type Kit } from './support/certification-kit.js';
import { createUser, unitsByCode } from './support/fixtures.js';
import { startService, stopServices, type ServiceProcess } from './support/service-process.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * The built service as an API process and a worker process, both reaching PostgreSQL and Redis through TCP proxies
 * that the test cuts (every socket destroyed, new ones refused) and restores: no process exits, requests meanwhile
 * get 503 with Retry-After and nothing of them is applied, /health is 200 again within seconds, every connection
 * (pool, LISTEN, BullMQ, the app's Redis) comes back by itself, and a timer queued before the cut still fires,
 * also when Redis comes back empty.
 */
describe('outage: PostgreSQL and Redis cut under running API and worker processes', () => {
  const NAME = 'outage';
  const database = testDatabaseUrl(NAME);
  const prefix = testQueuePrefix(NAME);
  const pgProxy = new TcpProxy('127.0.0.1', 5432);
  const redisProxy = new TcpProxy('127.0.0.1', 6379);
  const processes: ServiceProcess[] = [];
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let k: Kit;
  let db: pg.Pool;
  let commune: string;

  beforeAll(async () => {
    await dropDatabase(database);
    await clearRedisPrefix(prefix, 'redis://127.0.0.1:6379');
    const pgPort = await pgProxy.start();
    const redisPort = await redisProxy.start();
    const env = {
      DATABASE_URL: database.replace(':5432/', `:${pgPort}/`),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      QUEUE_PREFIX: prefix,
      DEADLINE_OVERRIDES: 'certification.consultation=PT8S',
      // Only a reconnect may trigger the reconciler within this test's time.
      RECONCILE_SECONDS: '3600',
    };
    api = await startService('api', env);
    processes.push(api);
    worker = await startService('worker', env);
    processes.push(worker);
    db = new pg.Pool({ connectionString: database, max: 2 });
    const http = request(api.url);
    const login = async (username: string, password: string) => {
      const res = await request(api.url).post('/auth/login').send({ username, password });
      if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
      return `Bearer ${res.body.accessToken}`;
    };
    const t = { http, login } as unknown as TestApp;
    const admin = await login(ADMIN.username, ADMIN.password);
    const units = await unitsByCode(t, admin);
    k = { t, admin, units, db, unit: (code: string) => units.get(code)! } as unknown as Kit;
    commune = (await createUser(t, admin, { role: 'COMMUNE_STAFF', unitId: units.get('LS-DL-01')!.id })).auth;
  }, 120_000);

  afterAll(async () => {
    await pgProxy.start();
    await redisProxy.start();
    await stopServices(processes);
    await db?.end();
    await pgProxy.stop();
    await redisProxy.stop();
  });

  /** A dossier in consultation whose timer (due in 8 s) the relay has handed to Redis. */
  async function consultationQueued(village: string): Promise<string> {
    const id = await draftDossier(k, commune, village);
    await assessAll(k, commune, id);
    expect((await sendEvent(k, commune, id, { type: 'OPEN_CONSULTATION' })).status).toBe(200);
    await waitFor(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM workflow_timers t JOIN workflow_instances i ON i.id = t.instance_id
              WHERE i.subject_id = $1 AND t.status = 'pending' AND t.dispatched_at IS NOT NULL`,
            [id],
          )
        ).rowCount === 1,
      { what: 'the consultation timer in Redis' },
    );
    return id;
  }

  async function healthyWithin(ms: number): Promise<number> {
    const started = Date.now();
    await waitFor(async () => (await request(api.url).get('/health')).status === 200, {
      timeoutMs: ms,
      intervalMs: 100,
      what: 'GET /health to answer 200 again',
    });
    return Date.now() - started;
  }

  const listeners = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ntm_relay'`))
      .rows[0].n as number;

  it('both cut for 5 s: 503 with Retry-After meanwhile and nothing applied; every connection back within seconds; the timer fires', async () => {
    const id = await consultationQueued('LS-DL-01-01');
    expect(await listeners()).toBe(1);

    await Promise.all([pgProxy.stop(), redisProxy.stop()]);
    const cutAt = Date.now();
    // Requests while both are away: 503, Retry-After, a message in Vietnamese; none of them written.
    await waitFor(async () => (await request(api.url).get('/health')).status === 503, { what: 'GET /health to answer 503' });
    const answers = [
      await request(api.url).get(`/dossiers/${id}`).set('Authorization', commune).set('Accept-Language', 'vi'),
      await request(api.url)
        .put(`/dossiers/${id}/criteria/1`)
        .set('Authorization', commune)
        .set('Accept-Language', 'vi')
        .send({ met: false, note: 'ghi trong lúc gián đoạn' }),
      await request(api.url).post('/auth/login').send(ADMIN).set('Accept-Language', 'vi'),
    ];
    for (const res of answers) {
      expect([res.status, res.headers['retry-after']]).toEqual([503, '5']);
      expect(res.body).toEqual(expect.objectContaining({ statusCode: 503, message: expect.stringMatching(/tạm thời gián đoạn/) }));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 5000 - (Date.now() - cutAt))));
    expect([api.alive(), worker.alive()]).toEqual([true, true]);

    await Promise.all([pgProxy.start(), redisProxy.start()]);
    expect(await healthyWithin(5000)).toBeLessThan(5000);
    expect([api.alive(), worker.alive()]).toEqual([true, true]);
    // The 503'd write left nothing behind.
    const after = await getDossier(k, commune, id);
    expect(after.status).toBe(200);
    expect(JSON.stringify(after.body)).not.toContain('ghi trong lúc gián đoạn');
    // The relay's LISTEN connection is made again, not left dead.
    await waitFor(async () => (await listeners()) === 1, { timeoutMs: 10_000, what: 'the relay to LISTEN again' });
    // Work queued before the cut completes: the consultation timer fires and moves the dossier on.
    await waitForState(k, commune, id, 'ready_to_submit', 30_000);
    // Writes work again, through the same processes.
    await draftDossier(k, commune, 'LS-DL-01-03');
    expect([api.alive(), worker.alive()]).toEqual([true, true]);
  }, 90_000);

  it('Redis back empty: the reconciler re-enqueues the queued timer from PostgreSQL without a process restart', async () => {
    const id = await consultationQueued('LS-DL-01-02');
    await redisProxy.stop();
    await clearRedisPrefix(prefix, 'redis://127.0.0.1:6379'); // this service's part of Redis, restarted empty
    await new Promise((r) => setTimeout(r, 3000));
    await redisProxy.start();
    expect(await healthyWithin(5000)).toBeLessThan(5000);
    await waitForState(k, commune, id, 'ready_to_submit', 30_000);
    expect(worker.output()).toMatch(/missing from Redis; enqueued again/);
    expect(api.output() + worker.output()).not.toMatch(/Unhandled error event/);
    // Sign-in (its counters live in Redis) works again.
    expect((await request(api.url).post('/auth/login').send(ADMIN)).status).toBe(200);
    expect([api.alive(), worker.alive()]).toEqual([true, true]);
  }, 90_000);
});

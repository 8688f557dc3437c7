import { createHash } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { canonicalJson } from '../src/engine/history-hash.js';
import { IdempotencyPurgeHandler } from '../src/idempotency/idempotency.jobs.js';
import { TaskQueues } from '../src/queues/task-queues.js';
import { ADMIN, startTestApp, type TestApp } from './support/app.js';

describe('Idempotency-Key on POST routes', () => {
  let t: TestApp;
  let admin: string;
  let districtId: string;

  beforeAll(async () => {
    // The smallest TTL, one hour; the tests age records by moving their created_at back.
    t = await startTestApp('idempotency', { IDEMPOTENCY_TTL_HOURS: '1' });
    admin = await t.login(ADMIN.username, ADMIN.password);
    const res = await t.http.get('/units?level=DISTRICT').set('Authorization', admin);
    districtId = res.body.items[0].id;
  });
  afterAll(async () => t?.close());

  const body = (username: string) => ({
    username,
    password: 'password-123',
    fullName: 'Hoàng Văn Bình',
    email: `${username}@example.vn`,
    role: 'REVIEWER',
    unitId: districtId,
  });

  async function sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: t.config.databaseUrl });
    await client.connect();
    try {
      return (await client.query<R>(text, params)).rows;
    } finally {
      await client.end();
    }
  }

  async function countUsers(username: string): Promise<number> {
    return (await sql<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE username = $1', [username]))[0].n;
  }

  /** Moves a key's record back in time, as if it had been stored `minutes` ago. */
  async function age(key: string, minutes: number): Promise<void> {
    const rows = await sql(`UPDATE idempotency_records SET created_at = now() - make_interval(mins => $2) WHERE key = $1 RETURNING key`, [
      key,
      minutes,
    ]);
    expect(rows).toHaveLength(1);
  }

  it('returns the first response again and does nothing twice', async () => {
    const first = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-1').send(body('idem.one'));
    expect(first.status).toBe(201);
    const again = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-1').send(body('idem.one'));
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await countUsers('idem.one')).toBe(1);
  });

  it('runs once when concurrent requests carry one key', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-concurrent').send(body('idem.two')),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await countUsers('idem.two')).toBe(1);
  });

  it('takes over a key whose holder stopped keeping it alive (a process killed mid-request), at once', async () => {
    // What a process killed before its request committed leaves: a pending record nobody touches any more.
    const [{ id: adminId }] = await sql<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [ADMIN.username]);
    const hash = createHash('sha256')
      .update(`POST /users ${canonicalJson(body('idem.orphan'))}`)
      .digest('hex');
    await sql(
      `INSERT INTO idempotency_records (user_id, key, method, path, request_hash, created_at, alive_at)
       VALUES ($1, 'k-orphan', 'POST', '/users', $2, now() - interval '60 seconds', now() - interval '60 seconds')`,
      [adminId, hash],
    );
    const retry = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-orphan').send(body('idem.orphan'));
    expect(retry.status).toBe(201);
    expect(await countUsers('idem.orphan')).toBe(1);
    const again = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-orphan').send(body('idem.orphan'));
    expect([again.status, again.headers['idempotent-replayed'], again.body.id]).toEqual([201, 'true', retry.body.id]);
  });

  it('replays a refusal too, and refuses a key reused for another body', async () => {
    const bad = { ...body('idem.three'), unitId: 'no-such-unit' };
    const first = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-3').send(bad);
    expect(first.status).toBe(404);
    const again = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-3').send(bad);
    expect(again.status).toBe(404);
    const other = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-3').send(body('idem.four'));
    expect(other.status).toBe(422);
    expect(other.body.rule).toBe('idempotency_key_reused');
    expect(await countUsers('idem.four')).toBe(0);
  });

  it('refuses a malformed key', async () => {
    const res = await t.http
      .post('/users')
      .set('Authorization', admin)
      .set('Idempotency-Key', 'bad key with spaces')
      .send(body('idem.five'));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/Idempotency-Key/);
  });

  it('replays a key younger than IDEMPOTENCY_TTL_HOURS', async () => {
    const first = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-young').send(body('idem.young'));
    expect(first.status).toBe(201);
    await age('k-young', 50);
    const again = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-young').send(body('idem.young'));
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('treats an expired key as new: the request runs again instead of replaying', async () => {
    const first = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-expired').send(body('idem.expired'));
    expect(first.status).toBe(201);
    await age('k-expired', 61);
    // It runs: the user exists now, so this time the answer is the conflict, not the stored 201.
    const again = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-expired').send(body('idem.expired'));
    expect(again.status).toBe(409);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await countUsers('idem.expired')).toBe(1);
    // And the new answer is the one kept for the key from now on.
    const third = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-expired').send(body('idem.expired'));
    expect(third.status).toBe(409);
    expect(third.headers['idempotent-replayed']).toBe('true');
  });

  it("a claim deletes only its own key's expired record; the worker's purge task deletes every user's", async () => {
    const first = await t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-stale').send(body('idem.stale'));
    expect(first.status).toBe(201);
    await age('k-stale', 120);
    const reviewer = await t.login('idem.stale', 'password-123');
    // Another user's request with another key leaves the stale record: no table-wide delete on every POST.
    const res = await t.http.post('/auth/logout').set('Authorization', reviewer).set('Idempotency-Key', 'k-other').send({});
    expect(res.status).toBeLessThan(300);
    expect(await sql(`SELECT key FROM idempotency_records WHERE key = 'k-stale'`)).toHaveLength(1);
    // The purge runs on a schedule in the worker (every 10 minutes); run now, it deletes what has expired, only that.
    expect(await t.app.get(TaskQueues).queue('housekeeping').getJobSchedulersCount()).toBe(1);
    await t.app.get(IdempotencyPurgeHandler).handle();
    expect(await sql(`SELECT key FROM idempotency_records WHERE key = 'k-stale'`)).toEqual([]);
    expect(await sql(`SELECT key FROM idempotency_records WHERE key = 'k-young'`)).toHaveLength(1);
  });

  it('does not take over a key whose holder touched it 10 s ago: the retry waits and gets its answer', async () => {
    // A holder slowed down (its touches waiting for a busy pool) is not taken for dead: the retry waits for it.
    const [{ id: adminId }] = await sql<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [ADMIN.username]);
    const hash = createHash('sha256')
      .update(`POST /users ${canonicalJson(body('idem.slow'))}`)
      .digest('hex');
    await sql(
      `INSERT INTO idempotency_records (user_id, key, method, path, request_hash, alive_at)
       VALUES ($1, 'k-slow', 'POST', '/users', $2, now() - interval '10 seconds')`,
      [adminId, hash],
    );
    const retry = t.http.post('/users').set('Authorization', admin).set('Idempotency-Key', 'k-slow').send(body('idem.slow'));
    const answer = { id: 'the-first-answer', username: 'idem.slow' };
    setTimeout(() => {
      // The holder finishes: its answer stored, as the interceptor stores it.
      void sql(`UPDATE idempotency_records SET status = 'done', status_code = 201, response_body = $2 WHERE key = $1`, [
        'k-slow',
        JSON.stringify(answer),
      ]);
    }, 1000);
    const res = await retry;
    expect([res.status, res.headers['idempotent-replayed'], res.body]).toEqual([201, 'true', answer]);
    expect(await countUsers('idem.slow')).toBe(0);
  });

  it('IDEMPOTENCY_TTL_HOURS is a whole number of hours, 1 or more', () => {
    expect(loadConfig({}).idempotencyTtlHours).toBe(24);
    expect(loadConfig({ IDEMPOTENCY_TTL_HOURS: '1' }).idempotencyTtlHours).toBe(1);
    for (const bad of ['0', '-1', '1.5', 'soon']) expect(() => loadConfig({ IDEMPOTENCY_TTL_HOURS: bad })).toThrow(/IDEMPOTENCY_TTL_HOURS/);
  });
});

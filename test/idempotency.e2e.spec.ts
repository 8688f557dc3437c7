import pg from 'pg';
import { ADMIN, startTestApp, type TestApp } from './support/app.js';

describe('Idempotency-Key on POST routes', () => {
  let t: TestApp;
  let admin: string;
  let districtId: string;

  beforeAll(async () => {
    t = await startTestApp('idempotency');
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

  async function countUsers(username: string): Promise<number> {
    const client = new pg.Client({ connectionString: t.config.databaseUrl });
    await client.connect();
    try {
      return (await client.query('SELECT count(*)::int AS n FROM users WHERE username = $1', [username])).rows[0].n;
    } finally {
      await client.end();
    }
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
});

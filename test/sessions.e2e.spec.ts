import { JwtService } from '@nestjs/jwt';
import pg from 'pg';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { ADMIN, startTestApp, type TestApp } from './support/app.js';
import { createUser, unitsByCode } from './support/fixtures.js';
import { WebClient } from './support/web-client.js';

/**
 * Ending access: sign-out of a token, deactivation of a user, idle and expired page sessions. Two processes of
 * the service on one database (as a province runs them): what one does, the other honours at the next request.
 */
describe('sessions end, in every process', () => {
  const env = { JWT_SECRET: 'sessions-test-secret-that-is-long-enough-0123456789', SESSION_IDLE_MINUTES: '30' };
  let a: TestApp;
  let b: TestApp;
  let db: pg.Client;
  let adminAuth: string;
  let communeId: string;

  beforeAll(async () => {
    a = await startTestApp('sessions', env);
    b = await startTestApp('sessions', { ...env, KEEP_DATABASE: '1' });
    db = new pg.Client({ connectionString: a.config.databaseUrl });
    await db.connect();
    adminAuth = await a.login(ADMIN.username, ADMIN.password);
    communeId = (await unitsByCode(a, adminAuth)).get('LS-TD-01')!.id;
  });
  afterAll(async () => {
    await db?.end();
    await b?.close();
    await a?.close();
  });

  const staff = () => createUser(a, adminAuth, { role: 'COMMUNE_STAFF', unitId: communeId });

  async function pageSession(t: TestApp, username: string, password: string): Promise<WebClient> {
    const c = new WebClient(t);
    await c.get('/app/sign-in');
    const res = await c.post('/app/sign-in', { username, password });
    expect(res.status).toBe(303);
    return c;
  }

  /** The same cookies, sent to the other process. */
  function over(t: TestApp, c: WebClient): WebClient {
    const other = new WebClient(t);
    for (const [k, v] of c.cookies) other.cookies.set(k, v);
    return other;
  }

  it('a token signed in through one process works in the other', async () => {
    const user = await staff();
    expect((await b.http.get('/auth/me').set('Authorization', user.auth)).status).toBe(200);
  });

  it('POST /auth/logout ends that token in both processes at the next request, and no other token of the user', async () => {
    const user = await staff();
    const second = await a.login(user.username, user.password);
    expect((await b.http.get('/auth/me').set('Authorization', user.auth)).status).toBe(200);

    const out = await a.http.post('/auth/logout').set('Authorization', user.auth);
    expect(out.status).toBe(204);

    for (const t of [a, b]) {
      const res = await t.http.get('/auth/me').set('Authorization', user.auth).set('Accept-Language', 'vi');
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/Phiên đăng nhập đã kết thúc/);
    }
    expect((await b.http.post('/auth/logout').set('Authorization', user.auth)).status).toBe(401);
    expect((await b.http.get('/auth/me').set('Authorization', second)).status).toBe(200);
  });

  it('deactivating a user in one process refuses its token and its page session at the next request in the other; reactivation brings neither back', async () => {
    const user = await staff();
    const page = await pageSession(a, user.username, user.password);
    const pageOnB = over(b, page);
    expect((await pageOnB.get('/app')).status).toBe(200);
    expect((await b.http.get('/auth/me').set('Authorization', user.auth)).status).toBe(200);

    const off = await a.http.patch(`/users/${user.user.id}`).set('Authorization', adminAuth).send({ active: false });
    expect(off.status).toBe(200);

    expect((await b.http.get('/auth/me').set('Authorization', user.auth)).status).toBe(401);
    const refused = await pageOnB.get('/app');
    expect(refused.status).toBe(303);
    expect(refused.headers.location).toMatch(/^\/app\/sign-in/);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [user.user.id]);
    expect(rows[0].n).toBe(0);

    const on = await b.http.patch(`/users/${user.user.id}`).set('Authorization', adminAuth).send({ active: true });
    expect(on.status).toBe(200);
    expect((await a.http.get('/auth/me').set('Authorization', user.auth)).status).toBe(401);
    expect((await over(a, page).get('/app')).status).toBe(303);
    // Signing in again works.
    expect((await a.http.get('/auth/me').set('Authorization', await b.login(user.username, user.password))).status).toBe(200);
  });

  it('the role and unit are read from the user as it is now, not from the token', async () => {
    const user = await staff();
    expect((await a.http.get('/users').set('Authorization', user.auth)).status).toBe(403);
    // Promoted by hand (there is no route for it): the token signed before now carries the old role.
    await db.query(`UPDATE users SET role = 'ADMIN', unit_id = (SELECT id FROM units WHERE level = 'PROVINCE' LIMIT 1) WHERE id = $1`, [
      user.user.id,
    ]);
    const me = await b.http.get('/auth/me').set('Authorization', user.auth);
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('ADMIN');
    expect((await b.http.get('/users').set('Authorization', user.auth)).status).toBe(200);
  });

  it('a process that has just read a session sees it end, or its user change, at the next request, even when done by hand in SQL', async () => {
    const user = await staff();
    // Read (and kept for a moment) by the other process.
    expect((await b.http.get('/auth/me').set('Authorization', user.auth)).body.role).toBe('COMMUNE_STAFF');
    await db.query(`UPDATE users SET role = 'ADMIN', unit_id = (SELECT id FROM units WHERE level = 'PROVINCE' LIMIT 1) WHERE id = $1`, [
      user.user.id,
    ]);
    expect((await b.http.get('/auth/me').set('Authorization', user.auth)).body.role).toBe('ADMIN');
    const page = over(b, await pageSession(a, user.username, user.password));
    expect((await page.get('/app')).status).toBe(200);
    await db.query('DELETE FROM sessions WHERE user_id = $1', [user.user.id]);
    expect((await b.http.get('/auth/me').set('Authorization', user.auth)).status).toBe(401);
    expect((await page.get('/app')).status).toBe(303);
  });

  it('refuses a genuine token that names no session (signed before sessions existed): 401', async () => {
    const jwt = a.app.get(JwtService);
    const claims = jwt.decode(adminAuth.slice('Bearer '.length)) as Record<string, unknown>;
    const { iat: _iat, exp: _exp, sid: _sid, ...rest } = claims;
    const old = await jwt.signAsync(rest);
    expect((await a.http.get('/auth/me').set('Authorization', `Bearer ${old}`)).status).toBe(401);
    const other = await jwt.signAsync({ ...rest, sid: 'a-session-that-does-not-exist' });
    expect((await a.http.get('/auth/me').set('Authorization', `Bearer ${other}`)).status).toBe(401);
  });

  it("refuses another user's session id inside a token: the session must belong to the token's user", async () => {
    const user = await staff();
    const jwt = a.app.get(JwtService);
    const admin = jwt.decode(adminAuth.slice('Bearer '.length)) as Record<string, unknown>;
    const mine = jwt.decode(user.auth.slice('Bearer '.length)) as Record<string, unknown>;
    const { iat: _iat, exp: _exp, ...rest } = mine;
    const mixed = await jwt.signAsync({ ...rest, sid: admin.sid });
    expect((await a.http.get('/auth/me').set('Authorization', `Bearer ${mixed}`)).status).toBe(401);
  });

  it('ends a page session left unused longer than SESSION_IDLE_MINUTES, and keeps one in use', async () => {
    const user = await staff();
    const idle = await pageSession(a, user.username, user.password);
    const busy = await pageSession(a, user.username, user.password);
    // Both were last used 29 minutes ago; the busy one is used now, which counts as its last use.
    await db.query(`UPDATE sessions SET last_seen_at = now() - interval '29 minutes' WHERE user_id = $1 AND kind = 'WEB'`, [user.user.id]);
    expect((await busy.get('/app')).status).toBe(200);
    await db.query(
      `UPDATE sessions SET last_seen_at = last_seen_at - interval '2 minutes' WHERE user_id = $1 AND kind = 'WEB' AND last_seen_at < now() - interval '1 minute'`,
      [user.user.id],
    );
    expect((await idle.get('/app')).status).toBe(303);
    expect((await over(b, busy).get('/app')).status).toBe(200);
  });

  it('deletes dead sessions when someone signs in, so the table holds only live ones', async () => {
    const user = await staff();
    await pageSession(a, user.username, user.password);
    await db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.user.id]);
    const before = await db.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [user.user.id]);
    expect(before.rows[0].n).toBeGreaterThan(0);
    await a.login(ADMIN.username, ADMIN.password);
    const after = await db.query('SELECT count(*)::int AS n FROM sessions WHERE expires_at <= now()');
    expect(after.rows[0].n).toBe(0);
  });

  it('a token lives as long as JWT_EXPIRES_IN, which may be at most 24 hours', async () => {
    const jwt = a.app.get(JwtService);
    const claims = jwt.decode(adminAuth.slice('Bearer '.length)) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(8 * 3600);
    expect(() => loadConfig({ JWT_EXPIRES_IN: '25h' })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_EXPIRES_IN: '2d' })).toThrow(/at most 24h/);
    expect(loadConfig({ JWT_EXPIRES_IN: '24h' }).jwt.expiresSeconds).toBe(86_400);
  });

  it('never prints a secret or a password from a URL in a configuration error', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short-secret' })).toThrow(/JWT_SECRET/);
    try {
      loadConfig({ JWT_SECRET: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
    try {
      loadConfig({ DATABASE_URL: 'mysql://app:hunter2-password@db/ntm' });
      throw new Error('accepted');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});

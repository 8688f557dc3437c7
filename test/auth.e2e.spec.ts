import { JwtService } from '@nestjs/jwt';
import pg from 'pg';
import { CURRENT, hashPassword } from '../src/auth/password.js';
import { ADMIN, startTestApp, type TestApp, inEnglish } from './support/app.js';
import { createUser, unitsByCode } from './support/fixtures.js';

/** Sign-in, the signed-in user, and every way a bearer token can be refused. */
describe('authentication', () => {
  let t: TestApp;
  let adminAuth: string;

  beforeAll(async () => {
    t = await startTestApp('auth');
    adminAuth = await t.login(ADMIN.username, ADMIN.password);
  });
  afterAll(async () => t?.close());

  const bearer = (token: string) => `Bearer ${token}`;

  it('signs in with the right pair: 200, a token and the user without password material', async () => {
    const res = await t.http.post('/auth/login').send({ username: ADMIN.username, password: ADMIN.password });
    expect(res.status).toBe(200);
    expect(typeof res.body.accessToken).toBe('string');
    expect(res.body.accessToken.split('.')).toHaveLength(3);
    const user = res.body.user;
    expect(user).toEqual(
      expect.objectContaining({
        username: ADMIN.username,
        role: 'ADMIN',
        id: expect.any(String),
        unitId: expect.any(String),
        email: expect.any(String),
        fullName: expect.any(String),
      }),
    );
    const keys = Object.keys(user).map((k) => k.toLowerCase());
    expect(keys.filter((k) => k.includes('password') || k.includes('hash') || k.includes('salt'))).toEqual([]);
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt\$/);
  });

  it('refuses a wrong password and an unknown user alike: 401 with the NestJS error shape', async () => {
    const wrong = await t.http.post('/auth/login').send({ username: ADMIN.username, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(expect.objectContaining({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) }));
    expect(wrong.body.accessToken).toBeUndefined();

    const unknown = await t.http.post('/auth/login').send({ username: 'nobody.here', password: 'not-the-password' });
    expect(unknown.status).toBe(401);
    // The same answer, so a caller cannot tell which usernames exist.
    expect(unknown.body).toEqual(wrong.body);
  });

  it('stores passwords with scrypt at the current cost, and makes an older, cheaper hash again at the next sign-in', async () => {
    const units = await unitsByCode(t, adminAuth);
    const staff = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: units.get('LS-TD-01')!.id });
    const db = new pg.Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    try {
      const hashOf = async () =>
        (await db.query<{ h: string }>('SELECT password_hash AS h FROM users WHERE username = $1', [staff.username])).rows[0].h;
      expect(CURRENT).toEqual({ N: 131072, r: 8, p: 1 });
      expect(await hashOf()).toMatch(/^scrypt\$131072\$8\$1\$/);

      // A hash as this service made them before (N=2^14): it still verifies, and is made again at the current cost.
      const old = await hashPassword(staff.password, { N: 16384, r: 8, p: 1 });
      await db.query('UPDATE users SET password_hash = $1 WHERE username = $2', [old, staff.username]);
      expect((await t.http.post('/auth/login').send({ username: staff.username, password: 'not-the-password' })).status).toBe(401);
      expect(await hashOf()).toBe(old);
      expect((await t.http.post('/auth/login').send({ username: staff.username, password: staff.password })).status).toBe(200);
      const renewed = await hashOf();
      expect(renewed).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect(renewed).not.toBe(old);
      // The new hash is of the same password, and is not made again at the next sign-in.
      expect((await t.http.post('/auth/login').send({ username: staff.username, password: staff.password })).status).toBe(200);
      expect(await hashOf()).toBe(renewed);
    } finally {
      await db.end();
    }
  });

  it('GET /auth/me returns the signed-in user, without password material', async () => {
    const res = await t.http.get('/auth/me').set('Authorization', adminAuth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ username: ADMIN.username, role: 'ADMIN' }));
    expect(Object.keys(res.body).some((k) => /password|hash/i.test(k))).toBe(false);
  });

  it('GET /auth/me answers for the user the token names (a commune user sees itself)', async () => {
    const units = await unitsByCode(t, adminAuth);
    const commune = units.get('LS-TD-01')!;
    const staff = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: commune.id, fullName: 'Hoàng Văn Thụ' });
    const res = await t.http.get('/auth/me').set('Authorization', staff.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({
        id: staff.user.id,
        username: staff.username,
        role: 'COMMUNE_STAFF',
        unitId: commune.id,
        fullName: 'Hoàng Văn Thụ',
      }),
    );
  });

  it('refuses a request without a token: 401', async () => {
    const res = await t.http.get('/auth/me');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 401, error: 'Unauthorized' }));
    expect((await t.http.get('/units')).status).toBe(401);
    expect((await t.http.get('/auth/me').set('Authorization', 'Basic YWRtaW46YWRtaW4=')).status).toBe(401);
    expect((await t.http.get('/auth/me').set('Authorization', 'Bearer ')).status).toBe(401);
    expect((await t.http.get('/auth/me').set('Authorization', 'Bearer not.a.jwt')).status).toBe(401);
  });

  it('refuses a token signed with another secret: 401', async () => {
    const jwt = t.app.get(JwtService);
    const claims = jwt.decode(adminAuth.slice('Bearer '.length)) as Record<string, unknown>;
    const { iat: _iat, exp: _exp, ...rest } = claims;
    const forged = await jwt.signAsync(rest, { secret: 'another-secret-that-is-long-enough-0123456789' });
    const res = await t.http.get('/auth/me').set('Authorization', bearer(forged));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 401, error: 'Unauthorized' }));

    // The same claims signed with the app's own key pass: it is the signature that was refused.
    const genuine = await jwt.signAsync(rest);
    expect((await t.http.get('/auth/me').set('Authorization', bearer(genuine))).status).toBe(200);
  });

  it('refuses a token whose signature was tampered with or whose claims were altered: 401', async () => {
    const token = adminAuth.slice('Bearer '.length);
    const [header, payload, signature] = token.split('.');
    const altered = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), role: 'ADMIN', username: 'mallory' }),
    ).toString('base64url');
    expect((await t.http.get('/auth/me').set('Authorization', bearer(`${header}.${altered}.${signature}`))).status).toBe(401);
    // alg "none" with no signature
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect((await t.http.get('/auth/me').set('Authorization', bearer(`${none}.${payload}.`))).status).toBe(401);
  });

  it("refuses an expired token signed with the app's own secret: 401 saying it expired", async () => {
    const jwt = t.app.get(JwtService);
    const claims = jwt.decode(adminAuth.slice('Bearer '.length)) as Record<string, unknown>;
    const { iat: _iat, exp: _exp, ...rest } = claims;
    const now = Math.floor(Date.now() / 1000);
    // Issued two hours ago, valid for one minute.
    const expired = await jwt.signAsync({ ...rest, iat: now - 7200 }, { expiresIn: '1m' });
    expect((jwt.decode(expired) as { exp: number }).exp).toBeLessThan(now);
    const res = await inEnglish(t.http.get('/auth/me').set('Authorization', bearer(expired)));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/expired/) }),
    );
  });

  it('refuses a token it accepted before once that token expires (verified tokens are remembered only until then)', async () => {
    const jwt = t.app.get(JwtService);
    const claims = jwt.decode(adminAuth.slice('Bearer '.length)) as Record<string, unknown>;
    const { iat: _iat, exp: _exp, ...rest } = claims;
    const shortLived = await jwt.signAsync(rest, { expiresIn: '2s' });
    const exp = (jwt.decode(shortLived) as { exp: number }).exp;
    const accepted = await t.http.get('/auth/me').set('Authorization', bearer(shortLived));
    expect(accepted.status).toBe(200);
    expect((await t.http.get('/auth/me').set('Authorization', bearer(shortLived))).status).toBe(200);
    // Wait for the clock to pass the token's expiry, then ask again with the very same token.
    const deadline = Date.now() + 10_000;
    while (Date.now() / 1000 < exp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const res = await inEnglish(t.http.get('/auth/me').set('Authorization', bearer(shortLived)));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/expired/) }),
    );
  });

  it('refuses a token whose signature was altered, even after accepting the genuine one', async () => {
    const genuine = adminAuth.slice('Bearer '.length);
    expect((await t.http.get('/auth/me').set('Authorization', bearer(genuine))).status).toBe(200);
    const [header, payload, signature] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'PROVINCE_OFFICER' })).toString('base64url')}.${signature}`;
    expect((await t.http.get('/auth/me').set('Authorization', bearer(forged))).status).toBe(401);
  });
});

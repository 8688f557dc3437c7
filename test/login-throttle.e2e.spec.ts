import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import { createUser, unitsByCode } from './support/fixtures.js';

/** Failed sign-ins are counted per account and per address (in Redis): 429 after repeated failures. */
describe('sign-in throttling', () => {
  describe('per account', () => {
    let t: TestApp;
    let adminAuth: string;
    const LOCK_SECONDS = 3;

    beforeAll(async () => {
      // The default of 5 failures; a short lock so the test can see it lift.
      t = await startTestApp('throttle', { LOGIN_LOCK_SECONDS: String(LOCK_SECONDS) });
      adminAuth = await t.login(ADMIN.username, ADMIN.password);
    });
    afterAll(async () => t?.close());

    it('locks an account after LOGIN_MAX_FAILURES failures, even with the right password, while a colleague at the same address signs in', async () => {
      expect(t.config.login.maxFailures).toBe(5);
      const units = await unitsByCode(t, adminAuth);
      const commune = units.get('LS-TD-01')!;
      const victim = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: commune.id });
      const colleague = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: commune.id });

      for (let i = 1; i <= 5; i++) {
        const res = await t.http.post('/auth/login').send({ username: victim.username, password: `wrong-${i}` });
        expect(res.status).toBe(401);
      }
      const locked = await t.http.post('/auth/login').send({ username: victim.username, password: victim.password });
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual(expect.objectContaining({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) }));
      expect(locked.body.accessToken).toBeUndefined();
      expect(locked.body.retryAfterSeconds).toBeGreaterThan(0);
      expect(locked.body.retryAfterSeconds).toBeLessThanOrEqual(LOCK_SECONDS);

      // The account is locked by name, whatever the case the guesser types it in.
      const upper = await t.http.post('/auth/login').send({ username: victim.username.toUpperCase(), password: victim.password });
      expect(upper.status).toBe(429);

      // A colleague from the same address (every request here comes from 127.0.0.1) is not locked out.
      const other = await t.http.post('/auth/login').send({ username: colleague.username, password: colleague.password });
      expect(other.status).toBe(200);
      expect(other.body.user.username).toBe(colleague.username);

      // A token issued before the lock still works: the lock is about signing in.
      expect((await t.http.get('/auth/me').set('Authorization', victim.auth)).status).toBe(200);

      // The lock lifts after LOGIN_LOCK_SECONDS; asking while locked does not extend it.
      const back = await waitFor(
        async () => {
          const res = await t.http.post('/auth/login').send({ username: victim.username, password: victim.password });
          if (res.status !== 429) return res;
          return null;
        },
        { timeoutMs: (LOCK_SECONDS + 5) * 1000, intervalMs: 250, what: 'the account lock to lift' },
      );
      expect(back!.status).toBe(200);
    });

    it('gives no more than LOGIN_MAX_FAILURES guesses to an attacker sending them all at once', async () => {
      const units = await unitsByCode(t, adminAuth);
      const target = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: units.get('LS-CL-01')!.id });
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => t.http.post('/auth/login').send({ username: target.username, password: `guess-${i}` })),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      // Each 401 is a password that was actually checked: no more than the limit may be.
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
      expect((await t.http.post('/auth/login').send({ username: target.username, password: target.password })).status).toBe(429);
    });

    it('does not lock an account on fewer failures than the limit, and a success resets the count', async () => {
      const units = await unitsByCode(t, adminAuth);
      const user = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: units.get('LS-VL-01')!.id });
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 4; i++) {
          expect((await t.http.post('/auth/login').send({ username: user.username, password: 'wrong-password' })).status).toBe(401);
        }
        expect((await t.http.post('/auth/login').send({ username: user.username, password: user.password })).status).toBe(200);
      }
    });
  });

  describe('per address', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp('throttle_address', { LOGIN_MAX_FAILURES: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '3' });
    });
    afterAll(async () => t?.close());

    it('throttles an address that guesses many accounts, but not other addresses (X-Forwarded-For from a local proxy)', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await t.http
          .post('/auth/login')
          .set('X-Forwarded-For', '203.0.113.7')
          .send({ username: `guess-${i}`, password: 'wrong-password' });
        expect(res.status).toBe(401);
      }
      const fromGuesser = await t.http.post('/auth/login').set('X-Forwarded-For', '203.0.113.7').send(ADMIN);
      expect(fromGuesser.status).toBe(429);
      const fromElsewhere = await t.http.post('/auth/login').set('X-Forwarded-For', '203.0.113.8').send(ADMIN);
      expect(fromElsewhere.status).toBe(200);
    });
  });
});

import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import { createUser, unitsByCode } from './support/fixtures.js';
import { textOf, WebClient } from './support/web-client.js';

/**
 * Failed sign-ins are counted per account, per (account, address) and per address (in Redis): past a limit, the
 * addresses that failed wait a growing delay (429 with Retry-After); the owner at another address does not.
 */
describe('sign-in throttling', () => {
  describe('per account', () => {
    let t: TestApp;
    let adminAuth: string;
    // Failures are forgotten this long after the last one: long enough that no password hash, however slow on a
    // loaded machine, outlasts it between two failures (a window of seconds raced the clock). What the test sees
    // lift is the wait (1 s), polled until it ends.
    const LOCK_SECONDS = 120;

    beforeAll(async () => {
      // The default of 5 failures. The test client is the proxy (loopback) whose X-Forwarded-For names the
      // addresses of attackers and owners.
      t = await startTestApp('throttle', { LOGIN_LOCK_SECONDS: String(LOCK_SECONDS), TRUST_PROXY: 'loopback' });
      adminAuth = await t.login(ADMIN.username, ADMIN.password);
    });
    afterAll(async () => t?.close());

    it('holds back the address that failed LOGIN_MAX_FAILURES times for an account, even with the right password, while a colleague at the same address signs in', async () => {
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

      // The account is counted by name, whatever the case the guesser types it in.
      const upper = await t.http.post('/auth/login').send({ username: victim.username.toUpperCase(), password: victim.password });
      expect(upper.status).toBe(429);

      // A colleague from the same address (every request here comes from 127.0.0.1) is not locked out.
      const other = await t.http.post('/auth/login').send({ username: colleague.username, password: colleague.password });
      expect(other.status).toBe(200);
      expect(other.body.user.username).toBe(colleague.username);

      // A token issued before still works: the throttle is about signing in.
      expect((await t.http.get('/auth/me').set('Authorization', victim.auth)).status).toBe(200);

      // The wait (1 s after the fifth failure) ends; asking while held back does not lengthen it.
      const back = await waitFor(
        async () => {
          const res = await t.http.post('/auth/login').send({ username: victim.username, password: victim.password });
          if (res.status !== 429) return res;
          return null;
        },
        { timeoutMs: 30000, intervalMs: 250, what: 'the wait to end' },
      );
      expect(back!.status).toBe(200);
    });

    it("five (or more) wrong passwords from an attacker's address do not stop the owner from signing in from another, by the API or the sign-in form", async () => {
      const units = await unitsByCode(t, adminAuth);
      const owner = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: units.get('LS-TD-01')!.id });
      const from = (address: string) => ({ 'X-Forwarded-For': address });
      const attempt = (address: string, password: string) =>
        t.http.post('/auth/login').set(from(address)).send({ username: owner.username, password });

      for (let i = 1; i <= 5; i++) expect((await attempt('203.0.113.66', `guess-${i}`)).status).toBe(401);
      for (let i = 6; i <= 8; i++) {
        const held = await attempt('203.0.113.66', `guess-${i}`);
        expect(held.status).toBe(429);
        expect(Number(held.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(held.headers['retry-after'])).toBeLessThanOrEqual(t.config.login.maxDelaySeconds);
        expect(held.body.retryAfterSeconds).toBe(Number(held.headers['retry-after']));
      }
      // Even the right password is held back there: the attacker could have guessed it.
      expect((await attempt('203.0.113.66', owner.password)).status).toBe(429);

      // The owner, at home, signs in by the API at once.
      const home = await attempt('198.51.100.20', owner.password);
      expect(home.status).toBe(200);
      expect(home.body.user.username).toBe(owner.username);

      // The attack goes on through the sign-in form, from another address; the form is held back the same way.
      const attacker = new WebClient(t, from('203.0.113.67'));
      await attacker.get('/app/sign-in');
      for (let i = 1; i <= 5; i++) {
        expect((await attacker.post('/app/sign-in', { username: owner.username, password: `form-guess-${i}`, next: '/app' })).status).toBe(
          401,
        );
      }
      const heldForm = await attacker.post('/app/sign-in', { username: owner.username, password: owner.password, next: '/app' });
      expect(heldForm.status).toBe(429);
      expect(Number(heldForm.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(textOf(heldForm.text)).toMatch(/Đăng nhập sai quá nhiều lần từ tài khoản này; vui lòng thử lại sau \d+ giây/);
      expect(attacker.cookies.has('ntm_session')).toBe(false);

      // The owner, at the office, signs in through the form.
      const office = new WebClient(t, from('198.51.100.21'));
      const landed = await office.signIn(owner.username, owner.password);
      expect(landed.status).toBe(200);
    });

    it('counts an IPv6 address by its /64', async () => {
      const units = await unitsByCode(t, adminAuth);
      const target = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: units.get('LS-VL-01')!.id });
      const attempt = (address: string, password: string) =>
        t.http.post('/auth/login').set('X-Forwarded-For', address).send({ username: target.username, password });
      // Five addresses of one /64 (as one subscriber is given): counted as one address.
      for (let i = 1; i <= 5; i++) expect((await attempt(`2001:db8:7:1::${i}`, `guess-${i}`)).status).toBe(401);
      expect((await attempt('2001:db8:7:1:ffff:1:2:3', target.password)).status).toBe(429);
      // The owner in the next /64 is another address.
      expect((await attempt('2001:db8:7:2::1', target.password)).status).toBe(200);
    });

    it('gives no more than LOGIN_MAX_FAILURES guesses to an attacker sending them all at once from one address', async () => {
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

  describe('an account guessed from many addresses', () => {
    let t: TestApp;
    let adminAuth: string;

    beforeAll(async () => {
      // The defaults (5 failures, forgotten 15 minutes after the last); the test client is the trusted proxy.
      t = await startTestApp('throttle_spread', { TRUST_PROXY: 'loopback' });
      adminAuth = await t.login(ADMIN.username, ADMIN.password);
    });
    afterAll(async () => t?.close());

    it('holds back, after LOGIN_MAX_FAILURES failures of an account from anywhere, each address that failed for it, longer after each failure', async () => {
      const units = await unitsByCode(t, adminAuth);
      const target = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: units.get('LS-CL-01')!.id });
      const attempt = (address: string, password: string) =>
        t.http.post('/auth/login').set('X-Forwarded-For', address).send({ username: target.username, password });
      // Five addresses, one guess each: none of them reached the limit alone.
      for (let i = 1; i <= 5; i++) expect((await attempt(`192.0.2.${i}`, `guess-${i}`)).status).toBe(401);
      // Past the account's limit, each of them waits (1 s after the fifth failure) before its second guess.
      for (let i = 1; i <= 5; i++) {
        const held = await attempt(`192.0.2.${i}`, `again-${i}`);
        expect(held.status).toBe(429);
        expect(held.body.retryAfterSeconds).toBe(1);
      }
      // After the wait (asking meanwhile does not lengthen it), one more guess; the next wait is twice as long.
      const afterWait = await waitFor(
        async () => {
          const res = await attempt('192.0.2.1', 'again-1');
          return res.status === 429 ? null : res;
        },
        { timeoutMs: 10000, intervalMs: 100, what: 'the wait of 192.0.2.1 to end' },
      );
      expect(afterWait!.status).toBe(401);
      const longer = await attempt('192.0.2.2', 'again-2');
      expect(longer.status).toBe(429);
      expect(longer.body.retryAfterSeconds).toBe(2);
      // An address that has not failed for this account is not held back: the owner signs in there.
      expect((await attempt('192.0.2.200', target.password)).status).toBe(200);
      // Which clears the account's failures.
      expect((await attempt('192.0.2.2', 'again-2')).status).toBe(401);
    });
  });

  describe('per address', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp('throttle_address', {
        LOGIN_MAX_FAILURES: '100',
        LOGIN_MAX_FAILURES_PER_ADDRESS: '3',
        TRUST_PROXY: '127.0.0.1,::1',
      });
    });
    afterAll(async () => t?.close());

    it('throttles an address that guesses many accounts, but not other addresses (X-Forwarded-For from a proxy TRUST_PROXY names)', async () => {
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

  describe('X-Forwarded-For from a proxy TRUST_PROXY does not name', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp('throttle_untrusted', { LOGIN_MAX_FAILURES: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '3' });
    });
    afterAll(async () => t?.close());

    it('is not believed: a guesser cannot pass for another address by sending the header', async () => {
      expect(t.config.trustProxy).toEqual([]);
      for (let i = 0; i < 3; i++) {
        const res = await t.http
          .post('/auth/login')
          .set('X-Forwarded-For', `203.0.113.${10 + i}`)
          .send({ username: `guess-${i}`, password: 'wrong-password' });
        expect(res.status).toBe(401);
      }
      // All three came from the connection's address, which is now held back whatever the header says.
      const res = await t.http.post('/auth/login').set('X-Forwarded-For', '203.0.113.99').send({ username: 'guess-9', password: 'x' });
      expect(res.status).toBe(429);
    });
  });
});

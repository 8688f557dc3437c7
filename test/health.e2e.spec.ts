import type { LoggerService } from '@nestjs/common';
import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * GET /health: 200 with database and Redis up, 503 while either is unreachable, 200 again once it is back, saying
 * only up or down per check; the requests made meanwhile get 503 with Retry-After, and the process stays up.
 */
describe('health', () => {
  describe('Redis', () => {
    const proxy = new TcpProxy('127.0.0.1', 6379);
    let t: TestApp;
    // The application's logger: the health checks' warnings kept, which say why a check went down.
    const healthWarnings: string[] = [];
    const logger: LoggerService = {
      log: () => undefined,
      error: () => undefined,
      warn: (message: unknown, context?: unknown) => {
        if (context === 'Health') healthWarnings.push(String(message));
      },
    };

    beforeAll(async () => {
      const port = await proxy.start();
      t = await startTestApp('health_redis', { REDIS_URL: `redis://127.0.0.1:${port}` }, { logger });
    });
    afterAll(async () => {
      await proxy.start(); // let the app close its Redis connections cleanly
      await t?.close();
      await proxy.stop();
    });

    it('is 200 without a token, naming both checks up', async () => {
      const res = await t.http.get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({
          status: 'ok',
          details: expect.objectContaining({ database: { status: 'up' }, redis: { status: 'up' } }),
        }),
      );
    });

    it('is 503 while Redis cannot be reached, and 200 again once it can', async () => {
      await proxy.stop();
      const down = (await waitFor(
        async () => {
          const res = await t.http.get('/health');
          return res.status === 503 ? res : null;
        },
        { timeoutMs: 15000, intervalMs: 100, what: 'GET /health to answer 503' },
      ))!;
      // Up or down per check and nothing else: no error text (hosts, ports) for whoever asks.
      expect(down.body).toEqual({
        status: 'error',
        info: { database: { status: 'up' } },
        error: { redis: { status: 'down' } },
        details: { database: { status: 'up' }, redis: { status: 'down' } },
      });
      expect(down.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|did not answer|message/i);

      // It answers at once while Redis is away, no hanging on a dead connection: the check failed on the closed
      // connection itself, not by running out its time limit ("did not answer within"), and it says down again
      // at the next request without a second warning.
      expect(healthWarnings).toEqual([expect.stringMatching(/^redis is down: /)]);
      expect(healthWarnings[0]).not.toMatch(/did not answer within/);
      expect((await t.http.get('/health')).status).toBe(503);
      expect(healthWarnings).toHaveLength(1);

      // The rest of the service that does not need Redis keeps answering.
      expect((await t.http.get('/docs-json')).status).toBe(200);

      await proxy.start();
      const up = (await waitFor(
        async () => {
          const res = await t.http.get('/health');
          return res.status === 200 ? res : null;
        },
        { timeoutMs: 20000, intervalMs: 100, what: 'GET /health to answer 200 again' },
      ))!;
      expect(up.body.status).toBe('ok');

      // Sign-in (its failure counters live in Redis) works again too.
      await waitFor(async () => (await t.http.post('/auth/login').send(ADMIN)).status === 200, {
        timeoutMs: 20000,
        intervalMs: 200,
        what: 'sign-in to work again',
      });
    });
  });

  describe('PostgreSQL', () => {
    const proxy = new TcpProxy('127.0.0.1', 5432);
    let t: TestApp;

    beforeAll(async () => {
      const port = await proxy.start();
      t = await startTestApp('health_db', { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/ntm_test_health_db` });
    });
    afterAll(async () => {
      await proxy.start();
      await t?.close();
      await proxy.stop();
    });

    it('is 503 while PostgreSQL cannot be reached, and 200 again once it can', async () => {
      expect((await t.http.get('/health')).status).toBe(200);
      const auth = await t.login(ADMIN.username, ADMIN.password);
      await proxy.stop();
      const down = (await waitFor(
        async () => {
          const res = await t.http.get('/health');
          return res.status === 503 ? res : null;
        },
        { timeoutMs: 15000, intervalMs: 100, what: 'GET /health to answer 503' },
      ))!;
      expect(down.body).toEqual({
        status: 'error',
        info: { redis: { status: 'up' } },
        error: { database: { status: 'down' } },
        details: { database: { status: 'down' }, redis: { status: 'up' } },
      });
      expect(down.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|did not answer|message|postgres/i);

      // Requests that need the database are answered 503 with Retry-After and a message, not 500, and the
      // process stays up.
      for (const req of [
        t.http.get('/auth/me').set('Authorization', auth),
        t.http.post('/auth/login').send(ADMIN),
        t.http.get('/units').set('Authorization', auth).set('Accept-Language', 'vi'),
      ]) {
        const res = await req;
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body).toEqual(expect.objectContaining({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) }));
      }
      const vi = await t.http.get('/auth/me').set('Authorization', auth).set('Accept-Language', 'vi');
      expect(vi.body.message).toMatch(/tạm thời gián đoạn/);
      const page = await t.http.get('/app').set('Cookie', 'ntm_session=whatever');
      expect(page.status).toBe(503);
      expect(page.headers['retry-after']).toBe('5');
      expect(page.text).toMatch(/tạm thời gián đoạn/);

      await proxy.start();
      await waitFor(async () => (await t.http.get('/health')).status === 200, {
        timeoutMs: 20000,
        intervalMs: 100,
        what: 'GET /health to answer 200 again',
      });
      expect((await t.http.post('/auth/login').send(ADMIN)).status).toBe(200);
      expect((await t.http.get('/auth/me').set('Authorization', auth)).status).toBe(200);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/config.js';
import { ADMIN, startTestApp, type TestApp, inEnglish } from './support/app.js';
import { unitsByCode } from './support/fixtures.js';

/** Metrics, the OpenAPI document, security headers and request ids. */
describe('operations', () => {
  let t: TestApp;
  let adminAuth: string;

  beforeAll(async () => {
    t = await startTestApp('operations');
    adminAuth = await t.login(ADMIN.username, ADMIN.password);
  });
  afterAll(async () => t?.close());

  describe('GET /metrics', () => {
    it('needs a token: 401 without one', async () => {
      expect((await t.http.get('/metrics')).status).toBe(401);
    });

    it('gives an ADMIN Prometheus text with request durations by route pattern and process metrics', async () => {
      const units = await unitsByCode(t, adminAuth);
      const village = units.get('LS-TD-01-01')!;
      expect((await t.http.get(`/units/${village.id}`).set('Authorization', adminAuth)).status).toBe(200);
      expect((await t.http.get(`/units/${randomUUID()}`).set('Authorization', adminAuth)).status).toBe(404);

      const res = await t.http.get('/metrics').set('Authorization', adminAuth);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const text: string = res.text;
      expect(text).toContain('# TYPE http_request_duration_seconds histogram');
      const units200 = text
        .split('\n')
        .filter((l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('route="/units/:id"'));
      expect(units200.some((l) => l.includes('method="GET"') && l.includes('status_code="200"'))).toBe(true);
      expect(units200.some((l) => l.includes('status_code="404"'))).toBe(true);
      expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/units\/:id"[^}]*\} \d+/);
      // Route patterns, never raw ids (which would make one series per unit).
      expect(text).not.toContain(village.id);
      expect(text).toContain('route="/auth/login"');
      // Default process metrics.
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      expect(text).toMatch(/^process_resident_memory_bytes /m);
      expect(text).toContain('nodejs_heap_size_total_bytes');
      expect(text).toContain('nodejs_eventloop_lag_seconds');
    });

    it('without METRICS_TOKEN configured, takes no static token: only an ADMIN signed in', async () => {
      const res = await inEnglish(t.http.get('/metrics')).set('Authorization', `Bearer ${'s'.repeat(40)}`);
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('the token is not valid');
    });

    describe('with METRICS_TOKEN configured (a Prometheus scraper)', () => {
      const token = 'scrape-' + randomUUID() + randomUUID();
      let s: TestApp;
      beforeAll(async () => {
        s = await startTestApp('operations_metrics_token', { METRICS_TOKEN: token });
      });
      afterAll(async () => s?.close());

      it('answers the static token as Prometheus sends it, and still an ADMIN', async () => {
        const scraped = await s.http.get('/metrics').set('Authorization', `Bearer ${token}`);
        expect(scraped.status).toBe(200);
        expect(scraped.text).toContain('# TYPE http_request_duration_seconds histogram');
        const admin = await s.login(ADMIN.username, ADMIN.password);
        expect((await s.http.get('/metrics').set('Authorization', admin)).status).toBe(200);
      });

      it('refuses a wrong, shorter or longer token, and none', async () => {
        for (const wrong of [token.slice(0, -1) + (token.endsWith('x') ? 'y' : 'x'), token.slice(0, -1), token + 'x']) {
          const res = await s.http.get('/metrics').set('Authorization', `Bearer ${wrong}`);
          expect(res.status).toBe(401);
        }
        expect((await s.http.get('/metrics')).status).toBe(401);
      });

      it('opens /metrics only: the static token is no key to any other route', async () => {
        const res = await s.http.get('/units').set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(401);
        expect((await s.http.get('/auth/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
      });

      it('must be 32 characters or more, and a refusal does not print it', () => {
        expect(() => loadConfig({ METRICS_TOKEN: 'short-token' })).toThrow(/METRICS_TOKEN/);
        expect(() => loadConfig({ METRICS_TOKEN: 'short-token' })).not.toThrow(/short-token/);
        expect(loadConfig({}).metricsToken).toBeUndefined();
      });
    });
  });

  it('cuts a request still arriving after 300 s, as Node does by default (Fastify alone would wait forever)', () => {
    expect((t.app.getHttpServer() as { requestTimeout: number }).requestTimeout).toBe(300_000);
  });

  it('answers a route with a trailing slash as without it', async () => {
    const plain = await t.http.get('/units').set('Authorization', adminAuth);
    const slashed = await t.http.get('/units/').set('Authorization', adminAuth);
    expect(plain.status).toBe(200);
    expect(slashed.status).toBe(200);
    expect(slashed.body).toEqual(plain.body);
  });

  describe('OpenAPI', () => {
    it('GET /docs-json is an OpenAPI 3 document listing the routes, without a token', async () => {
      const res = await t.http.get('/docs-json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      const doc = res.body;
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.any(String) }));
      const paths = Object.keys(doc.paths);
      for (const p of ['/auth/login', '/auth/me', '/units', '/units/{id}', '/users', '/health', '/metrics']) expect(paths).toContain(p);
      expect(doc.paths['/auth/login'].post).toBeDefined();
      expect(doc.paths['/units'].get).toBeDefined();
      expect(doc.paths['/units'].post).toBeDefined();
      expect(doc.paths['/users'].post).toBeDefined();
      expect(doc.paths['/units/{id}'].get.parameters.map((p: { name: string }) => p.name)).toContain('id');
      expect(doc.components.securitySchemes).toEqual(
        expect.objectContaining({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) }),
      );
      // The list routes document the paging parameters.
      const unitParams = doc.paths['/units'].get.parameters.map((p: { name: string }) => p.name);
      expect(unitParams).toEqual(expect.arrayContaining(['limit', 'cursor', 'level', 'parentId']));
    });

    it('GET /docs is the Swagger UI page', async () => {
      const res = await t.http.get('/docs').redirects(2);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toMatch(/swagger/i);
      // The scripts and styles the page loads are served too.
      const assets = [...res.text.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        const url = new URL(asset, 'http://localhost/docs').pathname;
        expect({ url, status: (await t.http.get(url)).status }).toEqual({ url, status: 200 });
      }
    });
  });

  describe('HTTP hygiene', () => {
    it("sends helmet's security headers and no X-Powered-By", async () => {
      for (const res of [
        await t.http.get('/health'),
        await t.http.get('/units').set('Authorization', adminAuth),
        await t.http.get('/auth/me'),
      ]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBeDefined();
        expect(res.headers['content-security-policy']).toBeDefined();
        expect(res.headers['strict-transport-security']).toBeDefined();
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('echoes a given X-Request-Id and makes one up otherwise', async () => {
      const given = await t.http.get('/health').set('X-Request-Id', 'req-42.abc');
      expect(given.headers['x-request-id']).toBe('req-42.abc');
      const onError = await t.http.get('/auth/me').set('X-Request-Id', 'req-401');
      expect(onError.status).toBe(401);
      expect(onError.headers['x-request-id']).toBe('req-401');

      const made = await t.http.get('/health');
      expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const again = await t.http.get('/health');
      expect(again.headers['x-request-id']).not.toBe(made.headers['x-request-id']);

      // A header that could forge log lines is replaced, not echoed.
      const bad = await t.http.get('/health').set('X-Request-Id', 'evil id with spaces');
      expect(bad.headers['x-request-id']).not.toBe('evil id with spaces');
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers an unknown route with 404 in the NestJS error shape', async () => {
      const res = await t.http.get('/no-such-route').set('Authorization', adminAuth);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(expect.objectContaining({ statusCode: 404, message: expect.any(String) }));
    });
  });
});

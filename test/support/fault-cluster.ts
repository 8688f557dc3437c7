import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN, clearRedisPrefix, dropDatabase, testDatabaseUrl, testQueuePrefix, waitFor } from './app.js';
import { startSmtpServer, type TestSmtpServer } from './notifications.js';
import { startService, stopServices, type ServiceProcess } from './service-process.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The product's own processes as a province runs them: two PROCESS_ROLE=api and two PROCESS_ROLE=worker processes
 * (src/main.ts, as service-process.ts starts it), sharing one storage folder and keys, each reaching PostgreSQL and
 * Redis through a TcpProxy the test can cut, and mailing a real SMTP server in the test's process. The test's own
 * pool (`db`) goes straight to PostgreSQL, so that it can look while the proxy is cut.
 */
export interface FaultCluster {
  name: string;
  database: string;
  prefix: string;
  apis: ServiceProcess[];
  workers: ServiceProcess[];
  pgProxy: TcpProxy;
  redisProxy: TcpProxy;
  smtp: TestSmtpServer;
  db: pg.Pool;
  /** Starts one more process of the role (a killed one's replacement, as the supervisor does). */
  start(role: 'api' | 'worker'): Promise<ServiceProcess>;
  /** API processes still running. */
  liveApis(): ServiceProcess[];
  close(): Promise<void>;
}

export async function startFaultCluster(name: string, env: Record<string, string>): Promise<FaultCluster> {
  const database = testDatabaseUrl(name);
  const prefix = testQueuePrefix(name);
  await dropDatabase(database);
  await clearRedisPrefix(prefix, 'redis://127.0.0.1:6379');
  const smtp = await startSmtpServer();
  const pgProxy = new TcpProxy('127.0.0.1', 5432);
  const redisProxy = new TcpProxy('127.0.0.1', 6379);
  const pgPort = await pgProxy.start();
  const redisPort = await redisProxy.start();
  const storage = mkdtempSync(join(tmpdir(), `ntm-${name}-`));
  const all: ServiceProcess[] = [];
  const shared = {
    DATABASE_URL: database.replace(':5432/', `:${pgPort}/`),
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: prefix,
    // One storage folder and one pair of keys, as the supervisor's children share: a token signed by one API is
    // good at the other, and every process writes the history with the same key.
    STORAGE_DIR: storage,
    JWT_SECRET: randomBytes(24).toString('hex'),
    AUDIT_KEY: randomBytes(24).toString('hex'),
    MAIL_TRANSPORT: 'smtp',
    SMTP_URL: smtp.url,
    PUBLIC_URL: 'https://ntm.langson.gov.vn',
    ...env,
  };
  const cluster: FaultCluster = {
    name,
    database,
    prefix,
    apis: [],
    workers: [],
    pgProxy,
    redisProxy,
    smtp,
    db: new pg.Pool({ connectionString: database, max: 4 }),
    async start(role) {
      const p = await startService(role, shared);
      all.push(p);
      (role === 'api' ? cluster.apis : cluster.workers).push(p);
      return p;
    },
    liveApis: () => cluster.apis.filter((p) => p.alive()),
    async close() {
      await pgProxy.start();
      await redisProxy.start();
      await stopServices(all);
      await cluster.db.end().catch(() => undefined);
      await pgProxy.stop();
      await redisProxy.stop();
      await smtp.close();
      rmSync(storage, { recursive: true, force: true });
    },
  };
  try {
    // The first process creates, migrates and seeds the database; the other three start together.
    await cluster.start('api');
    await Promise.all([cluster.start('api'), cluster.start('worker'), cluster.start('worker')]);
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

/** The process (of `list`) that holds the local TCP connection whose client port is `port` (read from /proc). */
export function ownerOfPort(list: ServiceProcess[], port: number): ServiceProcess | undefined {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = cols[1].split(':')[1];
      if (local && parseInt(local, 16) === port) inodes.add(cols[9]);
    }
  }
  return list.find((p) => {
    if (!p.alive() || !p.child.pid) return false;
    try {
      return readdirSync(`/proc/${p.child.pid}/fd`).some((fd) => {
        try {
          const target = readlinkSync(`/proc/${p.child.pid}/fd/${fd}`);
          return inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '');
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

// ---- a bounded client -------------------------------------------------------------------------------------

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** What one logical request went through: every try (status or network error) and its final answer. */
export interface Exchange {
  method: string;
  path: string;
  key?: string;
  body?: unknown;
  tries: { api: string; status: number | string; retryAfter?: string; message?: string }[];
  final: Answer;
}

function once(url: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: { ...(payload ? { 'Content-Type': 'application/json' } : {}), 'Accept-Language': 'vi', ...headers },
        timeout: 45_000,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A client of the cluster as a careful front end is: it spreads requests over the API processes that are up,
 * and when a try has no answer (connection refused or reset) or is told to come back (503 with Retry-After, 409
 * `idempotency_key_running`), it tries again, the same request with the same Idempotency-Key, on the next API,
 * until it has a definite answer. Every exchange is recorded for the checks at the end.
 */
export class FaultClient {
  readonly exchanges: Exchange[] = [];
  private turn = 0;
  private serial = 0;
  private readonly flying = new Map<string, number>();

  constructor(
    private readonly cluster: FaultCluster,
    private readonly giveUpMs = 90_000,
  ) {}

  key(): string {
    return `fault-${process.pid}-${++this.serial}-${randomBytes(4).toString('hex')}`;
  }

  async send(method: string, path: string, auth: string | null, body?: unknown, key?: string): Promise<Answer> {
    const idempotencyKey = key ?? (method === 'POST' ? this.key() : undefined);
    const exchange: Exchange = { method, path, key: idempotencyKey, body, tries: [], final: { status: 0, headers: {}, body: null } };
    const headers: Record<string, string> = {};
    if (auth) headers.Authorization = auth;
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const deadline = Date.now() + this.giveUpMs;
    for (;;) {
      const apis = this.cluster.liveApis();
      const api = apis[this.turn++ % Math.max(1, apis.length)];
      let wait = 200;
      try {
        if (!api) throw Object.assign(new Error('no API process'), { code: 'NOAPI' });
        this.flying.set(api.url, (this.flying.get(api.url) ?? 0) + 1);
        const answer = await once(api.url, method, path, headers, body).finally(() =>
          this.flying.set(api.url, this.flying.get(api.url)! - 1),
        );
        const retryAfter = answer.headers['retry-after'] as string | undefined;
        exchange.tries.push({ api: api.url, status: answer.status, retryAfter, message: answer.body?.message });
        const comeBack = answer.status === 503 || (answer.status === 409 && /Idempotency-Key/.test(String(answer.body?.message)));
        if (!comeBack) {
          exchange.final = answer;
          this.exchanges.push(exchange);
          return answer;
        }
        if (retryAfter) wait = Math.min(Number(retryAfter) * 1000, 1000);
      } catch (err) {
        exchange.tries.push({ api: api?.url ?? '', status: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      }
      if (Date.now() > deadline) {
        this.exchanges.push(exchange);
        throw new Error(`${method} ${path}: no answer within ${this.giveUpMs} ms: ${JSON.stringify(exchange.tries.slice(-3))}`);
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** `send` that expects `status`; throws with the answer otherwise. */
  async expect(status: number, method: string, path: string, auth: string | null, body?: unknown): Promise<any> {
    const answer = await this.send(method, path, auth, body);
    if (answer.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async login(username: string, password: string): Promise<string> {
    const body = await this.expect(200, 'POST', '/auth/login', null, { username, password });
    return `Bearer ${body.accessToken}`;
  }

  /** How many tries are waiting for an answer from the API at `url`. */
  inFlight(url: string): number {
    return this.flying.get(url) ?? 0;
  }

  /** Every try that was told to come back later (503) during the run. */
  unavailable() {
    return this.exchanges.flatMap((e) => e.tries.filter((t) => t.status === 503));
  }
}

/** Waits until every API process still running answers GET /health with 200. */
export async function allHealthy(cluster: FaultCluster, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      for (const api of cluster.liveApis())
        if ((await once(api.url, 'GET', '/health', {}).catch(() => ({ status: 0 }))).status !== 200) return false;
      return true;
    },
    { timeoutMs, intervalMs: 200, what: 'GET /health to answer 200 on every API' },
  );
}

export { ADMIN };

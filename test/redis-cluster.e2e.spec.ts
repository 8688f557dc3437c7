import type { LoggerService } from '@nestjs/common';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { NOTIFY } from '../workflows/common/effects.js';
import { startTestApp, testQueuePrefix, waitFor, type TestApp } from './support/app.js';
import { engineHarness, engineOverrides, notifyRecorder, testWorkflow, type EngineHarness } from './support/test-workflow.js';

/**
 * The service on a real Redis Cluster of this file's own: three redis-server processes on free ports (each with
 * its cluster bus on port + 10000) in a temporary folder, joined by `redis-cli --cluster create`, no replicas. The
 * machine's own Redis is not used. One node is given another eviction policy, so that the worker's check is seen
 * to ask every master, not whichever node a command without a key happens to reach.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free as well. */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 < 65536 && !taken.includes(port) && (await isFree(port + 10000))) return port;
  }
}

/** One command over a raw socket, what the first packet of the answer says. */
function ask(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

describe('Redis Cluster (REDIS_CLUSTER=true)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ntm-redis-cluster-'));
  const servers: ChildProcess[] = [];
  const ports: number[] = [];
  const tag = testQueuePrefix('rcluster');
  const prefix = `{${tag}}`;
  let t: TestApp;
  let h: EngineHarness;
  let notify: ReturnType<typeof notifyRecorder>;
  let cluster: Cluster;
  const warnings: string[] = [];
  const logger: LoggerService = {
    log: () => undefined,
    warn: (message: unknown) => warnings.push(String(message)),
    debug: () => undefined,
    verbose: () => undefined,
    error: () => undefined,
  };

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) ports.push(await freeClusterPort(ports));
    for (const [i, port] of ports.entries()) {
      const server = spawn(
        '/usr/bin/redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--save',
          '',
          '--appendonly',
          'no',
          ...(i === 2 ? ['--maxmemory-policy', 'allkeys-lru'] : []),
        ],
        { stdio: 'ignore' },
      );
      servers.push(server);
    }
    for (const port of ports) {
      await waitFor(() => ask(port, 'PING').then((answer) => answer.startsWith('+PONG')), { what: `redis-server on ${port} to listen` });
    }
    await promisify(execFile)('/usr/bin/redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await waitFor(() => ask(port, 'CLUSTER INFO').then((answer) => answer.includes('cluster_state:ok')), {
        what: `the node on ${port} to see the cluster up`,
        timeoutMs: 30000,
      });
    }

    notify = notifyRecorder();
    t = await startTestApp(
      'redis_cluster',
      {
        // Two of the three nodes as seeds: the client finds the third from them.
        REDIS_URL: `redis://127.0.0.1:${ports[0]},redis://127.0.0.1:${ports[1]}`,
        REDIS_CLUSTER: 'true',
        QUEUE_PREFIX: prefix,
        DEADLINE_OVERRIDES: 'test.review=PT1S',
      },
      { ...engineOverrides({ definitions: [testWorkflow()], notify }), logger },
    );
    h = await engineHarness(t.app, { notify });
    cluster = new Cluster([{ host: '127.0.0.1', port: ports[0] }]);
  }, 60000);

  afterAll(async () => {
    cluster?.disconnect();
    await t?.close();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (server.exitCode !== null || server.signalCode !== null) return resolve();
            server.once('exit', () => resolve());
            server.kill();
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every key of this file's prefix, from each master. */
  async function keys(): Promise<{ port: number; key: string }[]> {
    const found: { port: number; key: string }[] = [];
    for (const node of cluster.nodes('master')) {
      let cursor = '0';
      do {
        const [next, page] = await node.scan(cursor, 'MATCH', `*${tag}*`, 'COUNT', 1000);
        found.push(...page.map((key) => ({ port: node.options.port as number, key })));
        cursor = next;
      } while (cursor !== '0');
    }
    return found;
  }

  it('refuses a cluster without a hash tag in QUEUE_PREFIX, in one line naming both variables', () => {
    const refuse = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(env)}`);
    };
    for (const queuePrefix of ['ntm', '{}ntm', 'ntm{', 'a}b{c']) {
      const message = refuse({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: queuePrefix });
      expect(message).toMatch(/REDIS_CLUSTER=true.*QUEUE_PREFIX/);
      expect(message.split('\n')).toHaveLength(1);
    }
    expect(refuse({ REDIS_URL: 'redis://a:6379,redis://b:6379' })).toMatch(/REDIS_URL.*REDIS_CLUSTER=true/);
    expect(refuse({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: '{ntm}', REDIS_URL: 'redis://a:6379/2' })).toMatch(/database/);
    expect(refuse({ REDIS_CLUSTER: 'yes' })).toMatch(/REDIS_CLUSTER must be true or false/);
    expect(loadConfig({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: 'a{ntm}b' })).toEqual(expect.objectContaining({ redisCluster: true }));
    expect(loadConfig({}).redisCluster).toBe(false);
  });

  it('is three masters, each holding some slots', async () => {
    for (const port of ports) expect(await ask(port, 'CLUSTER INFO')).toMatch(/cluster_size:3/);
  });

  it('runs a timer and an email job, answers /health and counts a failed sign-in, every key on the slot of the tag', async () => {
    expect(t.config.redisCluster).toBe(true);
    const subject = h.subject();
    const started = await h.engine.start('test', subject, h.actors.commune);
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    expect((await t.http.post('/auth/login').send({ username: 'nobody-here', password: 'wrong-password' })).status).toBe(401);
    await waitFor(async () => (await h.timers(started.instanceId)).every((x) => x.status === 'fired'), { what: 'the timers to fire' });
    await waitFor(async () => (await h.outbox(started.instanceId)).every((o) => o.status === 'done'), { what: 'the effects to be done' });
    expect((await h.instance(started.instanceId)).state).toBe('overdue');
    expect(notify.calls.some((c) => c.subjectId === subject.id)).toBe(true);
    expect((await t.http.get('/health')).status).toBe(200);

    const found = await keys();
    expect(found.some(({ key }) => key.startsWith(`${prefix}:login-failures:`))).toBe(true);
    expect(found.some(({ key }) => key.startsWith(`${prefix}:deadlines:`))).toBe(true);
    expect(found.some(({ key }) => key.startsWith(`${prefix}:${NOTIFY.queue}:`))).toBe(true);
    // All on the one master that holds the tag's slot.
    expect(new Set(found.map(({ port }) => port)).size).toBe(1);
    expect(found.every(({ key }) => key.startsWith(`${prefix}:`))).toBe(true);
  });

  it('asks every master for its eviction policy', () => {
    expect(warnings.some((w) => w.includes('maxmemory-policy is allkeys-lru'))).toBe(true);
  });

  it('names its connections on the nodes as on one server', async () => {
    const names = (await Promise.all(cluster.nodes('master').map((node) => node.client('LIST') as Promise<string>))).join('\n');
    expect(names).toContain(`name=${prefix}:app`);
    expect(names).toContain(`name=${prefix}:health`);
    expect(names).toContain(`name=${prefix}:queues`);
  });
});

import type { LoggerService } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { startTestApp, waitFor, type TestApp } from './support/app.js';
import { engineHarness, engineOverrides, notifyRecorder, testWorkflow, type EngineHarness } from './support/test-workflow.js';

/**
 * A Redis as managed services offer it: CONFIG refused to clients (renamed away), an eviction policy set by the
 * provider. The worker still starts, warns about the policy (read from INFO), and fires its timers. The server is
 * a redis-server of this file's own on a free port; the shared one is left alone.
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

/** One command over a raw socket, the first line of the answer. */
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

describe('Redis without CONFIG (a managed service)', () => {
  let redisServer: ChildProcess;
  let port: number;
  let t: TestApp;
  let h: EngineHarness;
  const warnings: string[] = [];
  const logger: LoggerService = {
    log: () => undefined,
    warn: (message: unknown) => warnings.push(String(message)),
    debug: () => undefined,
    verbose: () => undefined,
    error: () => undefined,
  };

  beforeAll(async () => {
    port = await freePort();
    redisServer = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'allkeys-lru',
        '--rename-command',
        'CONFIG',
        '""',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => ask(port, 'PING').then((answer) => answer.startsWith('+PONG')), { what: 'redis-server to listen' });
    const notify = notifyRecorder();
    t = await startTestApp(
      'redis_managed',
      { REDIS_URL: `redis://127.0.0.1:${port}`, DEADLINE_OVERRIDES: 'test.review=PT1S' },
      { ...engineOverrides({ definitions: [testWorkflow()], notify }), logger },
    );
    h = await engineHarness(t.app, { notify });
  });
  afterAll(async () => {
    await t?.close();
    redisServer?.kill();
  });

  it('refuses CONFIG, as the service is started against it', async () => {
    expect(await ask(port, 'CONFIG GET maxmemory-policy')).toMatch(/^-ERR unknown command/);
  });

  it('starts the worker, warns that the policy is not noeviction, and fires a timer', async () => {
    expect(warnings.some((w) => w.includes('maxmemory-policy is allkeys-lru'))).toBe(true);
    const subject = h.subject();
    const started = await h.engine.start('test', subject, h.actors.commune);
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    await waitFor(async () => (await h.timers(started.instanceId)).every((x) => x.status === 'fired'), { what: 'the timers to fire' });
    expect((await h.instance(started.instanceId)).state).toBe('overdue');
    expect((await t.http.get('/health')).status).toBe(200);
  });
});

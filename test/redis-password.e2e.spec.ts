import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { waitFor } from './support/app.js';
import { readyToSubmit, startKit, type Kit } from './support/certification-kit.js';

/**
 * A Redis that requires a password (docker-compose.yml's `requirepass`): a REDIS_URL carrying it reaches Redis from
 * every client the service opens (its own ioredis, BullMQ's queues and workers, the health probe). The server is a
 * redis-server of this file's own on a free port; the shared one is left alone.
 */
const PASSWORD = 'mật-khẩu redis/@:1';

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

describe('Redis with a password', () => {
  let redisServer: ChildProcess;
  let port: number;
  let k: Kit;

  beforeAll(async () => {
    port = await freePort();
    redisServer = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--requirepass',
        PASSWORD,
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port }, () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        }),
      { what: 'redis-server to listen' },
    );
    k = await startKit('redis_password', {
      REDIS_URL: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`,
      DEADLINE_OVERRIDES: 'certification.consultation=PT1S',
    });
  });
  afterAll(async () => {
    await k?.close();
    redisServer?.kill();
  });

  it('is refused without the password', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.once('error', reject);
    });
    expect(answer).toMatch(/^-NOAUTH/);
  });

  it('serves the app through the password: health, and a deadline fired by the BullMQ worker', async () => {
    const health = await k.t.http.get('/health');
    expect(health.status).toBe(200);
    const commune = await k.user('COMMUNE_STAFF', 'LS-TD-01');
    // draft -> consultation -> the consultation deadline (1 s, a delayed BullMQ job) -> ready_to_submit
    await readyToSubmit(k, commune.auth, 'LS-TD-01-01');
    const keys = new Redis({ host: '127.0.0.1', port, password: PASSWORD });
    try {
      expect((await keys.keys(`${k.t.config.queuePrefix}:*`)).length).toBeGreaterThan(0);
    } finally {
      keys.disconnect();
    }
  });
});

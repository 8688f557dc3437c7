import net from 'node:net';
import { clusterSeeds } from '../redis/redis-client.js';

const HOW_TO_START = {
  postgres:
    'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or docker compose up -d; see README, Prerequisites)',
  redis:
    'start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no (or docker compose up -d; see README, Prerequisites)',
};

/** Opens a TCP connection to host:port, resolving with an error text when it cannot be reached. */
function probe(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (error: string | null) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Checks that PostgreSQL and Redis answer; the error's message is the one line the process prints. */
export async function preflight(databaseUrl: string, redisUrl: string, timeoutMs = 3000): Promise<void> {
  const db = new URL(databaseUrl);
  const dbHost = db.hostname || '127.0.0.1';
  const dbPort = Number(db.port || 5432);
  const dbError = await probe(dbHost, dbPort, timeoutMs);
  if (dbError) {
    throw new Error(`Cannot reach PostgreSQL at ${dbHost}:${dbPort} (DATABASE_URL): ${dbError}; ${HOW_TO_START.postgres}`);
  }
  // A cluster's REDIS_URL lists seed nodes separated by commas: one answering is enough, as for the cluster client.
  const seeds = clusterSeeds(redisUrl);
  let firstError: string | null = null;
  for (const { host, port } of seeds) {
    const redisError = await probe(host, port, timeoutMs);
    if (!redisError) return;
    firstError ??= redisError;
  }
  const { host: redisHost, port: redisPort } = seeds[0];
  const others = seeds.length > 1 ? ` (nor ${seeds.length - 1} other seed node(s))` : '';
  throw new Error(`Cannot reach Redis at ${redisHost}:${redisPort}${others} (REDIS_URL): ${firstError}; ${HOW_TO_START.redis}`);
}

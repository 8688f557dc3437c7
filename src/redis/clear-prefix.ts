import { createRedisClient, serversOf } from './redis-client.js';

/**
 * Deletes every Redis key under `prefix:` (a deployment's or a test run's queues and counters). On a cluster
 * (`cluster` true, `redisUrl` its seed nodes) each master is scanned, and each key deleted on its own, as keys of
 * several slots may not go in one DEL.
 */
export async function clearRedisPrefix(prefix: string, redisUrl = 'redis://127.0.0.1:6379', cluster = false): Promise<void> {
  const redis = createRedisClient({ redisUrl, redisCluster: cluster }, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for (const server of serversOf(redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await server.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length && !cluster) await server.del(...keys);
        else if (keys.length) await keys.reduce((p, key) => p.del(key), server.pipeline()).exec();
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

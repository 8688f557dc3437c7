import { Redis } from 'ioredis';

/** Deletes every Redis key under `prefix:` (a deployment's or a test run's queues and counters). */
export async function clearRedisPrefix(prefix: string, redisUrl = 'redis://127.0.0.1:6379'): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

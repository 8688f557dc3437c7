import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A client of the configured Redis: one server, or a Redis Cluster (`REDIS_CLUSTER=true`). */
export type RedisClient = Redis | Cluster;

/** Where the service's Redis is: `AppConfig`'s part of it. */
export interface RedisTarget {
  redisUrl: string;
  redisCluster?: boolean;
}

/** ioredis' options for one server from a redis:// or rediss:// URL (user, password, database, TLS). */
export function redisServerOptions(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** BullMQ's options for one server from a redis:// URL: the server's, with `maxRetriesPerRequest: null`. */
export function redisConnection(url: string) {
  return { ...redisServerOptions(url), maxRetriesPerRequest: null };
}

/** The seed nodes of a cluster `REDIS_URL` (one URL or several separated by commas), as host and port. */
export function clusterSeeds(redisUrl: string): { host: string; port: number }[] {
  return redisUrl.split(',').map((url) => {
    const { host, port } = redisServerOptions(url.trim());
    return { host, port };
  });
}

/**
 * Every Redis client the service opens is made here. On one server it is ioredis' `Redis` on the URL with the
 * given options, as it always was. On a cluster it is ioredis' `Cluster` on the seed nodes, each node's
 * connection with the first URL's user, password and TLS and the given options; the options that belong to the
 * cluster as a whole (whether it connects at once, queues commands while it is away, how it reconnects) are
 * given to the cluster.
 */
export function createRedisClient(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if (!target.redisCluster) return new Redis(target.redisUrl, options);
  const { username, password, tls } = redisServerOptions(target.redisUrl.split(',')[0].trim());
  const { lazyConnect, enableOfflineQueue, retryStrategy, ...nodeOptions } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: { username, password, tls, ...nodeOptions },
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null } : {}),
  };
  return new Cluster(clusterSeeds(target.redisUrl), clusterOptions);
}

/**
 * BullMQ's connection: on one server the options it opens its own connections from (each queue and worker its own),
 * on a cluster one `Cluster` all queues share and workers duplicate for their blocking reads (BullMQ takes a
 * cluster only as a client). `maxRetriesPerRequest: null` as BullMQ's workers need: a command waits for Redis
 * to come back rather than failing.
 */
export function bullConnection(target: RedisTarget, connectionName: string) {
  if (!target.redisCluster) return redisConnection(target.redisUrl);
  return createRedisClient(target, { maxRetriesPerRequest: null, connectionName }) as Cluster;
}

/** The clients to ask for what each server says of itself (INFO): the server, or each master of the cluster. */
export function serversOf(client: RedisClient | { isCluster?: boolean }): Redis[] {
  if ((client as { isCluster?: boolean }).isCluster) return (client as Cluster).nodes('master');
  return [client as Redis];
}

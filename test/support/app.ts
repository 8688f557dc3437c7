import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp, prepareDatabase } from '../../src/app.factory.js';
import { dropDatabase } from '../../src/database/migrator.js';
import { clearRedisPrefix } from '../../src/redis/clear-prefix.js';
import { loadConfig, type AppConfig } from '../../src/config/config.js';
import type { AppOverrides } from '../../src/app.module.js';
import type { LoggerService } from '@nestjs/common';

export const ADMIN = { username: 'admin', password: 'admin-password-1' };

/**
 * Keeps two checkouts testing on one machine apart: `TEST_NAMESPACE=a` makes every test database and queue prefix
 * of this run its own. Empty by default.
 */
const NAMESPACE = process.env.TEST_NAMESPACE ? `${process.env.TEST_NAMESPACE.replace(/[^a-z0-9]/gi, '')}_` : '';

/** A database URL of its own for one test file (created by the app at start). */
export function testDatabaseUrl(name: string): string {
  return `postgresql://postgres@127.0.0.1:5432/ntm_test_${NAMESPACE}${name}`;
}

/** The BullMQ and Redis key prefix of one test file. */
export function testQueuePrefix(name: string): string {
  return `test-${NAMESPACE}${name}`;
}

export { dropDatabase };

export { clearRedisPrefix };

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  http: ReturnType<typeof request>;
  /** Signs in and returns an Authorization header value. */
  login(username: string, password: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the real application for one test file: its own database (dropped first), its own BullMQ prefix and
 * storage folder, the same start-up path as `npm start` (preflight, create database, migrate, seed, first users).
 * `overrides` puts test workflows, jobs, a clock or a logger in place of the service's own.
 */
export async function startTestApp(
  name: string,
  env: Record<string, string> = {},
  overrides: AppOverrides & { logger?: LoggerService } = {},
): Promise<TestApp> {
  const storage = mkdtempSync(join(tmpdir(), `ntm-${name}-`));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(name),
    QUEUE_PREFIX: testQueuePrefix(name),
    STORAGE_DIR: storage,
    LOG_LEVEL: 'silent',
    // A Redis with a password (docker-compose.yml) is named in the environment, as for the service.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    ...env,
  });
  if (!env.KEEP_DATABASE) {
    await dropDatabase(config.databaseMigrationUrl);
    await clearRedisPrefix(config.queuePrefix, config.redisUrl, config.redisCluster);
  }
  let app: INestApplication;
  try {
    await prepareDatabase(config);
    app = await createApp(config, overrides);
  } catch (err) {
    rmSync(storage, { recursive: true, force: true });
    throw err;
  }
  const http = request(app.getHttpServer());
  return {
    app,
    config,
    http,
    async login(username, password) {
      const res = await request(app.getHttpServer()).post('/auth/login').send({ username, password });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return `Bearer ${res.body.accessToken}`;
    },
    async close() {
      await app.close();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T> | T, { timeoutMs = 20000, intervalMs = 50, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * The same request asking for English messages (the API answers in Vietnamese by default), for assertions on the
 * English wording. Takes a supertest request before it is sent, as the kits return them.
 */
export function inEnglish<T>(req: T): T {
  (req as unknown as { set(name: string, value: string): unknown }).set('Accept-Language', 'en');
  return req;
}

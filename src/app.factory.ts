import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import { INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { PinoLogger, requestLogging } from './logging/logger.js';
import { observeRequests } from './metrics/http-metrics.js';
import { MetricsService } from './metrics/metrics.service.js';
import { AppModule, type AppOverrides } from './app.module.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/config.js';
import { ensureDatabase, migrate } from './database/migrator.js';
import { preflight } from './database/preflight.js';
import { openApiDocument } from './docs/openapi.js';

/**
 * Checks PostgreSQL and Redis answer, then as the tables' owner (DATABASE_MIGRATION_URL) creates the database if
 * missing, applies pending migrations and gives the service's role (DATABASE_URL) its rights.
 */
export async function prepareDatabase(config: AppConfig): Promise<void> {
  await preflight(config.databaseUrl, config.redisUrl);
  await ensureDatabase(config.databaseMigrationUrl);
  await migrate(config.databaseMigrationUrl, undefined, { serviceUrl: config.databaseUrl });
}

/** JSON bodies above this are refused with 413 (Express's body-parser default, which this service had before). */
const JSON_BODY_LIMIT = 100 * 1024;
/** How long a request may take to arrive in full (Node's default, which Express kept and Fastify sets to 0). */
const REQUEST_TIMEOUT_MS = 300_000;

/**
 * Builds the application (not listening yet) on Fastify: request logging, security headers, multipart
 * uploads, request metrics, validation, OpenAPI at /docs and /docs-json.
 */
export async function createApp(config: AppConfig, overrides: AppOverrides & { logger?: LoggerService } = {}): Promise<INestApplication> {
  const pino = PinoLogger.create(config.logLevel);
  const logger = overrides.logger ?? pino;
  // Fastify rather than Express: measured on the REVIEW_CRITERION route, the service spent about 40% less CPU
  // per request (README, Benchmark). Fastify sends no ETag of its own; versioned resources carry theirs.
  // As under Express: `/units/` answers as `/units`, and a request still arriving after 300 s (Node's own
  // limit, which Fastify turns off) is cut, so a stalled upload cannot hold a socket and a temporary file.
  const adapter = new FastifyAdapter({
    // The client's address (the sign-in throttle counts by it) is the connection's, unless it comes from a proxy
    // TRUST_PROXY names: then the nearest address in X-Forwarded-For that no trusted proxy added.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    bodyLimit: JSON_BODY_LIMIT,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // A client that sends its headers a byte at a time (slowloris) is cut after HEADERS_TIMEOUT_SECONDS, checked
    // every few seconds (Node checks every 30 s by default), so idle half-open requests cannot pile up.
    http: {
      headersTimeout: config.headersTimeoutSeconds * 1000,
      connectionsCheckingInterval: Math.min(5000, Math.max(500, (config.headersTimeoutSeconds * 1000) / 2)),
    },
    routerOptions: { ignoreTrailingSlash: true },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, overrides), adapter, {
    logger,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const logRequest = requestLogging(pino);
  fastify.addHook('onRequest', (request, reply, done) => {
    logRequest(request.raw, reply.raw);
    done();
  });
  observeRequests(fastify, app.get(MetricsService));
  // A body of a type no route reads is left unread, as Express did (the route then answers 400 or 401), rather
  // than refused with 415 before the guard.
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  // Helmet's defaults (no inline script anywhere); the pages send a stricter policy of their own (web-request.ts).
  await app.register(helmet);
  // The pages' cookies (session, language); their forms are urlencoded, which Nest's adapter parses, or multipart.
  await app.register(cookie);
  // Uploads (POST /dossiers/:id/attachments) are parsed in their route, streamed to the store as they arrive.
  await app.register(multipart, { limits: { files: 1, fields: 5, fileSize: config.maxUploadBytes + 1 } });
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  try {
    await app.init();
    await fastify.ready();
  } catch (err) {
    // Release what the modules opened before the failure (database pool, Redis, queues), then report it.
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

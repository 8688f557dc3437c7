import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { PinoLogger, requestLogging } from './logging/logger.js';
import { AppModule } from './app.module.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/config.js';
import { ensureDatabase, migrate } from './database/migrator.js';
import { preflight } from './database/preflight.js';

/** Checks PostgreSQL and Redis answer, creates the database if missing and applies pending migrations. */
export async function prepareDatabase(config: AppConfig): Promise<void> {
  await preflight(config.databaseUrl, config.redisUrl);
  await ensureDatabase(config.databaseUrl);
  await migrate(config.databaseUrl);
}

/** Builds the application (not listening yet): middleware, validation, OpenAPI at /docs and /docs-json. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const logger = PinoLogger.create(config.logLevel);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger });
  app.use(requestLogging(logger));
  app.set('trust proxy', 'loopback');
  // Express would hash every response body for a weak ETag that no client of this API uses; versioned
  // resources carry their own (the dossier's and project's `version`, checked by If-Match).
  app.set('etag', false);
  app.use(helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", "'unsafe-inline'"] } } }));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('NTM Workflow')
      .setDescription('Village certification and fund approval for the New Rural Development programme (Nông thôn mới)')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  try {
    await app.init();
  } catch (err) {
    // Release what the modules opened before the failure (database pool, Redis, queues), then report it.
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

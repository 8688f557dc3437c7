import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from './config/config.js';
import { createApp, prepareDatabase } from './app.factory.js';
import { AppModule } from './app.module.js';
import { stopOnSignals } from './lifecycle/graceful-stop.js';
import { PinoLogger } from './logging/logger.js';

async function main(): Promise<void> {
  const config = loadConfig();
  await prepareDatabase(config);
  if (config.processRole === 'worker') {
    const context = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: PinoLogger.create(config.logLevel) });
    stopOnSignals(context, { timeoutMs: config.shutdownTimeoutSeconds * 1000 });
    process.stdout.write(`NTM Workflow worker running (role worker)\n`);
    return;
  }
  const app = await createApp(config);
  // Every interface, as Express did (Fastify alone would listen on localhost only): IPv6 and IPv4 where the
  // host has IPv6, IPv4 otherwise.
  await app.listen(config.port, '::').catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EAFNOSUPPORT' && err.code !== 'EADDRNOTAVAIL') throw err;
    return app.listen(config.port, '0.0.0.0');
  });
  const adapter = app.getHttpAdapter();
  stopOnSignals(app, {
    timeoutMs: config.shutdownTimeoutSeconds * 1000,
    http: { server: adapter.getHttpServer(), close: () => adapter.close() },
  });
  process.stdout.write(`NTM Workflow listening on http://localhost:${config.port} (role ${config.processRole}; API docs at /docs)\n`);
}

main().catch((err: unknown) => {
  const message =
    err instanceof ConfigError || /^(Cannot reach|Configuration error)/.test((err as Error)?.message ?? '')
      ? (err as Error).message
      : `Startup failed: ${(err as Error)?.stack ?? String(err)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});

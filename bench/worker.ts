/**
 * The service's worker as the timers row runs it: src/main.ts's `PROCESS_ROLE=worker` path (the relay, the
 * reconciler, the queue workers), with the benchmark's workflows registered beside the service's.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { prepareDatabase } from '../src/app.factory.js';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/config.js';
import { stopOnSignals } from '../src/lifecycle/graceful-stop.js';
import { PinoLogger } from '../src/logging/logger.js';
import { benchWorkflows } from './bench-workflow.js';

const config = loadConfig({ ...process.env, PROCESS_ROLE: 'worker' });
await prepareDatabase(config);
const context = await NestFactory.createApplicationContext(AppModule.forRoot(config, { workflows: benchWorkflows }), {
  logger: PinoLogger.create(config.logLevel),
});
stopOnSignals(context, { timeoutMs: config.shutdownTimeoutSeconds * 1000 });
process.stdout.write('worker running\n');

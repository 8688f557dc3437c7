/**
 * A notifications worker in a process of its own, for tests that kill one mid-job: the real OutboxRunner and
 * NotifyJob (recipients, templates, transport, delivery log) behind a BullMQ worker on the `notifications`
 * queue, configured by the environment like the service (DATABASE_URL, REDIS_URL, QUEUE_PREFIX,
 * MAIL_TRANSPORT, SMTP_URL, PUBLIC_URL), plus WORKER_LOCK_MS and WORKER_STALLED_MS. Subjects of type `place`
 * are described from the units table (subject id: `<village id>~<anything>`). Prints READY once listening.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Worker } from 'bullmq';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { kyselyOf } from '../../src/database/db.js';
import { EngineRepository } from '../../src/engine/engine.repository.js';
import { DeliveryLog } from '../../src/notifications/delivery-log.js';
import { NotifyJob, notifyJob } from '../../src/notifications/notify-job.js';
import { RecipientResolver } from '../../src/notifications/recipients.js';
import { SubjectDirectory } from '../../src/notifications/subject-directory.js';
import { createMailTransport } from '../../src/notifications/transport.js';
import { JobRegistry } from '../../src/queues/job-registry.js';
import { OutboxRunner } from '../../src/queues/outbox-runner.js';
import { redisConnection } from '../../src/redis/redis-client.js';

const config = loadConfig(process.env);
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
const directory = new SubjectDirectory();
directory.register('place', async (id) => {
  const { rows } = await pool.query<{ village: string; commune: string; path: string; id: string }>(
    `SELECT v.id, v.name AS village, c.name AS commune, v.path FROM units v JOIN units c ON c.id = v.parent_id WHERE v.id = $1`,
    [id.split('~')[0]],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    title: { vi: `Hồ sơ công nhận thôn ${r.village} năm 2026`, en: `Certification dossier of ${r.village} village, 2026` },
    villageName: r.village,
    communeName: r.commune,
    unitPath: r.path,
    link: `/dossiers/${r.id}`,
  };
});
const transport = createMailTransport(config);
const db = kyselyOf(pool);
const engine = new EngineRepository(pool, db);
const job = new NotifyJob(engine, config, directory, new RecipientResolver(db), new DeliveryLog(db), transport, new MetricsService());
const registry = new JobRegistry([{ ...notifyJob, handler: job }] as never, { get: () => job as never });
const runner = new OutboxRunner(engine, registry);
const worker = new Worker('notifications', (j) => runner.run(j as never), {
  connection: redisConnection(config.redisUrl),
  prefix: config.queuePrefix,
  concurrency: 4,
  lockDuration: Number(process.env.WORKER_LOCK_MS ?? 30_000),
  stalledInterval: Number(process.env.WORKER_STALLED_MS ?? 30_000),
});
const logger = new Logger('Worker');
worker.on('ready', () => process.stdout.write(`READY ${process.pid}\n`));
worker.on('completed', (j, result) => logger.log(`completed ${j.id}: ${String(result)}`));
worker.on('failed', (j, err) => logger.warn(`failed ${j?.id}: ${err.message}`));
worker.on('error', (err) => logger.warn(`worker error: ${err.message}`));
process.on('SIGTERM', async () => {
  await worker.close();
  await job.drain();
  await transport.close();
  await db.destroy();
  process.exit(0);
});

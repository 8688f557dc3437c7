/**
 * Benchmark row: emails per second from the outbox into a local SMTP server. Notify effects are written as
 * outbox rows (as the engine does), and the real path delivers them: relay ▸ BullMQ `notifications` queue ▸
 * OutboxRunner ▸ NotifyJob (recipients, template, delivery log claim/record) ▸ nodemailer's SMTP pool ▸ an
 * smtp-server in this process. The clock runs from the outbox rows' commit until the server has accepted every
 * message; each figure is the median of `runs` runs.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { LazyModuleLoader } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { createApp, prepareDatabase } from '../src/app.factory.js';
import { loadConfig } from '../src/config/config.js';
import { NotificationsModule } from '../src/notifications/notifications.module.js';
import { SubjectDirectory } from '../src/notifications/subject-directory.js';
import { dropDatabase } from '../src/database/migrator.js';
import { clearRedisPrefix } from '../src/redis/clear-prefix.js';

export interface NotificationBenchOptions {
  /** A database of its own, dropped and created again at start. Default postgresql://postgres@127.0.0.1:5432/ntm_bench_notifications */
  databaseUrl?: string;
  redisUrl?: string;
  /** Notify effects (outbox rows) per run; default 500. */
  effects?: number;
  /** Recipients of each effect (commune staff of one commune); default 4. */
  recipientsPerEffect?: number;
  /** Measured runs (after one warm-up run); default BENCH_RUNS or 3. */
  runs?: number;
}

export interface NotificationBenchResult {
  /** Median emails per second. */
  emailsPerSecond: number;
  /** Emails per second of each run. */
  rates: number[];
  /** Emails per run. */
  emails: number;
  /** A row for console.table, in bench/run.ts's shape. */
  row: { measure: string; engine: number; 'raw SQL': string; ratio: string; goal: string };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Emails per second from the outbox into a local SMTP server (goal: at least 200). */
export async function benchNotifications(options: NotificationBenchOptions = {}): Promise<NotificationBenchResult> {
  const databaseUrl =
    options.databaseUrl ?? process.env.BENCH_NOTIFICATIONS_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ntm_bench_notifications';
  const effects = options.effects ?? 500;
  const perEffect = options.recipientsPerEffect ?? 4;
  const runs = options.runs ?? Number(process.env.BENCH_RUNS ?? 3);
  const prefix = 'bench-notifications';

  let accepted = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        accepted++;
        callback();
      });
    },
  });
  smtp.on('error', () => undefined);
  const sockets = new Set<import('node:net').Socket>();
  smtp.server.on('connection', (socket: import('node:net').Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;

  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    PROCESS_ROLE: 'all',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    MAIL_TRANSPORT: 'smtp',
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    SEED: 'plan-136-2019',
  });
  await dropDatabase(databaseUrl);
  await clearRedisPrefix(prefix, config.redisUrl);
  await prepareDatabase(config);
  let app: INestApplication | undefined;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  try {
    app = await createApp(config);
    const ref = await app.get(LazyModuleLoader).load(() => NotificationsModule);

    const {
      rows: [village],
    } = await pool.query<{ id: string; path: string; commune_id: string; name: string; commune: string }>(
      `SELECT v.id, v.path, v.name, c.id AS commune_id, c.name AS commune FROM units v JOIN units c ON c.id = v.parent_id
        WHERE v.level = 'VILLAGE' ORDER BY v.code LIMIT 1`,
    );
    ref.get(SubjectDirectory).register('bench', async (id) => ({
      title: { vi: `Hồ sơ công nhận thôn ${village.name} năm 2026`, en: `Certification dossier of ${village.name}, 2026` },
      villageName: village.name,
      communeName: village.commune,
      unitPath: village.path,
      link: `/dossiers/${id}`,
    }));
    await pool.query(`UPDATE users SET active = false WHERE unit_id = $1`, [village.commune_id]);
    for (let i = 0; i < perEffect; i++) {
      await pool.query(
        `INSERT INTO users (id, username, password_hash, full_name, email, role, unit_id, locale)
         VALUES ($1, $2, 'x', $3, $4, 'COMMUNE_STAFF', $5, $6)`,
        [randomUUID(), `bench.${i}`, `Cán bộ xã ${i + 1}`, `bench.${i}@example.vn`, village.commune_id, i % 2 ? 'en' : 'vi'],
      );
    }
    const instanceId = randomUUID();
    await pool.query(
      `INSERT INTO workflow_instances (id, workflow_key, workflow_version, subject_type, subject_id, unit_id, unit_path, state, snapshot, open)
       VALUES ($1, 'bench', 1, 'bench', 'bench-subject', $2, $3, 'review', '{"value":"review","context":{},"status":"active"}', false)`,
      [instanceId, village.id, village.path],
    );

    let seq = 0;
    const once = async (count: number): Promise<number> => {
      const ids = Array.from({ length: count }, () => randomUUID());
      const seqs = ids.map(() => ++seq);
      const payloads = ids.map((_, i) => ({
        template: 'dossier_arrived',
        to: ['commune'],
        workflow: 'bench',
        subject: { type: 'bench', id: `d-${seqs[i]}` },
        event: 'SUBMIT',
        state: 'review',
        seq: seqs[i],
      }));
      const target = accepted + count * perEffect;
      const started = performance.now();
      await pool.query(
        `INSERT INTO outbox (id, instance_id, seq, queue, job, payload)
         SELECT id, $2, seq, 'notifications', 'notify', payload FROM unnest($1::text[], $3::int[], $4::jsonb[]) AS x(id, seq, payload)`,
        [ids, instanceId, seqs, payloads],
      );
      while (accepted < target) await new Promise((r) => setTimeout(r, 5));
      const seconds = (performance.now() - started) / 1000;
      for (;;) {
        const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1) AND status <> 'done'`, [
          ids,
        ]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const {
        rows: [check],
      } = await pool.query<{ sent: number }>(
        `SELECT count(*)::int AS sent FROM notification_deliveries WHERE outbox_id = ANY($1) AND status = 'sent'`,
        [ids],
      );
      if (check.sent !== count * perEffect || accepted !== target) {
        throw new Error(
          `bench: ${check.sent} deliveries sent and ${accepted - (target - count * perEffect)} accepted, expected ${count * perEffect}`,
        );
      }
      return (count * perEffect) / seconds;
    };

    await once(Math.max(10, Math.floor(effects / 10))); // warm-up: SMTP connections, JIT, caches
    const rates: number[] = [];
    for (let run = 0; run < runs; run++) rates.push(await once(effects));
    const emailsPerSecond = median(rates);
    return {
      emailsPerSecond,
      rates,
      emails: effects * perEffect,
      row: {
        measure: `emails/s from the outbox into a local SMTP server (${effects} effects × ${perEffect} recipients)`,
        engine: Math.round(emailsPerSecond),
        'raw SQL': '',
        ratio: '',
        goal: '>= 200',
      },
    };
  } finally {
    await app?.close();
    await pool.end();
    await new Promise<void>((resolve) => {
      smtp.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  }
}

import type { INestApplication } from '@nestjs/common';
import { LazyModuleLoader } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import type pg from 'pg';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { PG_POOL } from '../../src/database/pg-pool.js';
import { NotificationsModule } from '../../src/notifications/notifications.module.js';
import { NotifyJob } from '../../src/notifications/notify-job.js';
import type { PartyName } from '../../workflows/common/parties.js';
import { SubjectDirectory, type SubjectDescription } from '../../src/notifications/subject-directory.js';
import { MailTransport } from '../../src/notifications/transport.js';
import type { TestApp } from './app.js';

// ---- an SMTP server in this process ------------------------------------------------------------------------

export interface ReceivedMail {
  /** RCPT TO addresses. */
  to: string[];
  from: string;
  raw: Buffer;
  parsed: ParsedMail;
  messageId: string;
  /** Epoch ms when the whole message had arrived. */
  at: number;
  /** The sender's side of the connection (which process sent it, for a test that kills that one). */
  remotePort: number;
}

/** What the server answers to a message once its data has arrived: accept, refuse with a code, or never answer. */
export type Verdict = 'accept' | 'hold' | { code: number; message: string };

export interface TestSmtpServer {
  port: number;
  url: string;
  /** Messages accepted (250). */
  accepted: ReceivedMail[];
  /** Every message whose data arrived, accepted or not, in order. */
  received: ReceivedMail[];
  /** Decides each message's answer; the default accepts all. */
  verdict: (mail: ReceivedMail) => Verdict | Promise<Verdict>;
  /** Answers held messages (verdict 'hold') with this verdict. */
  release(verdict?: Exclude<Verdict, 'hold'>): void;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on a free local port, every message parsed with mailparser. */
export async function startSmtpServer(options: { parse?: boolean } = {}): Promise<TestSmtpServer> {
  const parse = options.parse ?? true;
  const held: { mail: ReceivedMail; callback: (err?: Error | null) => void }[] = [];
  const answer = (mail: ReceivedMail, verdict: Exclude<Verdict, 'hold'>, callback: (err?: Error | null) => void) => {
    if (verdict === 'accept') {
      state.accepted.push(mail);
      callback();
    } else {
      const err = Object.assign(new Error(verdict.message), { responseCode: verdict.code });
      callback(err);
    }
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        try {
          const raw = Buffer.concat(chunks);
          const parsed = parse ? await simpleParser(raw) : ({} as ParsedMail);
          const headerId = /^message-id:\s*(<[^>]+>)/im.exec(raw.subarray(0, 8192).toString('utf8'))?.[1] ?? '';
          const mail: ReceivedMail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            raw,
            parsed,
            messageId: headerId,
            at: Date.now(),
            remotePort: session.remotePort,
          };
          state.received.push(mail);
          const verdict = await state.verdict(mail);
          if (verdict === 'hold') held.push({ mail, callback });
          else answer(mail, verdict, callback);
        } catch (err) {
          callback(err as Error);
        }
      });
    },
  });
  server.on('error', () => undefined);
  const sockets = new Set<import('node:net').Socket>();
  server.server.on('connection', (socket: import('node:net').Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const state: TestSmtpServer = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    accepted: [],
    received: [],
    verdict: () => 'accept',
    release(verdict = 'accept') {
      for (const h of held.splice(0)) answer(h.mail, verdict, h.callback);
    },
    // Connections still open (a client's idle pool) are cut, so that closing never waits for them.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  return state;
}

// ---- the notifications module in a test app ----------------------------------------------------------------

export interface NotificationsHarness {
  directory: SubjectDirectory;
  job: NotifyJob;
  transport: MailTransport;
  pool: pg.Pool;
  /** Subject id → its description, for the test subject type. */
  subjects: Map<string, SubjectDescription>;
  subjectType: string;
}

/**
 * The NotificationsModule a started application holds (its notify job is among the service's jobs), with a
 * describer for a test subject type registered in its SubjectDirectory.
 */
export async function loadNotifications(app: INestApplication, subjectType = 'place'): Promise<NotificationsHarness> {
  const ref = await app.get(LazyModuleLoader).load(() => NotificationsModule);
  const job = ref.get(NotifyJob);
  const directory = ref.get(SubjectDirectory);
  const subjects = new Map<string, SubjectDescription>();
  directory.register(subjectType, async (id) => subjects.get(id) ?? null);
  return { directory, job, transport: ref.get(MailTransport), pool: app.get<pg.Pool>(PG_POOL), subjects, subjectType };
}

/** A unit of the tree by code: id, name, path. */
export async function unit(pool: pg.Pool, code: string): Promise<{ id: string; name: string; path: string; parentId: string | null }> {
  const { rows } = await pool.query('SELECT id, name, path, parent_id AS "parentId" FROM units WHERE code = $1', [code]);
  if (!rows.length) throw new Error(`unit ${code} not found`);
  return rows[0];
}

/** A description of a subject in a village, from the units table (what a domain module's describer gives). */
export async function describeVillage(pool: pg.Pool, villageId: string, title?: { vi: string; en: string }): Promise<SubjectDescription> {
  const { rows } = await pool.query<{ village: string; commune: string; path: string }>(
    `SELECT v.name AS village, c.name AS commune, v.path FROM units v JOIN units c ON c.id = v.parent_id WHERE v.id = $1`,
    [villageId],
  );
  if (!rows.length) throw new Error(`village ${villageId} not found`);
  const r = rows[0];
  return {
    title: title ?? { vi: `Hồ sơ công nhận thôn ${r.village} năm 2026`, en: `Certification dossier of ${r.village} village, 2026` },
    villageName: r.village,
    communeName: r.commune,
    unitPath: r.path,
    link: `/dossiers/${villageId}`,
  };
}

export interface EmitOptions {
  subjectType: string;
  subjectId: string;
  unitPath: string;
  template: string;
  to: PartyName[];
  /** The event's payload, written as the history row the effect comes from (comment, reason, decision...). */
  eventPayload?: Record<string, unknown>;
  /** Timers of the instance: due dates the message may show. */
  timers?: { status: 'pending' | 'fired'; dueAt: Date }[];
  /** The outbox row's status: 'pending' (the default) for the relay to pick up, 'done' to keep it away from it. */
  outboxStatus?: 'pending' | 'done';
}

/**
 * Writes a `notify` effect the way the engine does (an outbox row on a workflow instance, payload
 * `{ template, to, workflow, subject, event, state, seq }`); the relay picks it up at commit. Returns the
 * outbox row's id and the payload.
 */
export async function emitNotify(
  pool: pg.Pool,
  o: EmitOptions,
): Promise<{ outboxId: string; instanceId: string; payload: Record<string, unknown> }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const ids = o.unitPath.split('/').filter(Boolean);
    const { rows } = await client.query<{ id: string; last_seq: number }>(
      `INSERT INTO workflow_instances (id, workflow_key, workflow_version, subject_type, subject_id, unit_id, unit_path, state, snapshot, open, last_seq)
       VALUES ($1, 'notifications-test', 1, $2, $3, $4, $5, 'review', '{"value":"review","context":{},"status":"active"}', false, 1)
       ON CONFLICT (subject_type, subject_id) DO UPDATE SET last_seq = workflow_instances.last_seq + 1
       RETURNING id, last_seq`,
      [randomUUID(), o.subjectType, o.subjectId, ids[ids.length - 1], o.unitPath],
    );
    const { id: instanceId, last_seq: seq } = rows[0];
    await client.query(
      `INSERT INTO workflow_events (instance_id, seq, type, actor_role, payload, from_state, to_state, at, prev_hash, hash)
       VALUES ($1, $2, 'TEST', 'SYSTEM', $3, 'review', 'review', now(), '', $4)`,
      [instanceId, seq, o.eventPayload ?? {}, randomUUID()],
    );
    for (const t of o.timers ?? []) {
      await client.query(
        `INSERT INTO workflow_timers (id, instance_id, send_id, deadline_id, kind, event, due_at, status)
         VALUES ($1, $2, $3, 'test.review', 'due', '{"type":"xstate.after.test"}', $4, $5)`,
        [randomUUID(), instanceId, randomUUID(), t.dueAt, t.status],
      );
    }
    const outboxId = randomUUID();
    const payload = {
      template: o.template,
      to: o.to,
      workflow: 'notifications-test',
      subject: { type: o.subjectType, id: o.subjectId },
      event: 'TEST',
      state: 'review',
      seq,
    };
    await client.query(
      `INSERT INTO outbox (id, instance_id, seq, queue, job, payload, status) VALUES ($1, $2, $3, 'notifications', 'notify', $4, $5)`,
      [outboxId, instanceId, seq, payload, o.outboxStatus ?? 'pending'],
    );
    await client.query('COMMIT');
    return { outboxId, instanceId, payload };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface DeliveryView {
  id: string;
  recipient_id: string;
  email: string;
  template: string;
  locale: string;
  status: string;
  message_id: string;
  attempts: number;
  resends: number;
  last_error: string | null;
  sent_at: Date | null;
}

export async function deliveriesOf(pool: pg.Pool, outboxId: string): Promise<DeliveryView[]> {
  const { rows } = await pool.query<DeliveryView>(
    `SELECT id, recipient_id, email, template, locale, status, message_id, attempts, resends, last_error, sent_at
       FROM notification_deliveries WHERE outbox_id = $1 ORDER BY email`,
    [outboxId],
  );
  return rows;
}

export async function outboxStatus(pool: pg.Pool, outboxId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [outboxId]);
  return rows[0]?.status;
}

let serial = 0;

/** Creates a user through POST /users (as ADMIN); returns its id and email. */
export async function createRecipient(
  t: TestApp,
  adminAuth: string,
  fields: { role: string; unitId: string; locale?: 'vi' | 'en'; fullName?: string; tag?: string },
): Promise<{ id: string; email: string; username: string; fullName: string }> {
  const username = `${fields.tag ?? fields.role.toLowerCase().replace(/_/g, '-')}.${process.pid}.${++serial}`;
  const fullName = fields.fullName ?? `Nguyễn Văn ${serial}`;
  const res = await t.http
    .post('/users')
    .set('Authorization', adminAuth)
    .send({
      username,
      password: `pw-${username}-long`,
      fullName,
      email: `${username}@example.vn`,
      role: fields.role,
      unitId: fields.unitId,
      ...(fields.locale ? { locale: fields.locale } : {}),
    });
  if (res.status !== 201) throw new Error(`POST /users ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, email: res.body.email, username, fullName };
}

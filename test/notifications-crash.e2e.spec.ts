import { spawn, type ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import pg from 'pg';
import { DEFAULT_JOB_OPTIONS } from '../src/queues/bullmq.js';
import { redisConnection } from '../src/redis/redis-client.js';
import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import {
  createRecipient,
  deliveriesOf,
  emitNotify,
  outboxStatus,
  startSmtpServer,
  unit,
  type ReceivedMail,
  type TestSmtpServer,
} from './support/notifications.js';
import { transpileForNode } from './support/transpile.js';

interface WorkerProcess {
  child: ChildProcess;
  output: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A notifications worker killed (SIGKILL) in the middle of a send, then another worker taking the job over
 * once BullMQ sees it stalled. The workers are separate processes running the real OutboxRunner and NotifyJob
 * (test/support/notifications-worker.ts); the SMTP server runs in this process.
 */
describe('notifications: a worker killed mid-send', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let queue: Queue;
  let pool: pg.Pool;
  let worker: { main: string; cleanup: () => void };
  const running: WorkerProcess[] = [];
  let village: { id: string; path: string };
  let readers: { id: string; email: string }[];
  let serial = 0;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    // An API process only: the workers of this test are the child processes.
    t = await startTestApp('notifications_crash', { PROCESS_ROLE: 'api', MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url });
    pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 4 });
    queue = new Queue('notifications', {
      connection: redisConnection(t.config.redisUrl),
      prefix: t.config.queuePrefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
    worker = transpileForNode('test/support/notifications-worker.ts');
    const admin = await t.login(ADMIN.username, ADMIN.password);
    await pool.query(`UPDATE users SET active = false WHERE username LIKE 'demo.%'`);
    village = await unit(pool, 'LS-DL-01-01');
    const commune = await unit(pool, 'LS-DL-01');
    readers = [
      await createRecipient(t, admin, { role: 'COMMUNE_STAFF', unitId: commune.id, tag: 'first' }),
      await createRecipient(t, admin, { role: 'COMMUNE_STAFF', unitId: commune.id, tag: 'second' }),
    ].sort((a, b) => a.id.localeCompare(b.id)); // the job sends in recipient id order
  }, 120_000);

  // Each test starts its own workers: none of an earlier test may take this test's jobs.
  afterEach(async () => {
    for (const w of running) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(running.map((w) => w.exit));
  });

  afterAll(async () => {
    for (const w of running) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(running.map((w) => w.exit));
    await queue?.close();
    await pool?.end();
    await t?.close();
    await smtp?.close();
    worker?.cleanup();
  });

  /** Starts a worker process; resolves once its BullMQ worker is connected. */
  async function startWorker(): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [worker.main], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: t.config.databaseUrl,
        REDIS_URL: t.config.redisUrl,
        QUEUE_PREFIX: t.config.queuePrefix,
        MAIL_TRANSPORT: 'smtp',
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://ntm.langson.gov.vn',
        // A short lock, so that another worker finds the killed one's job stalled within seconds.
        WORKER_LOCK_MS: '2000',
        WORKER_STALLED_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const w: WorkerProcess = {
      child,
      output: '',
      exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    };
    child.stdout!.on('data', (d: Buffer) => (w.output += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (w.output += d.toString('utf8')));
    running.push(w);
    await waitFor(() => w.output.includes('READY') || (child.exitCode !== null ? Promise.reject(new Error(w.output)) : false), {
      what: 'the worker process to start',
    });
    return w;
  }

  /** Writes a notify effect for the commune and enqueues it as the relay does (job id = outbox row id). */
  async function effect(template: string) {
    const subjectId = `${village.id}~${++serial}`;
    const { outboxId, payload } = await emitNotify(pool, {
      subjectType: 'place',
      subjectId,
      unitPath: village.path,
      template,
      to: ['commune'],
    });
    await queue.add('notify', { outboxId, ...payload }, { jobId: outboxId });
    await pool.query(`UPDATE outbox SET status = 'dispatched', dispatched_at = now() WHERE id = $1`, [outboxId]);
    return { outboxId, subjectId };
  }

  const mailsTo = (list: ReceivedMail[], subjectId: string, email: string) =>
    list.filter((m) => m.parsed.headers.get('x-ntm-subject') === `place/${subjectId}` && m.to.includes(email));

  it('killed after the server got the message and before it answered: sent again with the same Message-ID; the next message goes', async () => {
    let arrived!: () => void;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    let holding = true;
    smtp.verdict = (m) => {
      // Only the first copy is held: the one sent again after the kill is accepted.
      if (holding && m.to.includes(readers[0].email) && m.parsed.headers.get('x-ntm-template') === 'dossier_arrived') {
        holding = false;
        arrived();
        return 'hold';
      }
      return 'accept';
    };
    const first = await startWorker();
    const { outboxId, subjectId } = await effect('dossier_arrived');
    await held;
    // The whole message is at the server; the worker waits for its answer. Its row is claimed, the next one not yet.
    expect((await deliveriesOf(pool, outboxId)).map((r) => [r.email, r.status])).toEqual(
      readers.map((r, i) => [r.email, i === 0 ? 'sending' : 'pending']).sort(),
    );
    first.child.kill('SIGKILL');
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    smtp.release('accept'); // too late: its connection is gone

    const second = await startWorker();
    await waitFor(async () => (await outboxStatus(pool, outboxId)) === 'done', {
      what: 'the stalled job taken over and finished',
      timeoutMs: 30_000,
    });
    // The message in flight when the worker died was sent again under its Message-ID, so the mailbox, which
    // drops a Message-ID it already holds, has it once; the one the worker had not reached was sent once.
    const copies = mailsTo(smtp.received, subjectId, readers[0].email);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((m) => m.messageId)).size).toBe(1);
    expect(new Set(mailsTo(smtp.accepted, subjectId, readers[0].email).map((m) => m.messageId)).size).toBe(1);
    expect(mailsTo(smtp.received, subjectId, readers[1].email)).toHaveLength(1);
    expect(mailsTo(smtp.accepted, subjectId, readers[1].email)).toHaveLength(1);
    const rows = await deliveriesOf(pool, outboxId);
    const [dead, next] = readers.map((r) => rows.find((x) => x.email === r.email)!);
    expect(dead).toMatchObject({ status: 'sent', attempts: 2, resends: 1, message_id: copies[0].messageId });
    expect(dead.last_error).toMatch(/^sent again with the same Message-ID/);
    expect(next).toMatchObject({ status: 'sent', attempts: 1, resends: 0 });
    expect(second.output).toMatch(/is sent again \(a worker stopped mid-send\)/);
    smtp.verdict = () => 'accept';
  }, 60_000);

  it('killed after the server accepted (250) and before the worker recorded it: sent again with the same Message-ID, so the mailbox holds it once', async () => {
    let first: WorkerProcess | undefined;
    let accepted!: (messageId: string) => void;
    const sent = new Promise<string>((resolve) => (accepted = resolve));
    smtp.verdict = (m) => {
      if (m.to.includes(readers[0].email) && m.parsed.headers.get('x-ntm-template') === 'dossier_forwarded') {
        // Freeze the worker, then accept: the 250 reaches its socket, and it never runs another instruction.
        first!.child.kill('SIGSTOP');
        accepted(m.messageId);
      }
      return 'accept';
    };
    try {
      first = await startWorker();
      const { outboxId, subjectId } = await effect('dossier_forwarded');
      const messageId = await sent;
      await new Promise((r) => setTimeout(r, 100));
      first.child.kill('SIGKILL');
      expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(mailsTo(smtp.accepted, subjectId, readers[0].email).map((m) => m.messageId)).toEqual([messageId]);
      expect((await deliveriesOf(pool, outboxId)).find((r) => r.email === readers[0].email)).toMatchObject({
        status: 'sending',
        message_id: messageId,
      });

      await startWorker();
      await waitFor(async () => (await outboxStatus(pool, outboxId)) === 'done', {
        what: 'the stalled job taken over and finished',
        timeoutMs: 30_000,
      });
      expect(mailsTo(smtp.accepted, subjectId, readers[0].email).map((m) => m.messageId)).toEqual([messageId, messageId]);
      expect(mailsTo(smtp.received, subjectId, readers[1].email)).toHaveLength(1);
      const rows = await deliveriesOf(pool, outboxId);
      expect(rows.find((r) => r.email === readers[0].email)).toMatchObject({
        status: 'sent',
        attempts: 2,
        resends: 1,
        message_id: messageId,
      });
      expect(rows.find((r) => r.email === readers[1].email)).toMatchObject({ status: 'sent', attempts: 1, resends: 0 });
    } finally {
      smtp.verdict = () => 'accept';
    }
  }, 60_000);

  it('a worker stopped with SIGTERM finishes and records its sends first (nothing sent twice)', async () => {
    let arrived!: () => void;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    smtp.verdict = (m) => {
      if (m.to.includes(readers[0].email) && m.parsed.headers.get('x-ntm-template') === 'dossier_certified') {
        arrived();
        return 'hold';
      }
      return 'accept';
    };
    try {
      const w = await startWorker();
      const { outboxId, subjectId } = await effect('dossier_certified');
      await held;
      w.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      smtp.release('accept');
      expect(await w.exit).toEqual({ code: 0, signal: null });
      await waitFor(async () => (await outboxStatus(pool, outboxId)) === 'done', { what: 'the job finished before the worker stopped' });
      const rows = await deliveriesOf(pool, outboxId);
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1 && r.resends === 0)).toBe(true);
      expect(mailsTo(smtp.accepted, subjectId, readers[0].email)).toHaveLength(1);
      expect(mailsTo(smtp.accepted, subjectId, readers[1].email)).toHaveLength(1);
    } finally {
      smtp.verdict = () => 'accept';
    }
  }, 60_000);
});

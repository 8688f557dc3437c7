import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { DEADLINES_QUEUE, redisOf } from '../../src/queues/bullmq.js';
import { redisConnection } from '../../src/redis/redis-client.js';
import { waitFor } from './app.js';
import type { FaultClient, FaultCluster } from './fault-cluster.js';

/**
 * What must hold after any fault, once the cluster has settled: PostgreSQL is the truth and nothing in it is lost,
 * doubled or half there.
 * - every timer that came due fired exactly once: no pending timer is overdue, and per instance the system's
 *   history rows of each timer event match its fired timer rows one for one;
 * - every expected email arrived: every notify effect is done, every delivery row is `sent`, and each Message-ID
 *   reached the SMTP server at least once, a second time only where the log says the message was resent;
 * - the funds' columns equal their ledger's sums;
 * - GET /audit/verify finds every history chain intact;
 * - no BullMQ job of the test's prefix is failed, or active with no worker holding its lock;
 * - every 2xx the client got is in the history, once; nothing it was not told succeeded is there.
 */
export async function assertInvariants(cluster: FaultCluster, client: FaultClient, admin: string): Promise<void> {
  const { db, smtp } = cluster;
  // Settle: what was due has fired and every effect has run.
  await waitFor(
    async () => {
      const { rows } = await db.query(
        `SELECT (SELECT count(*)::int FROM workflow_timers WHERE status = 'pending' AND due_at < now() - interval '1 second') AS overdue,
                (SELECT count(*)::int FROM outbox WHERE status <> 'done') AS effects,
                (SELECT count(*)::int FROM notification_deliveries WHERE status <> 'sent') AS mails`,
      );
      return rows[0].overdue === 0 && rows[0].effects === 0 && rows[0].mails === 0 ? true : null;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'every due timer fired and every effect done' },
  ).catch(async (err) => {
    throw new Error(`${(err as Error).message}\n${JSON.stringify(await leftovers(db), null, 1)}`);
  });

  // BullMQ: nothing failed, nothing active without a lock. A killed worker's job is active without a lock until
  // another worker's stalled-job check (every JOB_LOCK_SECONDS) hands it back: stuck is what outlasts that.
  const queues = [DEADLINES_QUEUE, ...(await db.query<{ queue: string }>(`SELECT DISTINCT queue FROM outbox`)).rows.map((r) => r.queue)];
  const jobs = async () => {
    const found: { queue: string; failed: string[]; unlocked: string[] }[] = [];
    for (const name of queues) {
      const queue = new Queue(name, { connection: redisConnection('redis://127.0.0.1:6379'), prefix: cluster.prefix });
      try {
        const failed = (await queue.getFailed()).map((j) => `${j.id} after ${j.attemptsMade} attempts: ${j.failedReason}`);
        const redis = await redisOf(queue);
        const unlocked: string[] = [];
        for (const job of await queue.getActive())
          if (!(await redis.exists(`${cluster.prefix}:${name}:${job.id}:lock`))) unlocked.push(job.id!);
        found.push({ queue: name, failed, unlocked });
      } finally {
        await queue.close();
      }
    }
    return found;
  };
  const clean = queues.map((queue) => ({ queue, failed: [], unlocked: [] }));
  await waitFor(async () => JSON.stringify(await jobs()) === JSON.stringify(clean), {
    timeoutMs: 30_000,
    intervalMs: 500,
    what: 'no job failed or left active without a lock',
  }).catch(() => undefined);
  const left = await jobs();
  // What BullMQ holds of a job left behind, and what each worker wrote, so that a red run names its cause.
  if (JSON.stringify(left) !== JSON.stringify(clean))
    throw new Error(`no job may be failed or left active without a lock: ${JSON.stringify(left)}\n${await jobDetails(cluster, left)}`);

  // Timers: each fired timer row has its one history row, and no history row of a timer event lacks its timer.
  const { rows: timerMismatches } = await db.query(
    `WITH fired AS (
       SELECT instance_id, event->>'type' AS type, count(*)::int AS n FROM workflow_timers WHERE status = 'fired' GROUP BY 1, 2),
     recorded AS (
       SELECT instance_id, type, count(*)::int AS n FROM workflow_events WHERE actor_role = 'SYSTEM' AND type LIKE 'xstate.after.%' GROUP BY 1, 2)
     SELECT coalesce(f.instance_id, r.instance_id) AS instance_id, coalesce(f.type, r.type) AS type, f.n AS fired, r.n AS recorded
       FROM fired f FULL JOIN recorded r ON r.instance_id = f.instance_id AND r.type = f.type
      WHERE f.n IS DISTINCT FROM r.n`,
  );
  expect(timerMismatches).toEqual([]);

  // Emails: each delivery's Message-ID at the server once, or once more per recorded resend.
  const { rows: deliveries } = await db.query<{ email: string; message_id: string; resends: number; template: string }>(
    `SELECT email, message_id, resends, template FROM notification_deliveries`,
  );
  const arrived = new Map<string, number>();
  for (const m of smtp.accepted) for (const to of m.to) arrived.set(`${m.messageId} ${to}`, (arrived.get(`${m.messageId} ${to}`) ?? 0) + 1);
  const badMail = deliveries
    .map((d) => ({ ...d, arrived: arrived.get(`${d.message_id} ${d.email}`) ?? 0 }))
    .filter((d) => d.arrived < 1 || d.arrived > 1 + d.resends);
  expect(badMail).toEqual([]);
  const known = new Set(deliveries.map((d) => `${d.message_id} ${d.email}`));
  expect([...arrived.keys()].filter((k) => !known.has(k))).toEqual([]);

  // Money: the funds' columns against the ledger.
  const { rows: funds } = await db.query(
    `SELECT f.code, f.planned_vnd::text AS planned, f.allocated_vnd::text AS allocated, f.disbursed_vnd::text AS disbursed,
            coalesce(sum(CASE l.kind WHEN 'allocate' THEN l.amount_vnd ELSE -l.amount_vnd END), 0)::text AS ledger_allocated,
            coalesce(sum(l.amount_vnd) FILTER (WHERE l.kind = 'disburse'), 0)::text AS ledger_disbursed
       FROM funds f LEFT JOIN fund_ledger l ON l.fund_code = f.code GROUP BY f.code ORDER BY f.code`,
  );
  expect(
    funds.filter(
      (r) =>
        r.allocated !== r.ledger_allocated ||
        r.disbursed !== r.ledger_disbursed ||
        BigInt(r.allocated) < 0n ||
        BigInt(r.allocated) + BigInt(r.disbursed) > BigInt(r.planned),
    ),
  ).toEqual([]);
  // Each project with an ALLOCATE in its history has each of its lines in the ledger once; the others have none.
  const { rows: allocations } = await db.query(
    `SELECT p.id, pf.fund_code, pf.amount_vnd::text AS line, coalesce(sum(l.amount_vnd), 0)::text AS ledger, count(l.id)::int AS entries,
            EXISTS (SELECT 1 FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id
                     WHERE i.subject_type = 'project' AND i.subject_id = p.id AND e.type = 'ALLOCATE') AS allocated
       FROM projects p JOIN project_funding pf ON pf.project_id = p.id
       LEFT JOIN fund_ledger l ON l.project_id = p.id AND l.fund_code = pf.fund_code AND l.kind = 'allocate'
      GROUP BY p.id, pf.fund_code, pf.amount_vnd`,
  );
  expect(allocations.filter((r) => (r.allocated ? r.entries !== 1 || r.ledger !== r.line : r.entries !== 0))).toEqual([]);

  // The audit: every chain verifies.
  const verify = await client.send('GET', '/audit/verify', admin);
  expect([verify.status, verify.body?.ok, verify.body?.brokenCount]).toEqual([200, true, undefined]);

  // The history against what the client was told: each acknowledged event once, nothing else by a person.
  const acknowledged = new Map<string, number>();
  const subjects = new Set<string>();
  for (const e of client.exchanges) {
    const created = /^\/(dossiers|projects)$/.exec(e.path);
    const event = /^\/(dossiers|projects)\/([^/]+)\/events$/.exec(e.path);
    if (e.method !== 'POST' || e.final.status >= 300) continue;
    if (created) {
      const type = created[1] === 'dossiers' ? 'dossier' : 'project';
      subjects.add(`${type}/${e.final.body.id}`);
      acknowledged.set(`${type}/${e.final.body.id} START`, (acknowledged.get(`${type}/${e.final.body.id} START`) ?? 0) + 1);
    } else if (event) {
      const type = event[1] === 'dossiers' ? 'dossier' : 'project';
      const k = `${type}/${event[2]} ${(e.body as { type: string }).type}`;
      acknowledged.set(k, (acknowledged.get(k) ?? 0) + 1);
    }
  }
  const { rows: history } = await db.query<{ subject: string; type: string; n: number }>(
    `SELECT i.subject_type || '/' || i.subject_id AS subject, e.type, count(*)::int AS n
       FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id
      WHERE e.actor_role <> 'SYSTEM' AND i.subject_type IN ('dossier', 'project') GROUP BY 1, 2`,
  );
  const recorded = new Map(history.map((r) => [`${r.subject} ${r.type}`, r.n]));
  const differences = [...new Set([...acknowledged.keys(), ...recorded.keys()])]
    .filter((k) => acknowledged.get(k) !== recorded.get(k))
    .map((k) => ({ event: k, acknowledged: acknowledged.get(k) ?? 0, history: recorded.get(k) ?? 0 }));
  expect(differences).toEqual([]);
  // The read models agree with their instances (nothing half-written beside the history).
  const { rows: halves } = await db.query(
    `SELECT 'dossier' AS kind, d.id FROM dossiers d FULL JOIN workflow_instances i ON i.subject_type = 'dossier' AND i.subject_id = d.id
      WHERE d.id IS NULL AND i.subject_type = 'dossier' OR i.id IS NULL
     UNION ALL
     SELECT 'project', p.id FROM projects p FULL JOIN workflow_instances i ON i.subject_type = 'project' AND i.subject_id = p.id
      WHERE p.id IS NULL AND i.subject_type = 'project' OR i.id IS NULL`,
  );
  expect(halves).toEqual([]);
}

async function jobDetails(cluster: FaultCluster, left: { queue: string; unlocked: string[] }[]): Promise<string> {
  const redis = new Redis(redisConnection('redis://127.0.0.1:6379'));
  const details: unknown[] = [];
  try {
    for (const q of left)
      for (const id of q.unlocked) {
        const key = `${cluster.prefix}:${q.queue}`;
        details.push({
          queue: q.queue,
          id,
          job: await redis.hgetall(`${key}:${id}`),
          stalledSet: await redis.smembers(`${key}:stalled`),
          active: await redis.lrange(`${key}:active`, 0, -1),
          stalledCheckTtlMs: await redis.pttl(`${key}:stalled-check`),
        });
      }
  } finally {
    redis.disconnect();
  }
  const workers = cluster.workers.map(
    (w) => `---- worker ${w.child.pid} (${w.alive() ? 'running' : 'exited'})\n${w.output().slice(-8000)}`,
  );
  return [JSON.stringify(details, null, 1), ...workers].join('\n');
}

async function leftovers(db: pg.Pool) {
  const [timers, effects, mails] = await Promise.all([
    db.query(
      `SELECT id, deadline_id, kind, due_at, dispatched_at FROM workflow_timers WHERE status = 'pending' AND due_at < now() LIMIT 5`,
    ),
    db.query(`SELECT id, queue, status, attempts, last_error FROM outbox WHERE status <> 'done' LIMIT 5`),
    db.query(`SELECT email, template, status, attempts, resends, last_error FROM notification_deliveries WHERE status <> 'sent' LIMIT 5`),
  ]);
  return { timers: timers.rows, effects: effects.rows, mails: mails.rows };
}

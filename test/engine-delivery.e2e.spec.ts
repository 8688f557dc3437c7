import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type pg from 'pg';
import { PG_POOL } from '../src/database/pg-pool.js';
import { ReconcilerService } from '../src/queues/reconciler.service.js';
import { RelayService } from '../src/queues/relay.service.js';
import { startTestApp, waitFor, type TestApp } from './support/app.js';
import { until, engineHarness, engineOverrides, notifyRecorder, testWorkflow, type EngineHarness } from './support/test-workflow.js';

/**
 * PostgreSQL is the truth, Redis carries work in flight: every committed timer and effect reaches its worker
 * once, whether the relay was down at commit, died between enqueueing and marking, or Redis lost every key.
 */
const NAME = 'engine_delivery';
const ENV = { DEADLINE_OVERRIDES: 'test.review=PT2S,slow.review=PT6S', RECONCILE_SECONDS: '1' };
const definitions = [testWorkflow(), testWorkflow({ key: 'slow', id: 's' })];
const notify = notifyRecorder();
// Both processes know the test workflows and the recording notify job from their first moment: a worker refuses
// to start with open instances on workflows it lacks, and runs the jobs it finds at once.
const OVERRIDES = engineOverrides({ definitions, notify });

async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

describe('engine delivery: relay and reconciler', () => {
  let api: TestApp | undefined;
  let worker: TestApp | undefined;
  let h: EngineHarness;
  let deadlines: Queue;

  afterAll(async () => {
    await api?.close();
    await worker?.close();
  });

  /** Every effect of these instances ran exactly once, and both timers fired exactly once. */
  async function expectDeliveredOnce(harness: EngineHarness, instanceIds: string[], subjects: string[]) {
    const rows = await until(
      async () => {
        const { rows } = await harness.pool.query<{ id: string; status: string }>(
          'SELECT id, status FROM outbox WHERE instance_id = ANY($1)',
          [instanceIds],
        );
        return rows.length === instanceIds.length * 3 && rows.every((r) => r.status === 'done') ? rows : null;
      },
      { what: 'every effect done (arrived, reminder, overdue per instance)' },
    );
    const calls = notify.calls.filter((c) => subjects.includes(c.subjectId));
    expect(calls.map((c) => c.outboxId).sort()).toEqual(rows.map((r) => r.id).sort());
    for (const id of instanceIds) {
      const history = await harness.history(id);
      expect(history.map((e) => e.type.replace(/\.[ts]\.review$/, ''))).toEqual([
        'START',
        'SUBMIT',
        'xstate.after.reviewReminder',
        'xstate.after.reviewDue',
      ]);
      expect((await harness.timers(id)).map((x) => x.status)).toEqual(['fired', 'fired']);
    }
  }

  it('rows committed while no relay runs (an API process alone) are delivered once a worker starts', async () => {
    api = await startTestApp(NAME, { ...ENV, PROCESS_ROLE: 'api' }, OVERRIDES);
    const ha = await engineHarness(api.app, { notify });
    const started: { instanceId: string; subject: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const subject = ha.subject('api');
      const s = await ha.engine.start('test', subject, ha.actors.commune);
      await ha.engine.send(subject, { type: 'SUBMIT' }, ha.actors.commune);
      started.push({ instanceId: s.instanceId, subject: subject.id });
    }
    const ids = started.map((s) => s.instanceId);
    const { rows: pending } = await ha.pool.query(
      `SELECT (SELECT count(*)::int FROM outbox WHERE status = 'pending' AND instance_id = ANY($1)) AS outbox,
              (SELECT count(*)::int FROM workflow_timers WHERE status = 'pending' AND dispatched_at IS NULL AND instance_id = ANY($1)) AS timers`,
      [ids],
    );
    expect(pending[0]).toEqual({ outbox: 5, timers: 10 });

    worker = await startTestApp(NAME, { ...ENV, PROCESS_ROLE: 'worker', KEEP_DATABASE: '1' }, OVERRIDES);
    h = await engineHarness(worker.app, { notify });
    deadlines = worker.app.get<Queue>(getQueueToken('deadlines'));
    await expectDeliveredOnce(
      h,
      ids,
      started.map((s) => s.subject),
    );
    await api.close();
    api = undefined;
  });

  it('the relay dying between enqueueing and marking its rows delivers them later, once', async () => {
    const pool = worker!.app.get<pg.Pool>(PG_POOL);
    // The relay's "mark dispatched" statements are refused once each by PostgreSQL, after Redis accepted the
    // jobs (sequences count them: they are not rolled back with the refused statement).
    await pool.query(`
      CREATE SEQUENCE test_refused_outbox; CREATE SEQUENCE test_refused_timers;
      CREATE FUNCTION test_refuse_dispatch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval(TG_ARGV[0]::regclass) = 1 THEN RAISE EXCEPTION 'relay killed'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_refuse_outbox BEFORE UPDATE ON outbox FOR EACH ROW
        WHEN (NEW.status = 'dispatched' AND OLD.status = 'pending') EXECUTE FUNCTION test_refuse_dispatch('test_refused_outbox');
      CREATE TRIGGER test_refuse_timers BEFORE UPDATE ON workflow_timers FOR EACH ROW
        WHEN (NEW.dispatched_at IS NOT NULL AND OLD.dispatched_at IS NULL) EXECUTE FUNCTION test_refuse_dispatch('test_refused_timers');`);
    const refusals = async (seq: string) =>
      Number((await pool.query<{ last_value: string }>(`SELECT last_value FROM ${seq}`)).rows[0].last_value);
    try {
      const started: { instanceId: string; subject: string }[] = [];
      for (let i = 0; i < 3; i++) {
        const subject = h.subject('crash');
        const s = await h.engine.start('test', subject, h.actors.commune);
        await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
        started.push({ instanceId: s.instanceId, subject: subject.id });
      }
      await expectDeliveredOnce(
        h,
        started.map((s) => s.instanceId),
        started.map((s) => s.subject),
      );
      // The first mark of each kind was refused and later ones went through.
      expect(await refusals('test_refused_outbox')).toBeGreaterThan(1);
      expect(await refusals('test_refused_timers')).toBeGreaterThan(1);
    } finally {
      await pool.query(`DROP TRIGGER test_refuse_outbox ON outbox; DROP TRIGGER test_refuse_timers ON workflow_timers;
        DROP FUNCTION test_refuse_dispatch(); DROP SEQUENCE test_refused_outbox; DROP SEQUENCE test_refused_timers`);
    }
  });

  it('a timer enqueued again under the same job id (its row reset to undispatched) still fires once', async () => {
    const relay = worker!.app.get(RelayService);
    const subject = h.subject('reset');
    const s = await h.engine.start('slow', subject, h.actors.commune);
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    const timers = await until(async () => {
      const rows = await h.timers(s.instanceId);
      return rows.every((x) => x.dispatched_at) ? rows : null;
    });
    for (const x of timers) expect(await deadlines.getJobState(x.id)).toBe('delayed');
    const delayedBefore = await deadlines.getDelayedCount();
    await h.pool.query('UPDATE workflow_timers SET dispatched_at = NULL WHERE instance_id = $1', [s.instanceId]);
    await relay.kick();
    expect((await h.timers(s.instanceId)).every((x) => x.dispatched_at)).toBe(true);
    expect(await deadlines.getDelayedCount()).toBe(delayedBefore);
    await expectDeliveredOnce(h, [s.instanceId], [subject.id]);
  });

  it('a timer whose job failed for good (its last attempts while PostgreSQL was away) is run again by the reconciler, once', async () => {
    const subject = h.subject('failed-for-good');
    const s = await h.engine.start('slow', subject, h.actors.commune);
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    const timers = await until(async () => {
      const rows = await h.timers(s.instanceId);
      return rows.length === 2 && rows.every((x) => x.dispatched_at) ? rows : null;
    });
    // What BullMQ leaves of a job whose every attempt failed: in the failed set with its reason, no longer delayed.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      for (const x of timers) {
        await redis
          .multi()
          .zrem(deadlines.keys.delayed, x.id)
          .zadd(deadlines.keys.failed, Date.now(), x.id)
          .hset(deadlines.toKey(x.id), 'failedReason', 'Connection terminated unexpectedly', 'finishedOn', String(Date.now()))
          .exec();
        expect(await deadlines.getJobState(x.id)).toBe('failed');
      }
    } finally {
      redis.disconnect();
    }
    expect((await h.timers(s.instanceId)).every((x) => x.status === 'pending')).toBe(true);
    // The reconciler (every second here) removes the dead jobs and the relay enqueues them again: both fire, once.
    await expectDeliveredOnce(h, [s.instanceId], [subject.id]);
  });

  it("every pending timer still fires once after all of Redis's keys of the prefix are deleted", async () => {
    const started: { instanceId: string; subject: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const subject = h.subject('wiped');
      const s = await h.engine.start('slow', subject, h.actors.commune);
      await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
      started.push({ instanceId: s.instanceId, subject: subject.id });
    }
    const ids = started.map((s) => s.instanceId);
    // The timers are delayed jobs in Redis, the arrival effects have run.
    const timers = await until(
      async () => {
        const { rows } = await h.pool.query<{ id: string }>(
          `SELECT id FROM workflow_timers WHERE instance_id = ANY($1) AND status = 'pending' AND dispatched_at IS NOT NULL`,
          [ids],
        );
        const { rows: effects } = await h.pool.query(`SELECT 1 FROM outbox WHERE instance_id = ANY($1) AND status = 'done'`, [ids]);
        return rows.length === 10 && effects.length === 5 ? rows : null;
      },
      { what: 'timers in Redis' },
    );
    for (const x of timers) expect(await deadlines.getJobState(x.id)).toBe('delayed');

    const wipedAt = new Date();
    expect(await deleteRedisKeys(worker!.config.queuePrefix)).toBeGreaterThan(0);
    // The rows still say the timers are pending: they must not be lost.
    const { rows: stillPending } = await h.pool.query(
      `SELECT count(*)::int AS n FROM workflow_timers WHERE instance_id = ANY($1) AND status = 'pending'`,
      [ids],
    );
    expect(stillPending[0].n).toBe(10);

    // The reconciler (every 500 ms here) finds them missing and the relay enqueues them again.
    await expectDeliveredOnce(
      h,
      ids,
      started.map((s) => s.subject),
    );
    for (const x of timers) expect(await deadlines.getJobState(x.id)).toBe('completed');
    // They fired from jobs enqueued again after the loss.
    const { rows: redispatched } = await h.pool.query<{ dispatched_at: Date }>(
      'SELECT dispatched_at FROM workflow_timers WHERE instance_id = ANY($1)',
      [ids],
    );
    for (const r of redispatched) expect(r.dispatched_at.getTime()).toBeGreaterThanOrEqual(wipedAt.getTime() - 5);
  });

  it('reconcile() hands back effects whose jobs Redis lost, and they run once', async () => {
    const reconciler = worker!.app.get(ReconcilerService);
    const relay = worker!.app.get(RelayService);
    // Stop the relay from picking the rows up by itself: write them as 'dispatched' with no job in Redis,
    // as after a Redis loss between dispatch and run.
    const subject = h.subject('lost-effect');
    const s = await h.engine.start('slow', subject, h.actors.commune);
    await h.engine.transaction(async (tx) => {
      await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune, { tx });
      await sql`UPDATE outbox SET status = 'dispatched', dispatched_at = now() WHERE instance_id = ${s.instanceId}`.execute(tx);
      await sql`UPDATE workflow_timers SET status = 'cancelled' WHERE instance_id = ${s.instanceId}`.execute(tx);
    });
    const [row] = await h.outbox(s.instanceId);
    expect(row.status).toBe('dispatched');
    const notifications = worker!.app.get<Queue>(getQueueToken('notifications'));
    expect(await notifications.getJob(row.id)).toBeUndefined();

    await waitFor(async () => (await reconciler.reconcile()) === 0 && (await h.outbox(s.instanceId))[0].status === 'done', {
      what: 'the lost effect to be reconciled and run',
    });
    await relay.kick();
    expect(notify.calls.filter((c) => c.outboxId === row.id)).toHaveLength(1);
  });
});

import { getQueueToken } from '@nestjs/bullmq';
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { WorkingCalendar } from '../src/calendar/working-calendar.js';
import { startTestApp, waitFor, type TestApp } from './support/app.js';
import { until, engineHarness, engineOverrides, notifyRecorder, testWorkflow, type EngineHarness } from './support/test-workflow.js';

const DUE = 'xstate.after.reviewDue.t.review';
const REMINDER = 'xstate.after.reviewReminder.t.review';

/** Timers through the whole path: timer rows, the relay, delayed BullMQ jobs, the deadline worker, the engine. */
describe('engine timers', () => {
  let t: TestApp;
  let h: EngineHarness;
  let deadlines: Queue;

  beforeAll(async () => {
    // `slow` leaves time to act before its timers are due, however loaded the machine.
    const notify = notifyRecorder();
    const definitions = [testWorkflow(), testWorkflow({ key: 'slow', id: 's' }), testWorkflow({ key: 'real', id: 'r' })];
    t = await startTestApp(
      'engine_timers',
      { DEADLINE_OVERRIDES: 'test.review=PT2S,slow.review=PT4S' },
      engineOverrides({ definitions, notify }),
    );
    h = await engineHarness(t.app, { notify });
    deadlines = t.app.get<Queue>(getQueueToken('deadlines'));
  });
  afterAll(async () => t?.close());

  /** Waits until BullMQ finished the job of a timer row and returns its return value. */
  async function jobResult(timerId: string): Promise<string> {
    return until(
      async () => {
        const job = await deadlines.getJob(timerId);
        return job && (await job.getState()) === 'completed' ? String(job.returnvalue) : null;
      },
      { what: `deadline job ${timerId} to complete` },
    );
  }

  it('a timer fires: the reminder, then the due time, each once, as the system', async () => {
    const subject = h.subject();
    const started = await h.engine.start('test', subject, h.actors.commune);
    const submitted = await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    expect(submitted.state).toBe('review');

    const timers = await h.timers(started.instanceId);
    expect(timers.map((x) => [x.kind, x.status])).toEqual([
      ['due', 'pending'],
      ['reminder', 'pending'],
    ]);
    const due = timers.find((x) => x.kind === 'due')!;
    const reminder = timers.find((x) => x.kind === 'reminder')!;
    // PT2S: due 2 s after the event, the reminder keeps its 2-in-10 share before it.
    expect(due.due_at.getTime() - reminder.due_at.getTime()).toBe(400);

    await waitFor(async () => (await h.instance(started.instanceId)).state === 'overdue', { what: 'the instance to become overdue' });
    expect(await jobResult(reminder.id)).toBe('fired test.review reminder');
    expect(await jobResult(due.id)).toBe('fired test.review due');

    const history = await h.history(started.instanceId);
    expect(history.map((e) => [e.seq, e.type, e.from_state, e.to_state, e.actor_role])).toEqual([
      [1, 'START', '', 'draft', 'COMMUNE_STAFF'],
      [2, 'SUBMIT', 'draft', 'review', 'COMMUNE_STAFF'],
      [3, REMINDER, 'review', 'review', 'SYSTEM'],
      [4, DUE, 'review', 'overdue', 'SYSTEM'],
    ]);
    expect((await h.timers(started.instanceId)).map((x) => x.status)).toEqual(['fired', 'fired']);
    const inst = await h.instance(started.instanceId);
    expect(inst.version).toBe(4);

    // Each effect ran once: arrived (on SUBMIT), reminder, overdue.
    await waitFor(async () => (await h.outbox(started.instanceId)).every((o) => o.status === 'done'), { what: 'effects done' });
    const calls = h.notify.calls.filter((c) => c.subjectId === subject.id);
    expect(calls.map((c) => [c.template, c.seq]).sort()).toEqual([
      ['arrived', 2],
      ['overdue', 4],
      ['reminder', 3],
    ]);
    expect(new Set(calls.map((c) => c.outboxId)).size).toBe(3);
  });

  it('a cancelled timer does not fire', async () => {
    const subject = h.subject();
    const started = await h.engine.start('slow', subject, h.actors.commune);
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    // Let the relay turn both timers into delayed jobs, so there is something in Redis to ignore.
    const timers = await until(
      async () => {
        const rows = await h.timers(started.instanceId);
        return rows.every((x) => x.dispatched_at) ? rows : null;
      },
      { what: 'timers dispatched' },
    );
    for (const x of timers) expect(await deadlines.getJob(x.id)).toBeTruthy();

    await h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer);
    await h.engine.send(subject, { type: 'REVIEW' }, h.actors.reviewer);
    const approved = await h.engine.send(subject, { type: 'APPROVE' }, h.actors.reviewer);
    expect(approved.state).toBe('approved');
    expect(approved.open).toBe(false);
    expect((await h.timers(started.instanceId)).map((x) => x.status)).toEqual(['cancelled', 'cancelled']);

    // The delayed jobs still run when due, and find nothing to do.
    for (const x of timers) expect(await jobResult(x.id)).toBe('ignored');
    const history = await h.history(started.instanceId);
    expect(history.map((e) => e.type)).toEqual(['START', 'SUBMIT', 'REVIEW', 'REVIEW', 'APPROVE']);
    expect((await h.instance(started.instanceId)).version).toBe(5);
    expect((await h.timers(started.instanceId)).map((x) => x.status)).toEqual(['cancelled', 'cancelled']);
    expect(h.notify.calls.filter((c) => c.subjectId === subject.id && c.template !== 'arrived')).toEqual([]);

    // The engine itself ignores a cancelled timer's event even when delivered directly.
    const before = await h.footprint(started.instanceId);
    const direct = await h.engine.fire(timers[0].id);
    expect(direct).toMatchObject({ applied: false, reason: 'timer_not_pending' });
    expect((await h.instance(started.instanceId)).state).toBe('approved');
    expect(await h.footprint(started.instanceId)).toEqual(before);
  });

  it('a stale timer (pending, but the state no longer takes its event) is ignored', async () => {
    const subject = h.subject();
    const started = await h.engine.start('test', subject, h.actors.commune);
    // The instance is still in draft: a pending timer for review's due time is stale.
    const timerId = randomUUID();
    await h.pool.query(
      `INSERT INTO workflow_timers (id, instance_id, send_id, deadline_id, kind, event, due_at) VALUES ($1, $2, $3, 'test.review', 'due', $4, now())`,
      [timerId, started.instanceId, DUE, { type: DUE }],
    );
    const before = await h.footprint(started.instanceId);

    expect(await jobResult(timerId)).toBe('ignored (timer_stale)');
    const after = await h.footprint(started.instanceId);
    expect({ ...after, settled: before.settled }).toEqual(before);
    expect(after.settled).toBe(1);
    expect((await h.timers(started.instanceId)).map((x) => x.status)).toEqual(['fired']);
    expect((await h.instance(started.instanceId)).state).toBe('draft');
    expect((await h.history(started.instanceId)).map((e) => e.type)).toEqual(['START']);

    // The same through the engine: a stale timer's event is not a 409 (the worker must not retry it).
    const reminderId = randomUUID();
    await h.pool.query(
      `INSERT INTO workflow_timers (id, instance_id, send_id, deadline_id, kind, event, due_at, dispatched_at)
       VALUES ($1, $2, $3, 'test.review', 'reminder', $4, now() + interval '1 hour', now())`,
      [reminderId, started.instanceId, REMINDER, { type: REMINDER }],
    );
    const direct = await h.engine.fire(reminderId);
    expect(direct).toMatchObject({ applied: false, reason: 'timer_stale', deadline: 'test.review', kind: 'reminder' });
    expect(await h.instance(started.instanceId)).toMatchObject({ state: 'draft', version: 1 });
    expect((await h.history(started.instanceId)).map((e) => e.type)).toEqual(['START']);
  });

  it('without an override, due times count Vietnamese working days with the announced closed days', async () => {
    const calendar = t.app.get(WorkingCalendar);
    // The calendar the app runs with has the seeded announced break (prisma/seed/closed-days.json).
    expect(WorkingCalendar.localDate(calendar.addWorkingDays(new Date('2027-02-03T02:00:00Z'), 1))).toBe('2027-02-11');
    const subject = h.subject('real');
    const started = await h.engine.start('real', subject, h.actors.commune);
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    const { rows } = await h.pool.query<{ at: Date }>('SELECT at FROM workflow_events WHERE instance_id = $1 AND seq = 2', [
      started.instanceId,
    ]);
    const submittedAt = rows[0].at;
    const timers = await h.timers(started.instanceId);
    const due = calendar.addWorkingDays(submittedAt, 10);
    expect(timers.find((x) => x.kind === 'due')!.due_at.toISOString()).toBe(due.toISOString());
    expect(timers.find((x) => x.kind === 'reminder')!.due_at.toISOString()).toBe(calendar.addWorkingDays(due, -2).toISOString());
    expect(calendar.workingDaysBetween(submittedAt, due)).toBe(10);
    const inspected = await h.engine.inspect(subject, h.actors.reviewer);
    expect(inspected?.deadlines.map((d) => [d.deadline, d.kind])).toEqual([
      ['real.review', 'reminder'],
      ['real.review', 'due'],
    ]);
    expect(inspected?.allowedEvents.sort()).toEqual(['APPROVE', 'REVIEW']);
  });
});

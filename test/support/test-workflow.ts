import type { INestApplication } from '@nestjs/common';
import type pg from 'pg';
import { assign, setup } from 'xstate';
import { PG_POOL } from '../../src/database/pg-pool.js';
import { z } from 'zod';
import { DomainError } from '../../src/common/errors.js';
import { toHttpError } from '../../src/common/exception.filter.js';
import type { AppOverrides } from '../../src/app.module.js';
import { deadline, defineWorkflow, delaysOf, type SnapshotMigration, type WorkflowDefinition } from '../../src/engine/definition.js';
import { EngineService } from '../../src/engine/engine.service.js';
import type { EngineActor } from '../../src/engine/engine.types.js';
import { WorkflowRegistry } from '../../src/engine/registry.js';
import { defineJob, type JobDefinition } from '../../src/queues/job-definition.js';
import { jobDefinitions } from '../../src/queues/jobs.js';
import { NOTIFY } from '../../workflows/common/effects.js';
import { workflowDefinitions } from '../../workflows/index.js';
import { waitFor } from './app.js';

/**
 * A small workflow for the engine's tests: draft → review (10 working days, reminder 2 days before the
 * end, then overdue) → approved once enough reviews were recorded. Its deadline id is `<key>.review`, so
 * DEADLINE_OVERRIDES=test.review=PT2S makes its timers seconds long.
 */
export interface TestMachineOptions {
  /** Machine id (part of the `xstate.after.<delay>.<id>.review` event types). */
  id?: string;
  /** Deadline id the delays stand for. */
  deadlineId?: string;
  /** Version 2 of the machine: APPROVE goes to `signoff`, where SIGN_OFF finishes. */
  variant?: 'v1' | 'v2';
}

export interface TestContext {
  reviews: number;
  required: number;
  [key: string]: unknown;
}

/** The effect action: not implemented by the machine (setup() has no declaration for it), an outbox row for the engine. */
const notifyAction = (template: string) => ({ type: 'notify', params: { template } }) as never;

/** The test workflow's one deadline: 10 working days, a reminder 2 days before. */
export function reviewDeadline(id: string) {
  return deadline(id, { days: 10, calendar: 'working', reminderBefore: 2 }, { due: 'reviewDue', reminder: 'reviewReminder' });
}

export function testMachine({ id = 't', variant = 'v1', deadlineId = 'test.review' }: TestMachineOptions = {}) {
  return setup({
    types: {} as { context: TestContext; input: { required?: number } | undefined },
    delays: delaysOf([reviewDeadline(deadlineId)]),
    guards: { all_reviewed: ({ context }) => context.reviews >= context.required },
  }).createMachine({
    id,
    initial: 'draft',
    context: ({ input }) => ({ reviews: 0, required: input?.required ?? 2 }),
    states: {
      draft: { on: { SUBMIT: 'review' } },
      review: {
        entry: notifyAction('arrived'),
        after: {
          reviewReminder: { actions: notifyAction('reminder') },
          reviewDue: 'overdue',
        },
        on: {
          REVIEW: { actions: assign({ reviews: ({ context }) => context.reviews + 1 }) },
          APPROVE: { guard: 'all_reviewed', target: variant === 'v1' ? 'approved' : 'signoff' },
        },
      },
      overdue: {
        entry: notifyAction('overdue'),
        on: {
          REVIEW: { actions: assign({ reviews: ({ context }) => context.reviews + 1 }) },
          APPROVE: { guard: 'all_reviewed', target: variant === 'v1' ? 'approved' : 'signoff' },
        },
      },
      ...(variant === 'v2' ? { signoff: { on: { SIGN_OFF: 'approved' } } } : {}),
      approved: { type: 'final' },
    },
  });
}

export interface TestWorkflowOptions extends TestMachineOptions {
  key?: string;
  version?: number;
  migrations?: SnapshotMigration[];
}

export function testWorkflow(options: TestWorkflowOptions = {}): WorkflowDefinition {
  const key = options.key ?? 'test';
  const deadlineId = options.deadlineId ?? `${key}.review`;
  return defineWorkflow({
    key,
    version: options.version ?? 1,
    machine: testMachine({ ...options, deadlineId }),
    deadlines: [reviewDeadline(deadlineId)],
    effects: { notify: NOTIFY },
    permissions: {
      SUBMIT: { roles: ['COMMUNE_STAFF'], unit: 'ancestor:1' },
      REVIEW: { roles: ['REVIEWER'], unit: 'ancestor:2' },
      APPROVE: { roles: ['REVIEWER'], unit: 'ancestor:2' },
      SIGN_OFF: { roles: ['PROVINCE_OFFICER'], unit: 'root' },
    },
    rules: {
      all_reviewed: {
        rule: 'all_reviewed',
        message: { vi: 'Phải thẩm định mọi tiêu chí trước', en: 'every criterion must be reviewed first' },
      },
    },
    migrations: options.migrations,
  });
}

export interface NotifyCall {
  outboxId: string;
  attempt: number;
  template: string;
  subjectId: string;
  event: string;
  state: string;
  seq: number;
}

const RecordedPayload = z.looseObject({
  template: z.string(),
  subject: z.looseObject({ id: z.string() }),
  event: z.string(),
  state: z.string(),
  seq: z.number(),
});

/** The notifications/notify job with a handler recording every call it gets (in place of the mail sender). */
export function notifyRecorder(): { job: JobDefinition<z.infer<typeof RecordedPayload>>; calls: NotifyCall[] } {
  const calls: NotifyCall[] = [];
  const job = defineJob({
    queue: NOTIFY_QUEUE,
    name: 'notify',
    version: 1,
    payload: RecordedPayload,
    handler: {
      async handle(p, context) {
        calls.push({
          outboxId: context.outboxId,
          attempt: context.attempt,
          template: p.template,
          subjectId: p.subject.id,
          event: p.event,
          state: p.state,
          seq: p.seq,
        });
      },
    },
  });
  return { job, calls };
}

const NOTIFY_QUEUE = jobDefinitions.find((j) => j.queue.name === NOTIFY.queue && j.name === NOTIFY.job)!.queue;

/**
 * What an engine test runs in place of the service's own parts: the service's workflows plus the test ones,
 * and the service's jobs with notifications/notify replaced by `notify` (when given).
 */
export function engineOverrides({
  definitions = [testWorkflow()],
  notify = notifyRecorder(),
}: { definitions?: WorkflowDefinition[]; notify?: ReturnType<typeof notifyRecorder> | null } = {}): AppOverrides {
  const recorder = notify;
  const jobs = jobDefinitions.filter((j) => !(recorder && j.queue.name === NOTIFY.queue && j.name === NOTIFY.job));
  return {
    workflows: [...workflowDefinitions, ...definitions],
    jobs: (recorder ? [...jobs, recorder.job] : jobs) as JobDefinition<never>[],
  };
}

/** The seeded units around village LS-TD-01-01 and its neighbours, with the actors the tests use. */
export interface TestUnits {
  village: { id: string; path: string };
  commune: { id: string; path: string };
  district: { id: string; path: string };
  province: { id: string; path: string };
  /** A village of another commune (LS-TD-02) of the same district. */
  otherCommuneVillage: { id: string; path: string };
  /** A commune of another district (LS-CL-01). */
  otherDistrictCommune: { id: string; path: string };
  otherDistrict: { id: string; path: string };
}

export async function loadTestUnits(pool: pg.Pool): Promise<TestUnits> {
  const { rows } = await pool.query<{ code: string; id: string; path: string }>(`SELECT code, id, path FROM units WHERE code = ANY($1)`, [
    ['LS', 'LS-TD', 'LS-TD-01', 'LS-TD-01-01', 'LS-TD-02-01', 'LS-CL', 'LS-CL-01'],
  ]);
  const by = new Map(rows.map((r) => [r.code, { id: r.id, path: r.path }]));
  const get = (code: string) => {
    const unit = by.get(code);
    if (!unit) throw new Error(`seeded unit ${code} not found`);
    return unit;
  };
  return {
    province: get('LS'),
    district: get('LS-TD'),
    commune: get('LS-TD-01'),
    village: get('LS-TD-01-01'),
    otherCommuneVillage: get('LS-TD-02-01'),
    otherDistrict: get('LS-CL'),
    otherDistrictCommune: get('LS-CL-01'),
  };
}

export function actorAt(
  role: EngineActor['role'],
  unit: { id: string; path: string },
  id = `${role.toLowerCase()}-${unit.id.slice(0, 8)}`,
): EngineActor {
  return { id, role, unitId: unit.id, unitPath: unit.path };
}

/** The subject of a test instance in a given village. */
export function thing(id: string, village: { id: string; path: string }) {
  return { type: 'thing', id, unitId: village.id, unitPath: village.path };
}

/** Everything an engine test needs from an application started with `engineOverrides()`. */
export async function engineHarness(
  app: INestApplication,
  { notify = notifyRecorder() }: { notify?: ReturnType<typeof notifyRecorder> } = {},
) {
  const registry = app.get(WorkflowRegistry);
  const engine = app.get(EngineService);
  const pool = app.get<pg.Pool>(PG_POOL);
  const units = await loadTestUnits(pool);
  const actors = {
    commune: actorAt('COMMUNE_STAFF', units.commune, 'commune-staff'),
    reviewer: actorAt('REVIEWER', units.district, 'district-reviewer'),
    officer: actorAt('PROVINCE_OFFICER', units.province, 'province-officer'),
  };
  let serial = 0;
  return {
    registry,
    engine,
    pool,
    units,
    actors,
    notify,
    /** A fresh subject in village LS-TD-01-01. */
    subject(prefix = 'thing') {
      return thing(`${prefix}-${process.pid}-${++serial}`, units.village);
    },
    async instance(instanceId: string) {
      const { rows } = await pool.query('SELECT * FROM workflow_instances WHERE id = $1', [instanceId]);
      return rows[0] as {
        state: string;
        version: number;
        last_seq: number;
        workflow_version: number;
        open: boolean;
        snapshot: { context: TestContext };
      };
    },
    async history(instanceId: string) {
      const { rows } = await pool.query<{
        seq: number;
        type: string;
        from_state: string;
        to_state: string;
        actor_role: string;
        idempotency_key: string | null;
      }>('SELECT seq, type, from_state, to_state, actor_role, idempotency_key FROM workflow_events WHERE instance_id = $1 ORDER BY seq', [
        instanceId,
      ]);
      return rows;
    },
    async timers(instanceId: string) {
      const { rows } = await pool.query<{
        id: string;
        kind: string;
        status: string;
        dispatched_at: Date | null;
        due_at: Date;
        send_id: string;
      }>('SELECT id, kind, status, dispatched_at, due_at, send_id FROM workflow_timers WHERE instance_id = $1 ORDER BY created_at, kind', [
        instanceId,
      ]);
      return rows;
    },
    async outbox(instanceId: string) {
      const { rows } = await pool.query<{ id: string; status: string; payload: { template: string }; seq: number }>(
        'SELECT id, status, payload, seq FROM outbox WHERE instance_id = $1 ORDER BY seq, created_at',
        [instanceId],
      );
      return rows;
    },
    /** Counts of everything an event writes, to prove a refusal wrote nothing. */
    async footprint(instanceId: string) {
      const { rows } = await pool.query(
        `SELECT (SELECT count(*)::int FROM workflow_events WHERE instance_id = $1) AS events,
                (SELECT count(*)::int FROM workflow_timers WHERE instance_id = $1) AS timers,
                (SELECT count(*)::int FROM workflow_timers WHERE instance_id = $1 AND status <> 'pending') AS settled,
                (SELECT count(*)::int FROM outbox WHERE instance_id = $1) AS outbox,
                (SELECT version FROM workflow_instances WHERE id = $1) AS version,
                (SELECT snapshot FROM workflow_instances WHERE id = $1) AS snapshot`,
        [instanceId],
      );
      return rows[0];
    },
  };
}

export type EngineHarness = Awaited<ReturnType<typeof engineHarness>>;

/** waitFor for checks that return the value awaited, or null while it is not there yet. */
export async function until<T>(check: () => Promise<T | null | undefined>, options?: Parameters<typeof waitFor>[1]): Promise<T> {
  return (await waitFor(check, options)) as T;
}

/** The HTTP status and body (English) an engine refusal is answered with; throws if the event was applied. */
export async function refusal(promise: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DomainError) {
      const { status, body } = toHttpError(err, 'en')!;
      return { status, body: body as Record<string, unknown> };
    }
    throw err;
  }
  throw new Error('expected a refusal, the event was applied');
}

/**
 * Runs SQL on the history with its append-only trigger off, as the database's owner could: for the audit's
 * tests, which tamper with what the service itself can never change.
 */
export async function asHistoryOwner(pool: pg.Pool, sqlText: string, params: unknown[] = []): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE workflow_events DISABLE TRIGGER workflow_events_no_update_delete');
    await client.query(sqlText, params);
    await client.query('ALTER TABLE workflow_events ENABLE TRIGGER workflow_events_no_update_delete');
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

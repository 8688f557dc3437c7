import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { WorkingCalendar } from '../calendar/working-calendar.js';
import { Conflict, EventNotAllowed, NotFound, RuleViolation } from '../common/errors.js';
import type { Words } from '../common/messages.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { Db } from '../database/db.js';
import { authorise, inJurisdiction, permittedEvents } from './authoriser.js';
import { Clock } from './clock.js';
import { DeadlineClock } from './deadlines.js';
import type { PersistedSnapshot, WorkflowDefinition, WorkflowLabels } from './definition.js';
import {
  EngineRepository,
  type EngineTransaction,
  type EventRow,
  type InstanceRow,
  type OutboxRow,
  type TimerRow,
} from './engine.repository.js';
import {
  SYSTEM_ACTOR,
  type EngineActor,
  type EngineEvent,
  type HistoryEntry,
  type InstanceState,
  type SendOptions,
  type SendResult,
  type SubjectRef,
} from './engine.types.js';
import { HASH_SCHEME, HistoryHasher, snapshotDigest } from './history-hash.js';
import type { WorkflowHook } from './hooks.js';
import { tasksOf, type Step, type WorkflowMachine } from './machine.js';
import { WorkflowRegistry } from './registry.js';

/** SQLSTATEs of a transaction PostgreSQL aborted that may succeed when run again: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 3;

/**
 * The engine: applies one event to one workflow instance in one PostgreSQL transaction. In order: lock the
 * instance, authorise the actor against the unit tree, let the machine decide (`transition()`), write the
 * snapshot, the history row, timers and effects, run the domain's hooks, commit. It knows machines, subjects,
 * actors and the unit tree, nothing about villages or money. XState's own timers never run: delayed raises
 * become timer rows, fired later by the deadline worker through `fire()`.
 */
@Injectable()
export class EngineService {
  private readonly deadlines: DeadlineClock;
  private readonly hooks = new Map<string, WorkflowHook[]>();

  constructor(
    private readonly repository: EngineRepository,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
    private readonly hasher: HistoryHasher,
    calendar: WorkingCalendar,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.deadlines = new DeadlineClock(calendar, config.deadlineOverrides);
  }

  /**
   * Defines a statement ($1, $2... parameters) that hooks may `defer` and `readBack` may name: prepared on each
   * connection once, sent with the event's commit. Names are global; prefix them with the module's.
   */
  statement(name: string, text: string): void {
    this.repository.define(name, text);
  }

  /** Adds a domain module's hook to every applied event of `workflow`. */
  use(workflow: string, hook: WorkflowHook): void {
    this.hooks.set(workflow, [...(this.hooks.get(workflow) ?? []), hook]);
  }

  /** Runs `work` in a transaction, for domain modules that write their rows and start or lock an instance together. */
  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return this.repository.transaction((t) => work(t.db));
  }

  /**
   * In `tx` (from `transaction`), before a domain writes the subject it creates: holds this idempotency key until
   * the transaction ends and returns the subject of `subjectType` whose workflow `actor` already started with it,
   * if any (the create is a repeat: answer with that subject and write nothing). Two requests with one key (a
   * retry that took the key over from a holder still running) thus run one after the other, and the later one
   * finds the earlier one's subject.
   */
  async claimStartKey(tx: Db, subjectType: string, actor: EngineActor, idempotencyKey: string): Promise<string | undefined> {
    const held = this.repository.heldBy(tx);
    if (!held) throw new Error('engine.claimStartKey: tx must be a transaction the engine opened (engine.transaction)');
    const key = actorKey(actor, idempotencyKey);
    await this.repository.holdStartKey(held, key);
    return this.repository.startedWith(subjectType, key, held.db);
  }

  /**
   * Starts a workflow for a subject on the latest version of its machine, in `tx` when given. With an
   * `idempotencyKey` (the client's, as for `send`), the START row keeps it, so that `claimStartKey` finds the subject
   * again when the client repeats a create whose answer it never got.
   */
  async start(
    workflow: string,
    subject: SubjectRef & { unitId: string; unitPath: string },
    actor: EngineActor,
    input: Record<string, unknown> = {},
    tx?: Db,
    options: { idempotencyKey?: string } = {},
  ): Promise<InstanceState> {
    const machine = this.registry.latestMachine(workflow);
    if (!machine) throw new Error(`unknown workflow ${workflow}`);
    const held = tx && this.repository.heldBy(tx);
    if (tx && !held) throw new Error('engine.start: tx must be a transaction the engine opened (engine.transaction)');
    const key = options.idempotencyKey ? actorKey(actor, options.idempotencyKey) : null;
    const run = (t: EngineTransaction) => this.startIn(t, machine, subject, actor, input, key);
    return held ? run(held) : this.repository.transaction(run);
  }

  private async startIn(
    t: EngineTransaction,
    machine: WorkflowMachine,
    subject: SubjectRef & { unitId: string; unitPath: string },
    actor: EngineActor,
    input: Record<string, unknown>,
    idempotencyKey: string | null,
  ): Promise<InstanceState> {
    const def = machine.definition;
    const step = machine.start(input);
    const id = randomUUID();
    const at = this.clock.now();
    const event = this.eventRow(
      { instanceId: id, seq: 1, type: 'START', actor, payload: input, fromState: '', toState: step.state, at, prevHash: '' },
      { subjectType: subject.type, subjectId: subject.id, unitId: subject.unitId, workflowKey: def.key, workflowVersion: def.version },
      step.persisted,
      idempotencyKey,
    );
    const inserted = await this.repository.insertInstance(
      t,
      { id, workflowKey: def.key, workflowVersion: def.version, subject, state: step.state, snapshot: step.persisted, open: step.open, at },
      event,
    );
    if (!inserted) throw new Conflict('workflow_exists', { type: subject.type, id: subject.id });
    this.repository.queueWork(t, id, 1, this.work(def, step, at, { subject, seq: 1, eventType: 'START' }));
    return {
      instanceId: id,
      workflow: def.key,
      workflowVersion: def.version,
      state: step.state,
      version: 1,
      open: step.open,
      context: step.persisted.context,
    };
  }

  /**
   * Applies one event. NotFound when the subject has no instance or lies outside the actor's unit,
   * NotPermitted when the actor's role or unit may not send it, EventNotAllowed (with the caller's allowed
   * events) when the state does not take it, RuleViolation when a guard refuses it. All or nothing.
   */
  send(subject: SubjectRef, event: EngineEvent, actor: EngineActor, options: SendOptions = {}): Promise<SendResult> {
    return this.attempt(subject, event, actor, options);
  }

  /** The deadline worker's way in: a due timer sends its raised event as the system; one no longer pending is ignored. */
  async fire(timerId: string): Promise<{ applied: boolean; reason?: SendResult['reason']; deadline?: string; kind?: string }> {
    const timer = await this.repository.pendingTimer(timerId);
    if (!timer) return { applied: false, reason: 'timer_not_pending' };
    const event = { ...(timer.event as { type: string }), deadline: timer.deadline_id, kind: timer.kind };
    const result = await this.attempt({ type: timer.subject_type, id: timer.subject_id }, event, SYSTEM_ACTOR, {}, timerId);
    return { applied: result.applied, reason: result.reason, deadline: timer.deadline_id, kind: timer.kind };
  }

  /** Runs the event, again when PostgreSQL aborted its transaction for a reason that may pass and every hook that ran may run again. */
  private async attempt(
    subject: SubjectRef,
    event: EngineEvent,
    actor: EngineActor,
    options: SendOptions,
    timerId?: string,
  ): Promise<SendResult> {
    if (options.tx) {
      const held = this.repository.heldBy(options.tx);
      if (!held) throw new Error('engine.send: tx must be a transaction the engine opened (engine.transaction)');
      if (options.readBack) throw new Error("engine.send: readBack needs the event's own transaction");
      return this.apply(held, subject, event, actor, options, {}, timerId);
    }
    for (let attempt = 1; ; attempt++) {
      const ran: { workflow?: string } = {};
      try {
        return await this.repository.transaction((t) => this.apply(t, subject, event, actor, options, ran, timerId));
      } catch (err) {
        const code = (err as { code?: string }).code;
        const repeatable = (this.hooks.get(ran.workflow ?? '') ?? []).every((h) => h.repeatable);
        if (attempt >= ATTEMPTS || code === undefined || !RETRYABLE.has(code) || !repeatable) throw err;
      }
    }
  }

  private async apply(
    t: EngineTransaction,
    subject: SubjectRef,
    event: EngineEvent,
    actor: EngineActor,
    options: SendOptions,
    ran: { workflow?: string },
    timerId?: string,
  ): Promise<SendResult> {
    const idempotencyKey = options.idempotencyKey ? actorKey(actor, options.idempotencyKey) : null;
    const { instance: inst, seen } = await this.repository.lock(t, subject, idempotencyKey);
    if (!inst || !inJurisdiction(actor, inst.unit_path)) throw new NotFound(subject.type);
    const unchanged = (reason: SendResult['reason']): SendResult => ({ ...this.stateOf(inst), applied: false, reason });
    if (seen) return unchanged('duplicate');
    if (options.precondition) await options.precondition(t.db);
    if (timerId && !(await this.repository.fireTimer(t, timerId, inst.id))) return unchanged('timer_not_pending');

    const { machine, snapshot: data } = this.machineFor(inst);
    const def = machine.definition;
    authorise(def, event.type, actor, inst.unit_path);
    const hooks = this.hooks.get(def.key) ?? [];
    ran.workflow = def.key;
    const readers = hooks.map((h) => h.facts?.[event.type]).filter((r) => r !== undefined);
    if (readers.length) {
      const facts = Object.assign({}, ...(await Promise.all(readers.map((read) => read(t.db, subject)))));
      event = { ...event, facts };
    }
    const snapshot = machine.resolve(data);
    if (!machine.takes(snapshot, event.type)) {
      if (timerId) return unchanged('timer_stale');
      // What this caller may send now, as GET shows it (the system's deadlines see all the state takes).
      const events = machine.events(snapshot);
      const allowed = actor.role === 'SYSTEM' ? events : permittedEvents(def, events, actor, inst.unit_path);
      const label = def.labels;
      throw new EventNotAllowed(
        { vi: label?.events[event.type]?.vi ?? event.type, en: event.type },
        { vi: label?.states[inst.state]?.vi ?? inst.state, en: inst.state },
        allowed,
      );
    }
    const guard = machine.refusingGuard(snapshot, event);
    if (guard) {
      // A deadline whose guarded transition is refused now is spent, like a stale one: nothing to retry.
      if (timerId) return unchanged('timer_stale');
      const spec = def.rules?.[guard];
      if (spec) throw new RuleViolation(spec.rule, 'workflow_rule', { text: spec.message });
      throw new RuleViolation(guard, 'rule_refused', { event: event.type, rule: guard });
    }

    const step = machine.step(snapshot, event);
    const at = this.clock.now();
    const seq = inst.last_seq + 1;
    const { type, ...payload } = event;
    const row = this.eventRow(
      { instanceId: inst.id, seq, type, actor, payload, fromState: inst.state, toState: step.state, at, prevHash: inst.last_hash },
      {
        subjectType: inst.subject_type,
        subjectId: inst.subject_id,
        unitId: inst.unit_id,
        workflowKey: def.key,
        workflowVersion: def.version,
      },
      step.persisted,
      idempotencyKey,
    );
    this.repository.queueEvent(
      t,
      inst,
      { state: step.state, snapshotJson: JSON.stringify(step.persisted), open: step.open, workflowVersion: def.version },
      row,
    );
    const instanceSubject = { type: inst.subject_type, id: inst.subject_id };
    this.repository.queueWork(t, inst.id, seq, this.work(def, step, at, { subject: instanceSubject, seq, eventType: type }));
    const context = step.persisted.context;
    const change = {
      subject: instanceSubject,
      event,
      actor,
      fromState: inst.state,
      toState: step.state,
      open: step.open,
      seq,
      context,
      defer: (statement: string, values: readonly unknown[]) => this.repository.defer(t, statement, values),
    };
    for (const hook of hooks) await hook.afterTransition?.(t.db, change);
    const readBack = options.readBack ? await this.repository.commitWith(t, options.readBack) : undefined;
    return {
      instanceId: inst.id,
      workflow: def.key,
      workflowVersion: def.version,
      state: step.state,
      version: inst.version + 1,
      open: step.open,
      context,
      applied: true,
      fromState: inst.state,
      seq,
      readBack,
      allowedEvents: (who) => (step.open ? permittedEvents(def, machine.events(step.snapshot), who, inst.unit_path) : []),
    };
  }

  /** The machine an instance runs on: its own version's, or the latest one's after the latest's migration from it. */
  private machineFor(inst: Pick<InstanceRow, 'workflow_key' | 'workflow_version' | 'snapshot'>): {
    machine: WorkflowMachine;
    snapshot: PersistedSnapshot;
  } {
    const latest = this.registry.latestMachine(inst.workflow_key);
    const migration = latest?.definition.migrations?.find((m) => m.from === inst.workflow_version);
    if (latest && migration && latest.definition.version !== inst.workflow_version)
      return { machine: latest, snapshot: migration.up(inst.snapshot) };
    const own = this.registry.machine(inst.workflow_key, inst.workflow_version);
    if (!own) throw new Error(`workflow ${inst.workflow_key} v${inst.workflow_version} is not registered`);
    return { machine: own, snapshot: inst.snapshot };
  }

  private stateOf(inst: InstanceRow): InstanceState {
    return {
      instanceId: inst.id,
      workflow: inst.workflow_key,
      workflowVersion: inst.workflow_version,
      state: inst.state,
      version: inst.version,
      open: inst.open,
      context: inst.snapshot.context,
    };
  }

  private eventRow(
    fields: {
      instanceId: string;
      seq: number;
      type: string;
      actor: EngineActor;
      payload: unknown;
      fromState: string;
      toState: string;
      at: Date;
      prevHash: string;
    },
    owner: { subjectType: string; subjectId: string; unitId: string; workflowKey: string; workflowVersion: number },
    snapshot: PersistedSnapshot,
    idempotencyKey: string | null,
  ): EventRow {
    const hashed = {
      instanceId: fields.instanceId,
      seq: fields.seq,
      type: fields.type,
      actorId: fields.actor.id,
      actorRole: fields.actor.role,
      actorUnitId: fields.actor.unitId,
      payload: fields.payload,
      fromState: fields.fromState,
      toState: fields.toState,
      at: fields.at.toISOString(),
      prevHash: fields.prevHash,
      ...owner,
      snapshotDigest: snapshotDigest(snapshot),
    };
    return { ...hashed, hashScheme: HASH_SCHEME.hmac, hash: this.hasher.hash(hashed), idempotencyKey };
  }

  /** A step's timers (due times from the working-day calendar), cancelled timers and effects, as rows. */
  private work(def: WorkflowDefinition, step: Step, at: Date, meta: { subject: SubjectRef; seq: number; eventType: string }) {
    const timers: TimerRow[] = step.timers.map((x) => ({
      id: randomUUID(),
      sendId: x.sendId,
      deadlineId: x.meaning.deadline.id,
      kind: x.meaning.kind,
      event: x.event,
      dueAt: this.deadlines.dueAt(x.meaning, at),
    }));
    const effects: OutboxRow[] = step.effects.map((x) => ({
      id: randomUUID(),
      queue: x.spec.queue,
      job: x.spec.job,
      payload: { ...x.params, workflow: def.key, subject: meta.subject, event: meta.eventType, state: step.state, seq: meta.seq },
    }));
    return { cancels: step.cancels, timers, effects };
  }

  /** The current state of a subject's instance as the actor may see it, with the events it may send now. */
  async inspect(
    subject: SubjectRef,
    actor?: EngineActor,
  ): Promise<
    (InstanceState & { allowedEvents: string[]; deadlines: { id: string; deadline: string; kind: string; dueAt: Date }[] }) | null
  > {
    const inst = await this.repository.instanceOf(subject);
    if (!inst) return null;
    return {
      instanceId: inst.id,
      workflow: inst.workflow_key,
      workflowVersion: inst.workflow_version,
      state: inst.state,
      version: inst.version,
      open: inst.open,
      context: inst.snapshot.context,
      allowedEvents: this.allowedEventsFor(
        { workflow: inst.workflow_key, version: inst.workflow_version, snapshot: inst.snapshot, unitPath: inst.unit_path },
        actor,
      ),
      deadlines: (inst.timers ?? []).map((x) => ({ ...x, dueAt: new Date(x.dueAt) })),
    };
  }

  /**
   * The events `actor` may send to an instance in this snapshot (all the state takes, without an actor), for
   * read models that load the row themselves.
   */
  allowedEventsFor(
    instance: { workflow: string; version: number; snapshot: PersistedSnapshot; unitPath: string },
    actor?: EngineActor,
  ): string[] {
    const machine = this.registry.machine(instance.workflow, instance.version) ?? this.registry.latestMachine(instance.workflow);
    if (!machine) return [];
    const events = machine.events(machine.resolve(instance.snapshot));
    return actor ? permittedEvents(machine.definition, events, actor, instance.unitPath) : events;
  }

  /** What each state of a workflow's latest version asks of a role (its states' `meta.tasks`): state → task. */
  tasks(workflow: string, role: string): Record<string, string> {
    const machine = this.registry.latestMachine(workflow);
    return machine ? (tasksOf(machine.machine)[role] ?? {}) : {};
  }

  /** A state of a workflow as messages name it: its label in Vietnamese, its name in English (the API's words). */
  stateWords(workflow: string, state: string): Words {
    return { vi: this.registry.latest(workflow)?.labels?.states[state]?.vi ?? state, en: state };
  }

  /** When a deadline of a workflow would fall if its step began at `from` (a page's "the posting would end on"). */
  projectedDue(workflow: string, deadlineId: string, from: Date): Date | null {
    const deadline = this.registry.latest(workflow)?.deadlines.find((d) => d.id === deadlineId);
    return deadline ? this.deadlines.dueAt({ deadline, kind: 'due' }, from) : null;
  }

  /** The words people see for a workflow's states and events (its latest version's labels), for the pages. */
  labels(workflow: string): WorkflowLabels | undefined {
    return this.registry.latest(workflow)?.labels;
  }

  /** Locks a subject's instance for the rest of `tx` (shared: events wait) and returns its state. */
  async lockState(tx: Db, subject: SubjectRef): Promise<{ state: string; allowedEvents: (actor: EngineActor) => string[] } | null> {
    const row = await this.repository.lockShared(tx, subject);
    if (!row) return null;
    return {
      state: row.state,
      allowedEvents: (actor) =>
        this.allowedEventsFor(
          { workflow: row.workflow_key, version: row.workflow_version, snapshot: row.snapshot, unitPath: row.unit_path },
          actor,
        ),
    };
  }

  /** The history of a subject's instance, oldest first, as the API shows it. */
  history(subject: SubjectRef, page?: { afterSeq?: number; limit?: number }): Promise<HistoryEntry[]> {
    return this.repository.history(subject, page);
  }
}

/** A client's idempotency key as the history keeps it: per actor, as the HTTP layer scopes keys per user. */
function actorKey(actor: EngineActor, key: string): string {
  return `${actor.id ?? 'system'}:${key}`;
}

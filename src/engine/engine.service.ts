import { ForbiddenException, HttpException, Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { WorkingCalendar } from '../calendar/working-calendar.js';
import { conflict, notFound, ruleViolation } from '../common/http-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PG_POOL } from '../database/pg-pool.js';
import { PreparedStatements, runBatch, StatementBatch } from '../database/statement-batch.js';
import { DeadlineClock } from './deadlines.js';
import type { PersistedSnapshot, WorkflowDefinition } from './definition.js';
import type { EngineActor, EngineEvent, HistoryEntry, InstanceState, SendResult, SubjectRef } from './engine.types.js';
import { canonicalJson, eventHash } from './history-hash.js';
import { WorkflowRegistry } from './registry.js';

/** Work a domain module does inside the event's transaction (its own tables only), after the transition. */
export type InTransaction = (tx: pg.PoolClient, result: { fromState: string; toState: string; seq: number; context: Record<string, unknown> }) => Promise<void>;

/**
 * A domain module's work inside every applied event of one workflow, the system's included (e.g. a read model).
 * `tx` runs statements now; `defer` queues a statement defined with `EngineService.statement()` to be sent with
 * the commit (same transaction, same order, one round trip fewer).
 */
export type TransitionHook = (
  tx: pg.PoolClient,
  change: {
    subject: SubjectRef;
    event: EngineEvent;
    actor: EngineActor;
    fromState: string;
    toState: string;
    open: boolean;
    context: Record<string, unknown>;
    defer: (statement: string, values: readonly unknown[]) => void;
  },
) => Promise<void>;

export interface SendOptions {
  idempotencyKey?: string;
  /** Set by the deadline worker: the timer row this event comes from; ignored unless still pending. */
  timerId?: string;
  inTransaction?: InTransaction;
  /**
   * Facts the domain reads from its own tables for the machine's guards, merged into the event after the
   * instance is locked, so nothing the facts depend on can change (under the same lock) before the transition.
   */
  facts?: (tx: pg.PoolClient) => Promise<object>;
  /** An open transaction to run in (the caller commits); otherwise the engine opens and commits its own. */
  tx?: pg.PoolClient;
  /**
   * A statement defined with `EngineService.statement()` to run last in the event's transaction, after every
   * write, when the event was applied: its rows come back as `SendResult.readBack`. For the response's read
   * model without a round trip of its own.
   */
  readBack?: { statement: string; values: readonly unknown[] };
  /**
   * A check the domain makes on the locked instance before the transition (HTTP If-Match: the subject must
   * still read as the caller read it); it throws to refuse. Events with one take the locking way.
   */
  precondition?: (tx: pg.PoolClient) => Promise<void>;
}

interface InstanceRow {
  id: string;
  workflow_key: string;
  workflow_version: number;
  subject_type: string;
  subject_id: string;
  unit_path: string;
  state: string;
  snapshot: PersistedSnapshot;
  version: number;
  open: boolean;
  last_seq: number;
  last_hash: string;
}

type Action = { type: string; params?: Record<string, unknown> };

function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  // Nested states: "parent.child" (parallel regions joined by ",").
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) parts.push(`${k}.${stateName(v)}`);
  return parts.join(',');
}

function persisted(snapshot: AnyMachineSnapshot): PersistedSnapshot {
  return { value: snapshot.value, context: snapshot.context as Record<string, unknown>, status: snapshot.status };
}

/**
 * The engine: applies one event to one workflow instance in one PostgreSQL transaction (lock ▸ authorise ▸
 * transition() ▸ snapshot ▸ history ▸ timers ▸ outbox). It knows machines, subjects, actors and the unit
 * tree, nothing about villages or money. XState's own timers never run: delayed raises become timer rows.
 */
@Injectable()
export class EngineService {
  private readonly clock: DeadlineClock;
  private readonly hooks = new Map<string, TransitionHook[]>();
  private readonly statements = new PreparedStatements();
  /** Rows this process wrote last, for the one-round-trip path (checked against the version on the server). */
  private readonly recent = new Map<string, InstanceRow>();

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly registry: WorkflowRegistry,
    calendar: WorkingCalendar,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.clock = new DeadlineClock(calendar, config.deadlineOverrides);
    for (const [name, text] of Object.entries(ENGINE_STATEMENTS)) this.statements.define(name, text);
  }

  /**
   * Defines a statement ($1, $2... parameters) that hooks may `defer` and `readBack` may name: prepared on each
   * connection once, sent with the event's commit. Names are global; prefix them with the module's.
   */
  statement(name: string, text: string): void {
    this.statements.define(name, text);
  }

  /** Registers work to run inside the transaction of every applied event of `workflow`. */
  onTransition(workflow: string, hook: TransitionHook): void {
    this.hooks.set(workflow, [...(this.hooks.get(workflow) ?? []), hook]);
  }

  /** Runs `work` in a transaction of the engine's pool, for domain modules that start instances with their rows. */
  async transaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(this.statements.isBroken(client) || undefined);
    }
  }

  private async within<T>(tx: pg.PoolClient | undefined, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
    return tx ? work(tx) : this.transaction(work);
  }

  /** Starts a workflow for a subject on the latest version of its machine. */
  async start(
    workflow: string,
    subject: SubjectRef & { unitId: string; unitPath: string },
    actor: EngineActor,
    input: Record<string, unknown> = {},
    tx?: pg.PoolClient,
  ): Promise<InstanceState> {
    const def = this.registry.latest(workflow);
    if (!def) throw new Error(`unknown workflow ${workflow}`);
    return this.within(tx, async (client) => {
      const [snapshot, actions] = initialTransition(def.machine, input);
      const id = randomUUID();
      const now = new Date();
      const state = stateName(snapshot.value);
      const row = {
        instanceId: id,
        seq: 1,
        type: 'START',
        actorId: actor.id,
        actorRole: actor.role,
        actorUnitId: actor.unitId,
        payload: input,
        fromState: '',
        toState: state,
        at: now.toISOString(),
        prevHash: '',
      };
      const hash = eventHash(row);
      const inserted = await client.query(
        `INSERT INTO workflow_instances (id, workflow_key, workflow_version, subject_type, subject_id, unit_id, unit_path, state, snapshot, version, open, last_seq, last_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, 1, $11, $12, $12)
         ON CONFLICT (subject_type, subject_id) DO NOTHING`,
        [id, def.key, def.version, subject.type, subject.id, subject.unitId, subject.unitPath, state, persisted(snapshot), snapshot.status === 'active', hash, now],
      );
      if (!inserted.rowCount) throw conflict(`${subject.type} ${subject.id} already has a workflow`);
      await this.appendHistory(client, row, hash, null);
      await this.statements.prepare(client);
      const batch = new StatementBatch(client, this.statements);
      this.applyActions(batch, def, id, 1, actions as Action[], now, { subject, eventType: 'START', state });
      await batch.flush();
      return {
        instanceId: id,
        workflow: def.key,
        workflowVersion: def.version,
        state,
        version: 1,
        open: snapshot.status === 'active',
        context: snapshot.context as Record<string, unknown>,
      };
    });
  }

  /**
   * Applies one event. 404 when the subject has no instance or lies outside the actor's unit, 403 when the
   * actor's role or unit may not send it, 409 (with allowedEvents) when the state does not take it, 422
   * (with the rule) when a guard refuses it. All or nothing.
   */
  async send(subject: SubjectRef, event: EngineEvent, actor: EngineActor, options: SendOptions = {}): Promise<SendResult> {
    const idempotencyKey = options.idempotencyKey ? `${actor.id ?? 'system'}:${options.idempotencyKey}` : null;
    const key = `${subject.type}\u0000${subject.id}`;
    if (options.tx) {
      await this.statements.prepare(options.tx);
      return this.sendLocked(options.tx, false, key, subject, event, actor, options, idempotencyKey);
    }
    const client = await this.pool.connect();
    try {
      await this.statements.prepare(client);
    } catch (err) {
      client.release(err as Error); // its prepared statements are unknown now: the pool discards it
      throw err;
    }
    try {
      // Events that read facts or check preconditions, fire timers or carry a key need the locked row first.
      const known = options.facts || options.precondition || options.timerId || idempotencyKey ? undefined : this.recent.get(key);
      if (known) {
        const result = await this.sendOptimistic(client, key, known, event, actor, options);
        if (result) return result;
      }
      return await this.sendLocked(client, true, key, subject, event, actor, options, idempotencyKey);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * The usual way: lock and read the instance (with the idempotency check) in one round trip, then every write,
   * the hooks' and the read-back, with COMMIT when the transaction is the engine's own, in one more.
   */
  private async sendLocked(
    client: pg.PoolClient, own: boolean, key: string, subject: SubjectRef, event: EngineEvent, actor: EngineActor, options: SendOptions, idempotencyKey: string | null,
  ): Promise<SendResult> {
    const lock = [this.statements.execute('engine.lock-instance', [subject.type, subject.id])];
    if (idempotencyKey) lock.push(this.statements.execute('engine.seen-key', [subject.type, subject.id, idempotencyKey]));
    const [found, seen] = (await runBatch(client, own ? ['BEGIN', ...lock] : lock)).slice(own ? 1 : 0);
    const inst = found.rows[0] as InstanceRow | undefined;
    if (!inst || !inst.unit_path.startsWith(actor.role === 'ADMIN' ? '' : actor.unitPath)) throw notFound(subject.type);
    if (own) this.remember(key, inst); // read under the lock: true whatever happens next
    const batch = new StatementBatch(client, this.statements);
    const { result, after } = await this.applyEvent(batch, inst, event, actor, options, idempotencyKey, Boolean(seen?.rowCount));
    const readBack = result.applied && options.readBack ? [this.statements.execute(options.readBack.statement, options.readBack.values)] : [];
    const [back] = await batch.flush(...readBack, ...(own ? ['COMMIT'] : []));
    if (own && after) this.remember(key, after);
    return readBack.length ? { ...result, readBack: back.rows } : result;
  }

  /**
   * One round trip when this process wrote the instance last: the event is applied to the row it wrote, and
   * the writes go to the server headed by a check that the instance is still at that version (locking it).
   * Resolves undefined (nothing written) when the row was stale or the event was refused on it: the caller
   * then takes the usual way, so a refusal is always judged on the locked row.
   */
  private async sendOptimistic(
    client: pg.PoolClient, key: string, known: InstanceRow, event: EngineEvent, actor: EngineActor, options: SendOptions,
  ): Promise<SendResult | undefined> {
    if (!known.unit_path.startsWith(actor.role === 'ADMIN' ? '' : actor.unitPath)) return undefined;
    const batch = new StatementBatch(client, this.statements, ['BEGIN']);
    batch.defer('engine.expect-version', [known.id, known.version]);
    try {
      const { result, after } = await this.applyEvent(batch, known, event, actor, options, null, false);
      const readBack = result.applied && options.readBack ? [this.statements.execute(options.readBack.statement, options.readBack.values)] : [];
      const [back] = await batch.flush(...readBack, 'COMMIT');
      if (after) this.remember(key, after);
      return readBack.length ? { ...result, readBack: back.rows } : result;
    } catch (err) {
      // Any refusal (403 from a domain check on the state, 409, 422) is judged again on the locked row.
      if ((err as { code?: string }).code !== STALE && !(err instanceof HttpException)) throw err;
      this.recent.delete(key);
      if (batch.sent) await client.query('ROLLBACK');
      return undefined;
    }
  }

  /** The instance rows this process wrote or read last, most recent last (a bounded map). */
  private remember(key: string, row: InstanceRow): void {
    const known = this.recent.get(key);
    if (known && known.id === row.id && known.version > row.version) return; // a later write finished first
    this.recent.delete(key);
    if (!row.open) return;
    this.recent.set(key, row);
    if (this.recent.size > RECENT_INSTANCES) this.recent.delete(this.recent.keys().next().value!);
  }

  private async applyEvent(
    batch: StatementBatch,
    inst: InstanceRow,
    event: EngineEvent,
    actor: EngineActor,
    options: SendOptions,
    idempotencyKey: string | null,
    duplicate: boolean,
  ): Promise<{ result: SendResult; after?: InstanceRow }> {
    const client = batch.tx;
    const current = (): { result: SendResult } => ({ result: {
      instanceId: inst.id,
      workflow: inst.workflow_key,
      workflowVersion: inst.workflow_version,
      state: inst.state,
      version: inst.version,
      open: inst.open,
      context: inst.snapshot.context,
      applied: false,
    } });
    const unchanged = (reason: SendResult['reason']) => ({ result: { ...current().result, reason } });
    if (duplicate) return unchanged('duplicate');
    if (options.precondition) await options.precondition(client);
    if (options.timerId) {
      const timer = await client.query(
        `UPDATE workflow_timers SET status = 'fired', settled_at = now() WHERE id = $1 AND instance_id = $2 AND status = 'pending' RETURNING id`,
        [options.timerId, inst.id],
      );
      if (!timer.rowCount) return unchanged('timer_not_pending');
    }

    let def = this.registry.get(inst.workflow_key, inst.workflow_version);
    let snapshotData = inst.snapshot;
    const latest = this.registry.latest(inst.workflow_key);
    const migration = latest?.migrations?.find((m) => m.from === inst.workflow_version);
    if (latest && migration && latest.version !== inst.workflow_version) {
      snapshotData = migration.up(snapshotData);
      def = latest;
    }
    if (!def) throw new Error(`workflow ${inst.workflow_key} v${inst.workflow_version} is not registered`);

    this.authorise(def, event.type, actor, inst.unit_path);
    if (options.facts) event = { ...event, facts: await options.facts(client) };
    const snapshot = def.machine.resolveState({ value: snapshotData.value, context: snapshotData.context } as never) as AnyMachineSnapshot;
    const allowed = this.eventsOf(snapshot);
    if (!allowed.includes(event.type) || snapshot.status !== 'active') {
      if (options.timerId) return unchanged('timer_stale');
      // What this caller may send now, as GET shows it (the system's deadlines see all the state takes).
      const allowedEvents = actor.role === 'SYSTEM' ? this.userEvents(snapshot) : this.permittedEvents(def, snapshot, actor, inst.unit_path);
      throw conflict(`${event.type} is not allowed in state ${inst.state}`, { allowedEvents });
    }
    if (!snapshot.can(event as never)) {
      // A deadline whose guarded transition is refused now is spent, like a stale one: nothing to retry.
      if (options.timerId) return unchanged('timer_stale');
      const guard = this.refusingGuard(snapshot, event);
      const spec = def.rules?.[guard] ?? { rule: guard, message: `${event.type} refused by rule ${guard}` };
      throw ruleViolation(spec.rule, spec.message);
    }
    const [next, actions] = transition(def.machine, snapshot, event as never);
    const now = new Date();
    const seq = inst.last_seq + 1;
    const toState = stateName(next.value);
    const { type, ...payload } = event;
    const row = {
      instanceId: inst.id,
      seq,
      type,
      actorId: actor.id,
      actorRole: actor.role,
      actorUnitId: actor.unitId,
      payload,
      fromState: inst.state,
      toState,
      at: now.toISOString(),
      prevHash: inst.last_hash,
    };
    const hash = eventHash(row);
    const open = next.status === 'active';
    // Serialised once: the statement's parameter, and the row this process remembers (as jsonb gives it back).
    const snapshotJson = JSON.stringify(persisted(next));
    // The new snapshot and the history row in one statement, queued for the commit's round trip.
    batch.defer('engine.apply-event', [inst.id, toState, snapshotJson, open, seq, hash, def.version, now, row.type, row.actorId, row.actorRole,
      row.actorUnitId, canonicalJson(row.payload), row.fromState, idempotencyKey, row.prevHash]);
    this.applyActions(batch, def, inst.id, seq, actions as Action[], now, {
      subject: { type: inst.subject_type, id: inst.subject_id },
      eventType: type,
      state: toState,
    });
    const context = next.context as Record<string, unknown>;
    const defer = (statement: string, values: readonly unknown[]) => batch.defer(statement, values);
    for (const hook of this.hooks.get(def.key) ?? []) {
      await hook(client, { subject: { type: inst.subject_type, id: inst.subject_id }, event, actor, fromState: inst.state, toState, open, context, defer });
    }
    await options.inTransaction?.(client, { fromState: inst.state, toState, seq, context });
    const result: SendResult = {
      instanceId: inst.id,
      workflow: def.key,
      workflowVersion: def.version,
      state: toState,
      version: inst.version + 1,
      open,
      context,
      applied: true,
      fromState: inst.state,
      seq,
      allowedEvents: (who) => (open ? this.permittedEvents(def, next, who, inst.unit_path) : []),
    };
    // The row as the server will hold it after commit (the snapshot as it comes back from jsonb).
    const after: InstanceRow = {
      ...inst, workflow_version: def.version, state: toState, snapshot: JSON.parse(snapshotJson) as PersistedSnapshot,
      version: inst.version + 1, open, last_seq: seq, last_hash: hash,
    };
    return { result, after };
  }

  private async appendHistory(
    client: pg.PoolClient,
    row: { instanceId: string; seq: number; type: string; actorId: string | null; actorRole: string; actorUnitId: string | null; payload: unknown; fromState: string; toState: string; at: string; prevHash: string },
    hash: string,
    idempotencyKey: string | null,
  ): Promise<void> {
    await client.query(
      `INSERT INTO workflow_events (instance_id, seq, type, actor_id, actor_role, actor_unit_id, payload, from_state, to_state, at, idempotency_key, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [row.instanceId, row.seq, row.type, row.actorId, row.actorRole, row.actorUnitId, canonicalJson(row.payload), row.fromState, row.toState, row.at, idempotencyKey, row.prevHash, hash],
    );
  }

  /** Delayed raises become timer rows, cancels cancel them, effects become outbox rows (queued in `batch`). */
  private applyActions(
    batch: StatementBatch,
    def: WorkflowDefinition,
    instanceId: string,
    seq: number,
    actions: Action[],
    now: Date,
    meta: { subject: SubjectRef; eventType: string; state: string },
  ): void {
    const cancels: string[] = [];
    const timers: unknown[][] = [];
    const effects: unknown[][] = [];
    for (const action of actions) {
      const params = action.params ?? {};
      if (action.type === 'xstate.cancel') {
        cancels.push(String(params.sendId));
      } else if (action.type === 'xstate.raise' && params.delay !== undefined) {
        const raised = params.event as { type: string };
        const delayName = raised.type.startsWith('xstate.after.') ? raised.type.slice('xstate.after.'.length).split('.')[0] : '';
        const delay = def.delays[delayName];
        if (!delay) throw new Error(`workflow ${def.key}: delay "${delayName}" has no deadline in its definition`);
        const dueAt = this.clock.dueAt(delay.deadline, def.deadlines[delay.deadline], delay, now);
        timers.push([randomUUID(), instanceId, String(params.id), delay.deadline, delay.kind, raised, dueAt]);
      } else if (def.effects[action.type]) {
        const effect = def.effects[action.type];
        const payload = { ...params, workflow: def.key, subject: meta.subject, event: meta.eventType, state: meta.state, seq };
        effects.push([randomUUID(), instanceId, seq, effect.queue, effect.job, payload]);
      } else if (action.type !== 'xstate.raise' && !def.machine.implementations.actions[action.type]) {
        throw new Error(`workflow ${def.key}: action ${action.type} is neither an effect nor implemented`);
      }
    }
    if (cancels.length) batch.defer('engine.cancel-timers', [instanceId, cancels]);
    if (timers.length) batch.defer('engine.insert-timers', columns(timers, 7));
    if (effects.length) batch.defer('engine.insert-outbox', columns(effects, 6));
  }

  private authorise(def: WorkflowDefinition, eventType: string, actor: EngineActor, unitPath: string): void {
    if (actor.role === 'SYSTEM') return;
    const permission = def.permissions[eventType];
    if (!permission || !permission.roles.includes(actor.role)) {
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', message: `role ${actor.role} may not send ${eventType}` });
    }
    if (!relationHolds(permission.unit, actor, unitPath)) {
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', message: `${eventType} is for another unit's ${actor.role}` });
    }
  }

  private eventsOf(snapshot: AnyMachineSnapshot): string[] {
    const events = new Set<string>();
    for (const node of snapshot._nodes) for (const e of node.ownEvents) events.add(e);
    return [...events];
  }

  /** The events a user may send in this state (the machine's own, without XState's internal ones). */
  userEvents(snapshot: AnyMachineSnapshot): string[] {
    return this.eventsOf(snapshot).filter((e) => !e.startsWith('xstate.') && e !== '*');
  }

  /** The name of the guard that refused: the first failing one inside `and([...])`, else the transition's own. */
  private refusingGuard(snapshot: AnyMachineSnapshot, event: EngineEvent): string {
    const guards = snapshot.machine.implementations.guards as Record<string, (args: unknown, params: unknown) => boolean>;
    const nameOf = (guard: unknown): string | undefined =>
      typeof guard === 'string'
        ? guard
        : guard && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string'
          ? (guard as { type: string }).type
          : undefined;
    for (const node of [...snapshot._nodes].reverse()) {
      for (const t of node.transitions.get(event.type) ?? []) {
        const guard = t.guard as unknown;
        const children = (guard as { guards?: unknown[] } | undefined)?.guards;
        if (children) {
          for (const child of children) {
            const name = nameOf(child);
            const params = (child as { params?: unknown })?.params;
            if (name && guards[name] && !guards[name]({ context: snapshot.context, event }, params)) return name;
          }
        }
        const name = nameOf(guard) ?? (typeof guard === 'function' && guard.name ? guard.name : undefined);
        if (name) return name;
      }
    }
    return 'guard';
  }

  /** The current state of a subject's instance as the actor may see it, with the events it may send now. */
  async inspect(subject: SubjectRef, actor?: EngineActor): Promise<(InstanceState & { allowedEvents: string[]; deadlines: { id: string; deadline: string; kind: string; dueAt: Date }[] }) | null> {
    const found = await this.pool.query<InstanceRow & { timers: { id: string; deadline: string; kind: string; dueAt: string }[] | null }>(
      `SELECT i.id, i.workflow_key, i.workflow_version, i.unit_path, i.state, i.snapshot, i.version, i.open,
              (SELECT json_agg(json_build_object('id', t.id, 'deadline', t.deadline_id, 'kind', t.kind, 'dueAt', t.due_at) ORDER BY t.due_at)
                 FROM workflow_timers t WHERE t.instance_id = i.id AND t.status = 'pending') AS timers
         FROM workflow_instances i WHERE i.subject_type = $1 AND i.subject_id = $2`,
      [subject.type, subject.id],
    );
    const inst = found.rows[0];
    if (!inst) return null;
    const instance = { workflow: inst.workflow_key, version: inst.workflow_version, snapshot: inst.snapshot, unitPath: inst.unit_path };
    const allowedEvents = this.allowedEventsFor(instance, actor);
    return {
      instanceId: inst.id,
      workflow: inst.workflow_key,
      workflowVersion: inst.workflow_version,
      state: inst.state,
      version: inst.version,
      open: inst.open,
      context: inst.snapshot.context,
      allowedEvents,
      deadlines: (inst.timers ?? []).map((t) => ({ ...t, dueAt: new Date(t.dueAt) })),
    };
  }

  /**
   * The events `actor` may send to an instance in this snapshot (all the state takes, without an actor), for
   * read models that load the row themselves.
   */
  allowedEventsFor(instance: { workflow: string; version: number; snapshot: PersistedSnapshot; unitPath: string }, actor?: EngineActor): string[] {
    const def = this.registry.get(instance.workflow, instance.version) ?? this.registry.latest(instance.workflow);
    if (!def) return [];
    const snapshot = def.machine.resolveState({ value: instance.snapshot.value, context: instance.snapshot.context } as never) as AnyMachineSnapshot;
    if (snapshot.status !== 'active') return [];
    if (!actor) return this.userEvents(snapshot);
    return this.permittedEvents(def, snapshot, actor, instance.unitPath);
  }

  /** The state's events that `actor`'s role and unit may send to an instance at `unitPath`. */
  private permittedEvents(def: WorkflowDefinition, snapshot: AnyMachineSnapshot, actor: EngineActor, unitPath: string): string[] {
    return this.userEvents(snapshot).filter((e) => {
      const p = def.permissions[e];
      return p && p.roles.includes(actor.role) && relationHolds(p.unit, actor, unitPath);
    });
  }

  /** Locks a subject's instance for the rest of `tx` (shared: events wait) and returns its state. */
  async lockState(tx: pg.PoolClient, subject: SubjectRef): Promise<{ state: string; allowedEvents: (actor: EngineActor) => string[] } | null> {
    const { rows } = await tx.query<InstanceRow>(
      `SELECT workflow_key, workflow_version, unit_path, state, snapshot FROM workflow_instances WHERE subject_type = $1 AND subject_id = $2 FOR SHARE`,
      [subject.type, subject.id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      state: row.state,
      allowedEvents: (actor) => this.allowedEventsFor({ workflow: row.workflow_key, version: row.workflow_version, snapshot: row.snapshot, unitPath: row.unit_path }, actor),
    };
  }

  /** The history of a subject's instance, oldest first, as the API shows it (`GET /<subjects>/:id/history`). */
  async history(subject: SubjectRef): Promise<HistoryEntry[]> {
    const { rows } = await this.pool.query(
      `SELECT e.seq, e.type, e.actor_id, e.actor_role, e.actor_unit_id, e.from_state, e.to_state, e.payload, e.at, e.hash, e.prev_hash
         FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id
        WHERE i.subject_type = $1 AND i.subject_id = $2 ORDER BY e.seq`,
      [subject.type, subject.id],
    );
    return rows.map((r) => ({
      seq: r.seq,
      type: r.type,
      actor: { id: r.actor_id, role: r.actor_role, unitId: r.actor_unit_id },
      fromState: r.from_state,
      toState: r.to_state,
      payload: r.payload,
      at: new Date(r.at).toISOString(),
      hash: r.hash,
      prevHash: r.prev_hash,
    }));
  }
}

/** Whether the actor's unit stands in `relation` to the subject's unit (given as its tree path). */
export function relationHolds(relation: string, actor: EngineActor, unitPath: string): boolean {
  const ids = unitPath.split('/').filter(Boolean);
  if (relation === 'within') return unitPath.startsWith(actor.unitPath);
  if (relation === 'root') return actor.unitId === ids[0];
  const m = /^ancestor:(\d+)$/.exec(relation);
  if (m) return actor.unitId === ids[ids.length - 1 - Number(m[1])];
  return false;
}

/** SQLSTATE of engine_expect_version (migration 20261129070000): the instance moved on since this process saw it. */
const STALE = 'NT001';
/** How many instances' last rows a process keeps for the one-round-trip path (about 1 KB each). */
const RECENT_INSTANCES = 10_000;

/** The engine's hot-path statements (see PreparedStatements). */
const ENGINE_STATEMENTS: Record<string, string> = {
  'engine.expect-version': `SELECT engine_expect_version($1::text, $2::int)`,
  'engine.lock-instance': `SELECT id, workflow_key, workflow_version, subject_type, subject_id, unit_path, state, snapshot, version, open, last_seq, last_hash
      FROM workflow_instances WHERE subject_type = $1::text AND subject_id = $2::text FOR UPDATE`,
  'engine.seen-key': `SELECT 1 FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id
      WHERE i.subject_type = $1::text AND i.subject_id = $2::text AND e.idempotency_key = $3::text`,
  'engine.apply-event': `WITH updated AS (
         UPDATE workflow_instances SET state = $2, snapshot = $3, version = version + 1, open = $4, last_seq = $5, last_hash = $6,
                workflow_version = $7, updated_at = $8 WHERE id = $1 RETURNING id)
       INSERT INTO workflow_events (instance_id, seq, type, actor_id, actor_role, actor_unit_id, payload, from_state, to_state, at, idempotency_key, prev_hash, hash)
       SELECT id, $5, $9, $10, $11, $12, $13, $14, $2, $8, $15, $16, $6 FROM updated`,
  'engine.cancel-timers': `UPDATE workflow_timers SET status = 'cancelled', settled_at = now()
      WHERE instance_id = $1::text AND send_id = ANY($2::text[]) AND status = 'pending'`,
  'engine.insert-timers': `INSERT INTO workflow_timers (id, instance_id, send_id, deadline_id, kind, event, due_at)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[])`,
  'engine.insert-outbox': `INSERT INTO outbox (id, instance_id, seq, queue, job, payload)
      SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::jsonb[])`,
};

function columns(rows: unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, i) => rows.map((r) => r[i]));
}

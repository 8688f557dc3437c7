import { Inject, Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import type pg from 'pg';
import { DB, kyselyOn, type Db, type RowOf, type Tables } from '../database/db.js';
import { PG_POOL } from '../database/pg-pool.js';
import type { PersistedSnapshot } from './definition.js';
import type { HistoryEntry, SubjectRef } from './engine.types.js';
import { canonicalJson, type ChainedFields } from './history-hash.js';
import { PreparedStatements, StatementBatch } from './statement-batch.js';

/**
 * The only code that queries the engine's tables (workflow_instances, workflow_events, workflow_timers, outbox):
 * the event's transaction, and what the relay, the reconciler, the deadline worker, the effect runner, the audit
 * and the notifications read and mark. Domain modules read the engine's state through `engine-sql.ts` fragments.
 *
 * The event's transaction is sent in two round trips: BEGIN with the locking read, then every write (snapshot and
 * history, timers, outbox, the hooks' deferred statements), the caller's read-back and COMMIT. The hot statements
 * are PREPAREd once per connection and sent several to a round trip (`statement-batch.ts`); the README's
 * benchmark says what that buys.
 */

/** The instance row an event is applied to. */
export type InstanceRow = Pick<
  Selectable<Tables['workflow_instances']>,
  | 'id'
  | 'workflow_key'
  | 'workflow_version'
  | 'subject_type'
  | 'subject_id'
  | 'unit_id'
  | 'unit_path'
  | 'state'
  | 'version'
  | 'open'
  | 'last_seq'
  | 'last_hash'
> & { snapshot: PersistedSnapshot };

/** A history row as written: the fields its hash covers, the hash and how it was made. */
export type EventRow = ChainedFields & RowOf<'workflow_events', 'hash_scheme' | 'hash' | 'idempotency_key'>;

/** A timer row as written. */
export type TimerRow = RowOf<'workflow_timers', 'id' | 'send_id' | 'deadline_id' | 'kind' | 'event' | 'due_at'>;

/** An effect (outbox row) as written and as the relay reads it; its payload is always an object. */
export type OutboxRow = RowOf<'outbox', 'id' | 'queue' | 'job'> & { payload: Record<string, unknown> };

/** A transaction the engine holds: its connection, the writes queued for its commit, and Kysely on it. */
export class EngineTransaction {
  readonly batch: StatementBatch;
  /** Set once COMMIT went out with the last batch (`commitWith`). */
  committed = false;
  private kysely?: Db;

  constructor(
    readonly client: pg.PoolClient,
    statements: PreparedStatements,
    private readonly registry: WeakMap<Db, EngineTransaction>,
  ) {
    this.batch = new StatementBatch(client, statements, ['BEGIN']);
  }

  /** Kysely on this transaction, in order with what is queued. */
  get db(): Db {
    if (!this.kysely) {
      this.kysely = kyselyOn(this.batch.tx);
      this.registry.set(this.kysely, this);
    }
    return this.kysely;
  }
}

const INSTANCE_COLUMNS =
  'id, workflow_key, workflow_version, subject_type, subject_id, unit_id, unit_path, state, snapshot, version, open, last_seq, last_hash';

/** The engine's hot-path statements (see PreparedStatements). */
const STATEMENTS: Record<string, string> = {
  'engine.lock-instance': `SELECT ${INSTANCE_COLUMNS} FROM workflow_instances WHERE subject_type = $1::text AND subject_id = $2::text FOR UPDATE`,
  'engine.seen-key': `SELECT 1 FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id
      WHERE i.subject_type = $1::text AND i.subject_id = $2::text AND e.idempotency_key = $3::text`,
  'engine.apply-event': `WITH updated AS (
         UPDATE workflow_instances SET state = $2, snapshot = $3, version = version + 1, open = $4, last_seq = $5, last_hash = $6,
                workflow_version = $7, updated_at = $8 WHERE id = $1 RETURNING id)
       INSERT INTO workflow_events (instance_id, seq, type, actor_id, actor_role, actor_unit_id, payload, from_state, to_state, at, idempotency_key, prev_hash, hash,
                                    hash_scheme, workflow_version, snapshot_digest)
       SELECT id, $5, $9, $10, $11, $12, $13, $14, $2, $8, $15, $16, $6, $17, $7, $18 FROM updated`,
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

@Injectable()
export class EngineRepository {
  private readonly statements = new PreparedStatements();
  private readonly held = new WeakMap<Db, EngineTransaction>();

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(DB) private readonly db: Db,
  ) {
    for (const [name, text] of Object.entries(STATEMENTS)) this.statements.define(name, text);
  }

  /** Defines a statement ($1, $2...) that hooks may defer and read-backs may name, prepared on each connection once. */
  define(name: string, text: string): void {
    this.statements.define(name, text);
  }

  // ---- transactions --------------------------------------------------------------------------------------

  /**
   * Runs `work` in a transaction on a connection of the pool: BEGIN goes with the first statement, `finish` is
   * sent with COMMIT (the queued writes first), and its results come back.
   */
  async transaction<T>(work: (t: EngineTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await this.statements.prepare(client);
    } catch (err) {
      client.release(err as Error); // its prepared statements are unknown now: the pool discards it
      throw err;
    }
    const t = new EngineTransaction(client, this.statements, this.held);
    try {
      const result = await work(t);
      if (!t.committed) await t.batch.flush('COMMIT');
      return result;
    } catch (err) {
      if (t.batch.sent) await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(this.statements.isBroken(client) || undefined);
    }
  }

  /** The engine transaction behind a Kysely handle `transaction()` gave out, if it is one. */
  heldBy(db: Db): EngineTransaction | undefined {
    return this.held.get(db);
  }

  /** Sends what is queued, then `readBack` and COMMIT, in one round trip; the read-back's rows. */
  async commitWith(t: EngineTransaction, readBack: { statement: string; values: readonly unknown[] }): Promise<unknown[]> {
    const [back] = await t.batch.flush(this.statements.execute(readBack.statement, readBack.values), 'COMMIT');
    t.committed = true;
    return back.rows;
  }

  // ---- the event's transaction ---------------------------------------------------------------------------

  /** Locks the subject's instance (first round trip, with BEGIN) and tells whether the idempotency key was seen. */
  async lock(t: EngineTransaction, subject: SubjectRef, idempotencyKey: string | null): Promise<{ instance?: InstanceRow; seen: boolean }> {
    const statements = [this.statements.execute('engine.lock-instance', [subject.type, subject.id])];
    if (idempotencyKey) statements.push(this.statements.execute('engine.seen-key', [subject.type, subject.id, idempotencyKey]));
    const [found, seen] = await t.batch.flush(...statements);
    return { instance: found.rows[0] as InstanceRow | undefined, seen: Boolean(seen?.rowCount) };
  }

  /** Marks a pending timer fired; false when it is no longer pending (cancelled or fired before). */
  async fireTimer(t: EngineTransaction, timerId: string, instanceId: string): Promise<boolean> {
    const { rows } = await t.batch.tx.query(
      `UPDATE workflow_timers SET status = 'fired', settled_at = now() WHERE id = $1 AND instance_id = $2 AND status = 'pending' RETURNING id`,
      [timerId, instanceId],
    );
    return rows.length > 0;
  }

  /** Queues an accepted event's writes for the commit: the instance's new state and the history row in one statement. */
  queueEvent(
    t: EngineTransaction,
    instance: InstanceRow,
    next: { state: string; snapshotJson: string; open: boolean; workflowVersion: number },
    event: EventRow,
  ): void {
    t.batch.defer('engine.apply-event', [
      instance.id,
      next.state,
      next.snapshotJson,
      next.open,
      event.seq,
      event.hash,
      next.workflowVersion,
      event.at,
      event.type,
      event.actorId,
      event.actorRole,
      event.actorUnitId,
      canonicalJson(event.payload),
      event.fromState,
      event.idempotencyKey,
      event.prevHash,
      event.hashScheme,
      event.snapshotDigest,
    ]);
  }

  /** Queues a step's cancelled timers, new timers and effects. */
  queueWork(
    t: EngineTransaction,
    instanceId: string,
    seq: number,
    work: { cancels: string[]; timers: TimerRow[]; effects: OutboxRow[] },
  ): void {
    if (work.cancels.length) t.batch.defer('engine.cancel-timers', [instanceId, work.cancels]);
    if (work.timers.length) {
      t.batch.defer(
        'engine.insert-timers',
        columns(
          work.timers.map((x) => [x.id, instanceId, x.sendId, x.deadlineId, x.kind, x.event, x.dueAt]),
          7,
        ),
      );
    }
    if (work.effects.length) {
      t.batch.defer(
        'engine.insert-outbox',
        columns(
          work.effects.map((x) => [x.id, instanceId, seq, x.queue, x.job, x.payload]),
          6,
        ),
      );
    }
  }

  /** Queues a statement defined with `define()`. */
  defer(t: EngineTransaction, statement: string, values: readonly unknown[]): void {
    t.batch.defer(statement, values);
  }

  /** A new instance and its first history row; false when the subject already has one. */
  async insertInstance(
    t: EngineTransaction,
    row: {
      id: string;
      workflowKey: string;
      workflowVersion: number;
      subject: SubjectRef & { unitId: string; unitPath: string };
      state: string;
      snapshot: PersistedSnapshot;
      open: boolean;
      at: Date;
    },
    event: EventRow,
  ): Promise<boolean> {
    const inserted = await t.batch.tx.query(
      `INSERT INTO workflow_instances (id, workflow_key, workflow_version, subject_type, subject_id, unit_id, unit_path, state, snapshot, version, open, last_seq, last_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, 1, $11, $12, $12)
       ON CONFLICT (subject_type, subject_id) DO NOTHING`,
      [
        row.id,
        row.workflowKey,
        row.workflowVersion,
        row.subject.type,
        row.subject.id,
        row.subject.unitId,
        row.subject.unitPath,
        row.state,
        row.snapshot,
        row.open,
        event.hash,
        row.at,
      ],
    );
    if (!inserted.rowCount) return false;
    await t.batch.tx.query(
      `INSERT INTO workflow_events (instance_id, seq, type, actor_id, actor_role, actor_unit_id, payload, from_state, to_state, at, idempotency_key, prev_hash, hash,
                                    hash_scheme, workflow_version, snapshot_digest)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        event.instanceId,
        event.seq,
        event.type,
        event.actorId,
        event.actorRole,
        event.actorUnitId,
        canonicalJson(event.payload),
        event.fromState,
        event.toState,
        event.at,
        event.idempotencyKey,
        event.prevHash,
        event.hash,
        event.hashScheme,
        event.workflowVersion,
        event.snapshotDigest,
      ],
    );
    return true;
  }

  // ---- reads ---------------------------------------------------------------------------------------------

  /** A subject's instance with its pending timers (no lock). */
  async instanceOf(subject: SubjectRef) {
    const row = await this.db
      .selectFrom('workflow_instances as i')
      .select(['i.id', 'i.workflow_key', 'i.workflow_version', 'i.unit_path', 'i.state', 'i.snapshot', 'i.version', 'i.open'])
      .select((eb) =>
        eb
          .selectFrom('workflow_timers as t')
          .select(
            sql<
              { id: string; deadline: string; kind: string; dueAt: string }[] | null
            >`json_agg(json_build_object('id', t.id, 'deadline', t.deadline_id, 'kind', t.kind, 'dueAt', t.due_at) ORDER BY t.due_at)`.as(
              'timers',
            ),
          )
          .whereRef('t.instance_id', '=', 'i.id')
          .where('t.status', '=', 'pending')
          .as('timers'),
      )
      .where('i.subject_type', '=', subject.type)
      .where('i.subject_id', '=', subject.id)
      .executeTakeFirst();
    return row ? { ...row, snapshot: row.snapshot as PersistedSnapshot } : undefined;
  }

  /** The subject whose START row carries this (actor-scoped) idempotency key (index workflow_events_start_key_idx). */
  async startedWith(subjectType: string, idempotencyKey: string, db: Db): Promise<string | undefined> {
    const row = await db
      .selectFrom('workflow_events as e')
      .innerJoin('workflow_instances as i', 'i.id', 'e.instance_id')
      .select('i.subject_id')
      .where('e.seq', '=', 1)
      .where('e.idempotency_key', '=', idempotencyKey)
      .where('i.subject_type', '=', subjectType)
      .executeTakeFirst();
    return row?.subject_id;
  }

  /**
   * Holds a START's idempotency key for the rest of `t`'s transaction (a transaction-scoped advisory lock on its
   * hash), so that two requests starting with one key run one after the other: the second then sees the first's
   * committed START row. A hash collision with another key only makes two starts wait for each other.
   */
  async holdStartKey(t: EngineTransaction, idempotencyKey: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`start:${idempotencyKey}`}, 0))`.execute(t.db);
  }

  /** Locks a subject's instance for the rest of `db`'s transaction, shared (events wait), and returns it. */
  async lockShared(db: Db, subject: SubjectRef) {
    const row = await db
      .selectFrom('workflow_instances')
      .select(['workflow_key', 'workflow_version', 'unit_path', 'state', 'snapshot'])
      .where('subject_type', '=', subject.type)
      .where('subject_id', '=', subject.id)
      .forShare()
      .executeTakeFirst();
    return row ? { ...row, snapshot: row.snapshot as PersistedSnapshot } : undefined;
  }

  /** A subject's history, oldest first. */
  /** A subject's history in seq order: all of it, or `limit` events after seq `afterSeq`. */
  async history(subject: SubjectRef, page: { afterSeq?: number; limit?: number } = {}): Promise<HistoryEntry[]> {
    let query = this.db
      .selectFrom('workflow_events as e')
      .innerJoin('workflow_instances as i', 'i.id', 'e.instance_id')
      .select([
        'e.seq',
        'e.type',
        'e.actor_id',
        'e.actor_role',
        'e.actor_unit_id',
        'e.from_state',
        'e.to_state',
        'e.payload',
        'e.at',
        'e.hash',
        'e.prev_hash',
      ])
      .where('i.subject_type', '=', subject.type)
      .where('i.subject_id', '=', subject.id)
      .where('e.seq', '>', page.afterSeq ?? 0)
      .orderBy('e.seq');
    if (page.limit !== undefined) query = query.limit(page.limit);
    const rows = await query.execute();
    return rows.map((r) => ({
      seq: r.seq,
      type: r.type,
      actor: { id: r.actor_id, role: r.actor_role, unitId: r.actor_unit_id },
      fromState: r.from_state,
      toState: r.to_state,
      payload: r.payload as Record<string, unknown>,
      at: new Date(r.at).toISOString(),
      hash: r.hash,
      prevHash: r.prev_hash,
    }));
  }

  /** The (workflow, version) pairs of open instances (the worker's start-up check). */
  async openVersions(): Promise<{ key: string; version: number }[]> {
    return this.db
      .selectFrom('workflow_instances')
      .select(['workflow_key as key', 'workflow_version as version'])
      .distinct()
      .where('open', '=', true)
      .execute();
  }

  // ---- timers (the relay, the reconciler, the deadline worker) ------------------------------------------

  /** A pending timer with its instance's subject; undefined once it is no longer pending. */
  async pendingTimer(timerId: string) {
    return this.db
      .selectFrom('workflow_timers as t')
      .innerJoin('workflow_instances as i', 'i.id', 't.instance_id')
      .select(['t.event', 't.deadline_id', 't.kind', 'i.subject_type', 'i.subject_id'])
      .where('t.id', '=', timerId)
      .where('t.status', '=', 'pending')
      .executeTakeFirst();
  }

  /** Pending timers not yet handed to the queue, soonest first. */
  undispatchedTimers(limit: number): Promise<Pick<Selectable<Tables['workflow_timers']>, 'id' | 'due_at'>[]> {
    return this.db
      .selectFrom('workflow_timers')
      .select(['id', 'due_at'])
      .where('status', '=', 'pending')
      .where('dispatched_at', 'is', null)
      .orderBy('due_at')
      .limit(limit)
      .execute();
  }

  async markTimersDispatched(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.db
      .updateTable('workflow_timers')
      .set({ dispatched_at: sql`now()` })
      .where('id', 'in', ids)
      .where('dispatched_at', 'is', null)
      .execute();
  }

  /** Pending timers the queue was given, by id after `after`: the reconciler checks Redis still has their jobs. */
  dispatchedTimers(after: string, limit: number): Promise<{ id: string }[]> {
    return this.db
      .selectFrom('workflow_timers')
      .select('id')
      .where('status', '=', 'pending')
      .where('dispatched_at', 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Hands timers whose jobs Redis lost back to the relay. */
  async redispatchTimers(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.db
      .updateTable('workflow_timers')
      .set({ dispatched_at: null })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
  }

  // ---- effects (the relay, the reconciler, the effect runner) --------------------------------------------

  /** Effects not yet handed to their queues, oldest first. */
  async pendingEffects(queues: string[], limit: number): Promise<OutboxRow[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['id', 'queue', 'job', 'payload'])
      .where('status', '=', 'pending')
      .where('queue', 'in', queues)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, payload: r.payload as Record<string, unknown> }));
  }

  async markEffectsDispatched(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.db
      .updateTable('outbox')
      .set({ status: 'dispatched', dispatched_at: sql`now()` })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Effects handed to their queues and not done, by id after `after`. */
  dispatchedEffects(after: string, limit: number): Promise<{ id: string; queue: string }[]> {
    return this.db
      .selectFrom('outbox')
      .select(['id', 'queue'])
      .where('status', '=', 'dispatched')
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async redispatchEffects(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.db.updateTable('outbox').set({ status: 'pending' }).where('id', 'in', ids).where('status', '=', 'dispatched').execute();
  }

  async effectStatus(id: string): Promise<string | undefined> {
    return (await this.db.selectFrom('outbox').select('status').where('id', '=', id).executeTakeFirst())?.status;
  }

  async effectDone(id: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ status: 'done', done_at: sql`now()`, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  /** Records a failed attempt; `final` marks the effect failed for good. */
  async effectFailed(id: string, error: string, final: boolean): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error, ...(final ? { status: 'failed' } : {}) }))
      .where('id', '=', id)
      .execute();
  }

  /**
   * What a notification about an effect shows: the emitting event's payload (its comment, reason, decision)
   * and the instance's next pending due time and the last one that passed.
   */
  async effectContext(outboxId: string): Promise<{ payload: Record<string, unknown>; nextDue: Date | null; passedDue: Date | null }> {
    const row = await this.db
      .selectFrom('outbox as o')
      .leftJoin('workflow_events as e', (join) => join.onRef('e.instance_id', '=', 'o.instance_id').onRef('e.seq', '=', 'o.seq'))
      .select('e.payload')
      .select((eb) => [
        eb
          .selectFrom('workflow_timers as t')
          .select('t.due_at')
          .whereRef('t.instance_id', '=', 'o.instance_id')
          .where('t.kind', '=', 'due')
          .where('t.status', '=', 'pending')
          .orderBy('t.due_at')
          .limit(1)
          .as('next_due'),
        eb
          .selectFrom('workflow_timers as t')
          .select('t.due_at')
          .whereRef('t.instance_id', '=', 'o.instance_id')
          .where('t.kind', '=', 'due')
          .where('t.status', '=', 'fired')
          .orderBy('t.due_at', 'desc')
          .limit(1)
          .as('passed_due'),
      ])
      .where('o.id', '=', outboxId)
      .executeTakeFirst();
    return { payload: (row?.payload ?? {}) as Record<string, unknown>, nextDue: row?.next_due ?? null, passedDue: row?.passed_due ?? null };
  }

  // ---- the audit -----------------------------------------------------------------------------------------

  /** Up to `limit` history rows of instances in `scope`, in chain order after `after`, with their instance as it is now. */
  historyAfter(db: Db, scope: string, after: { instanceId: string; seq: number }, limit: number, subject?: SubjectRef) {
    let query = db
      .selectFrom('workflow_events as e')
      .innerJoin('workflow_instances as i', 'i.id', 'e.instance_id')
      .select([
        'e.instance_id',
        'e.seq',
        'e.type',
        'e.actor_id',
        'e.actor_role',
        'e.actor_unit_id',
        'e.payload',
        'e.from_state',
        'e.to_state',
        'e.at',
        'e.prev_hash',
        'e.hash',
        'e.hash_scheme',
        'e.workflow_version',
        'e.snapshot_digest',
        'i.last_seq',
        'i.last_hash',
        'i.subject_type',
        'i.subject_id',
        'i.unit_id',
        'i.unit_path',
        'i.workflow_key',
        sql<number>`i.workflow_version`.as('instance_workflow_version'),
        'i.state',
        // The snapshot only with the chain's last row, where it is compared.
        sql<unknown>`CASE WHEN e.seq = i.last_seq THEN i.snapshot END`.as('snapshot'),
      ])
      .where('i.unit_path', 'like', sql<string>`${scope} || '%'`)
      .where(sql<boolean>`(e.instance_id, e.seq) > (${after.instanceId}, ${after.seq})`);
    if (subject) query = query.where('i.subject_type', '=', subject.type).where('i.subject_id', '=', subject.id);
    return query.orderBy('e.instance_id').orderBy('e.seq').limit(limit).execute();
  }

  /** How many history rows the instances in `scope` have (a verification's total). */
  async historyCount(db: Db, scope: string, subject?: SubjectRef): Promise<number> {
    let query = db
      .selectFrom('workflow_events as e')
      .innerJoin('workflow_instances as i', 'i.id', 'e.instance_id')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('i.unit_path', 'like', sql<string>`${scope} || '%'`);
    if (subject) query = query.where('i.subject_type', '=', subject.type).where('i.subject_id', '=', subject.id);
    return (await query.executeTakeFirstOrThrow()).n;
  }

  /** The instances in `scope` without any history row, by id. */
  async instancesWithoutHistory(db: Db, scope: string, subject?: SubjectRef) {
    let query = db
      .selectFrom('workflow_instances as i')
      .select(['i.id', 'i.subject_type', 'i.subject_id'])
      .where('i.unit_path', 'like', sql<string>`${scope} || '%'`)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('workflow_events as e')
              .select(sql`1`.as('one'))
              .whereRef('e.instance_id', '=', 'i.id'),
          ),
        ),
      );
    if (subject) query = query.where('i.subject_type', '=', subject.type).where('i.subject_id', '=', subject.id);
    return query.orderBy('i.id').execute();
  }

  /** Every chain's head as the history holds it: its row count, last hash and old-scheme rows (a checkpoint's entries). */
  chainHeads(db: Db) {
    return db
      .selectFrom('workflow_events as e')
      .innerJoin('workflow_instances as i', 'i.id', 'e.instance_id')
      .select([
        'i.id as instanceId',
        'i.subject_type as subjectType',
        'i.subject_id as subjectId',
        'i.unit_path as unitPath',
        sql<number>`count(*)::int`.as('events'),
        sql<string>`(array_agg(e.hash ORDER BY e.seq DESC))[1]`.as('head'),
        sql<number>`(count(*) FILTER (WHERE e.hash_scheme = 1))::int`.as('legacy'),
      ])
      .groupBy('i.id')
      .orderBy('i.id')
      .execute();
  }

  /** Runs `work` in a read-only snapshot of the database (the audit reads many pages as of one moment). */
  snapshot<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(work);
  }
}

import type { Db } from '../database/db.js';
import type { ActorRole } from './definition.js';

/** Who sends an event: a user (id, role, unit and its tree path) or the system. */
export interface EngineActor {
  id: string | null;
  role: ActorRole;
  unitId: string | null;
  unitPath: string;
}

export const SYSTEM_ACTOR: EngineActor = { id: null, role: 'SYSTEM', unitId: null, unitPath: '' };

export interface SubjectRef {
  type: string;
  id: string;
}

export interface EngineEvent {
  type: string;
  [key: string]: unknown;
}

export interface InstanceState {
  instanceId: string;
  workflow: string;
  workflowVersion: number;
  state: string;
  version: number;
  open: boolean;
  context: Record<string, unknown>;
}

export interface SendOptions {
  /** The caller's key: an event sent again with it is not applied again (`reason: 'duplicate'`). */
  idempotencyKey?: string;
  /**
   * A transaction from `EngineService.transaction()`: the event joins it and commits or rolls back with it (so
   * several events, on several subjects, are all or nothing). Never retried here: the caller's work is the unit.
   */
  tx?: Db;
  /** A check on the locked instance before the transition (HTTP If-Match); a domain error refuses the event. */
  precondition?: (tx: Db) => Promise<void>;
  /**
   * A statement defined with `EngineService.statement()`, run last in the event's transaction after every write,
   * when the event was applied: its rows come back as `SendResult.readBack`, without a round trip of their own.
   */
  readBack?: { statement: string; values: readonly unknown[] };
}

export interface SendResult extends InstanceState {
  /** false when the event changed nothing: a repeated idempotency key, or a timer cancelled or stale. */
  applied: boolean;
  reason?: 'duplicate' | 'timer_not_pending' | 'timer_stale';
  fromState?: string;
  seq?: number;
  /** The rows of `SendOptions.readBack`, read in the event's transaction after its writes (applied events only). */
  readBack?: unknown[];
  /**
   * The events `actor` may send in the new state, as `allowedEventsFor` gives them, from the snapshot the
   * event produced (applied events only): a read model answering the event need not resolve it again.
   */
  allowedEvents?: (actor: EngineActor) => string[];
}

/** One history row as the API shows it. */
export interface HistoryEntry {
  seq: number;
  type: string;
  actor: { id: string | null; role: string; unitId: string | null };
  fromState: string;
  toState: string;
  payload: Record<string, unknown>;
  at: string;
  hash: string;
  prevHash: string;
}

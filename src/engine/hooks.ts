import type { Db } from '../database/db.js';
import type { EngineActor, EngineEvent, SubjectRef } from './engine.types.js';

/** An applied event as a domain module's hook sees it, inside the event's transaction. */
export interface TransitionChange {
  subject: SubjectRef;
  event: EngineEvent;
  actor: EngineActor;
  fromState: string;
  toState: string;
  open: boolean;
  seq: number;
  context: Record<string, unknown>;
  /** Queues a statement defined with `EngineService.statement()` for the commit's round trip (same transaction, same order). */
  defer(statement: string, values: readonly unknown[]): void;
}

/** Facts about the subject that the machine's guards read, stated by the domain module, never by the client. */
export type FactsReader = (tx: Db, subject: SubjectRef) => Promise<object>;

/**
 * A domain module's part in every applied event of one workflow, the system's included: the facts its guards
 * need, read under the instance's lock, and its own writes (a read model, money), made in the event's
 * transaction after the transition. A domain error thrown here refuses the event and nothing is written.
 */
export interface WorkflowHook {
  /**
   * Whether the engine may run the hook again for the same event. True when everything it does goes through
   * `tx`, so that a failed attempt leaves no trace: the engine then retries an event whose transaction
   * PostgreSQL aborted (a deadlock, a serialization failure). False for a hook with an effect outside the
   * database; such an event is never retried by the engine.
   */
  repeatable: boolean;
  /** Per event type: the facts merged into the event (as `facts`) before the machine decides. */
  facts?: Partial<Record<string, FactsReader>>;
  afterTransition?(tx: Db, change: TransitionChange): Promise<void>;
}

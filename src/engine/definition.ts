import type { AnyStateMachine } from 'xstate';

/** The roles the engine authorises, plus the system actor that fires deadlines. */
export type ActorRole = 'COMMUNE_STAFF' | 'REVIEWER' | 'PROVINCE_OFFICER' | 'ADMIN' | 'SYSTEM';

/**
 * Whose unit, relative to the subject's unit, may send an event. The engine knows only the tree:
 * `ancestor:1` is the parent of the subject's unit (a village's commune), `ancestor:2` the grandparent
 * (the commune's district, or the province in a two-tier tree), `root` the top of the tree (the province),
 * `within` any unit containing the subject.
 */
export type UnitRelation = 'within' | 'root' | `ancestor:${number}`;

export interface EventPermission {
  roles: readonly ActorRole[];
  unit: UnitRelation;
}

/** A deadline's default length; `DEADLINE_OVERRIDES` may replace it with an ISO 8601 duration. */
export interface DeadlineSpec {
  days: number;
  calendar: 'working' | 'calendar';
  /** How many days (of the same calendar) before the due time the reminder fires, if there is one. */
  reminderBefore?: number;
}

/** What a named `after` delay of the machine means: the due time of a deadline, or its reminder. */
export interface DelaySpec {
  deadline: string;
  kind: 'due' | 'reminder';
}

/** A named machine action turned into a job: an outbox row, relayed to `queue` as job `job`. */
export interface EffectSpec {
  queue: string;
  job: string;
}

export interface RuleSpec {
  rule: string;
  message: string;
}

/** Maps a persisted snapshot of an older version onto this version's machine. */
export interface SnapshotMigration {
  from: number;
  up(snapshot: PersistedSnapshot): PersistedSnapshot;
}

export interface PersistedSnapshot {
  value: unknown;
  context: Record<string, unknown>;
  status: string;
}

/** One version of one workflow, as a folder under workflows/ exports it. */
export interface WorkflowDefinition {
  key: string;
  version: number;
  machine: AnyStateMachine;
  /** Deadline id (e.g. `certification.review`) to its default length. */
  deadlines: Record<string, DeadlineSpec>;
  /** Named delays of the machine's `after` blocks to the deadline they stand for. */
  delays: Record<string, DelaySpec>;
  /** Named actions that are effects; every other named action is refused at registration. */
  effects: Record<string, EffectSpec>;
  /** Who may send each event type. Events not listed here may be sent by no one but the system. */
  permissions: Record<string, EventPermission>;
  /** Guard names to the rule a refusal reports (default: the guard's name). */
  rules?: Record<string, RuleSpec>;
  migrations?: SnapshotMigration[];
}

export function defineWorkflow(definition: WorkflowDefinition): WorkflowDefinition {
  return definition;
}

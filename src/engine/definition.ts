import type { AnyStateMachine } from 'xstate';
import type { Words } from '../common/messages.js';

/** The roles the engine authorises, plus the system actor that fires deadlines. */
export type ActorRole = 'COMMUNE_STAFF' | 'REVIEWER' | 'PROVINCE_OFFICER' | 'ADMIN' | 'SYSTEM';

/**
 * Whose unit, relative to the subject's unit, may send an event. The engine knows only the tree:
 * `ancestor:1` is the parent of the subject's unit (a village's commune), `ancestor:2` the grandparent
 * (the commune's district, or the province in a two-tier tree), `root` the top of the tree (the province),
 * `within` any unit containing the subject.
 */
export type UnitRelation = 'within' | 'root' | `ancestor:${number}`;

/** Who, relative to a subject: users of these roles in the unit that stands in `unit` to the subject's. */
export interface Party {
  roles: readonly ActorRole[];
  unit: UnitRelation;
}

/** Who may send an event. */
export type EventPermission = Party;

/**
 * One deadline of a workflow, declared once: its id (what `DEADLINE_OVERRIDES` names), its default length,
 * and the names of the machine's `after` delays that stand for its due time and its reminder.
 */
export interface Deadline {
  id: string;
  days: number;
  calendar: 'working' | 'calendar';
  /** How many days (of the same calendar) before the due time the reminder fires, if there is one. */
  reminderBefore?: number;
  delays: { due: string; reminder?: string };
}

/** What a delay of the machine stands for: a deadline's due time or its reminder. */
export interface DelayMeaning {
  deadline: Deadline;
  kind: 'due' | 'reminder';
}

/** Declares a deadline and its delays (see `Deadline`). */
export function deadline(
  id: string,
  length: { days: number; calendar: 'working' | 'calendar'; reminderBefore?: number },
  delays: { due: string; reminder?: string },
): Deadline {
  if ((length.reminderBefore === undefined) !== (delays.reminder === undefined)) {
    throw new Error(`deadline ${id}: a reminder needs both reminderBefore and a reminder delay`);
  }
  return { id, ...length, delays };
}

const DAY_MS = 86_400_000;

/**
 * The machine's named delays, for `setup({ delays })`, from the deadlines that declare them. XState needs each
 * named delay implemented (an unimplemented one would raise its event at once). The numbers are the nominal
 * lengths in days of 24 hours, which a pure simulation of the machine shows; the engine never uses them: it
 * computes each due time from the deadline, its overrides and the working-day calendar.
 */
export function delaysOf(deadlines: readonly Deadline[]): Record<string, number> {
  const delays: Record<string, number> = {};
  for (const d of deadlines) {
    delays[d.delays.due] = d.days * DAY_MS;
    if (d.delays.reminder) delays[d.delays.reminder] = Math.max(1, (d.days - (d.reminderBefore ?? 0)) * DAY_MS);
  }
  return delays;
}

/** A named machine action turned into a job: an outbox row, relayed to `queue` as job `job`. */
export interface EffectSpec {
  queue: string;
  job: string;
}

/** The rule a refusing guard reports: a stable code and its words. */
export interface RuleSpec {
  rule: string;
  message: Words;
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

/** The words people see for a workflow's states and events. */
export interface WorkflowLabels {
  states: Record<string, Words>;
  events: Record<string, Words>;
}

/** One version of one workflow, as a folder under workflows/ exports it. */
export interface WorkflowDefinition {
  key: string;
  version: number;
  machine: AnyStateMachine;
  /** Every deadline of the machine, with the delays that stand for it. */
  deadlines: readonly Deadline[];
  /** Named actions that are effects; every other named action is refused at registration. */
  effects: Record<string, EffectSpec>;
  /** Who may send each event type. Events not listed here may be sent by no one but the system. */
  permissions: Record<string, EventPermission>;
  /** Guard names to the rule a refusal reports (default: the guard's name). */
  rules?: Record<string, RuleSpec>;
  labels?: WorkflowLabels;
  migrations?: SnapshotMigration[];
}

export function defineWorkflow(definition: WorkflowDefinition): WorkflowDefinition {
  return definition;
}

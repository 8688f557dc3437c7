import { NotPermitted } from '../common/errors.js';
import type { Words } from '../common/messages.js';
import type { Party, UnitRelation, WorkflowDefinition } from './definition.js';
import type { EngineActor } from './engine.types.js';

/**
 * The unit tree's relations, in one place: what an actor may see (its unit and everything under it; an ADMIN
 * sees all), who may send an event (a role in the unit that stands in a relation to the subject's unit), and
 * which unit a party of a subject is (whom a notification goes to). A unit path lists the ids from the root
 * down, each followed by '/': '/P/D/C/V/' or, without districts, '/P/C/V/'.
 */

/** Whether a subject at `unitPath` lies inside the actor's jurisdiction. */
export function inJurisdiction(actor: EngineActor, unitPath: string): boolean {
  return unitPath.startsWith(actor.role === 'ADMIN' ? '' : actor.unitPath);
}

/** The id of the unit standing in `relation` to the unit at `unitPath`; null for `within` (any of them) or past the root. */
export function unitAt(relation: UnitRelation, unitPath: string): string | null {
  const ids = unitPath.split('/').filter(Boolean);
  if (relation === 'root') return ids[0] ?? null;
  const m = /^ancestor:(\d+)$/.exec(relation);
  if (m) return ids[ids.length - 1 - Number(m[1])] ?? null;
  return null;
}

/** Whether the actor's unit stands in `relation` to the subject's unit. */
export function relationHolds(relation: UnitRelation, actor: EngineActor, unitPath: string): boolean {
  if (relation === 'within') return unitPath.startsWith(actor.unitPath);
  const unit = unitAt(relation, unitPath);
  return unit !== null && actor.unitId === unit;
}

/** Whether the actor belongs to the party of a subject at `unitPath`. */
export function isParty(party: Party, actor: EngineActor, unitPath: string): boolean {
  return party.roles.includes(actor.role) && relationHolds(party.unit, actor, unitPath);
}

/** How an event is named in messages: its label, or its type. */
function eventWords(def: WorkflowDefinition, type: string): Words {
  return { vi: def.labels?.events[type]?.vi ?? type, en: type };
}

/** Refuses (NotPermitted) an event the actor's role or unit may not send; the system may send any. */
export function authorise(def: WorkflowDefinition, eventType: string, actor: EngineActor, unitPath: string): void {
  if (actor.role === 'SYSTEM') return;
  const permission = def.permissions[eventType];
  if (!permission || !permission.roles.includes(actor.role)) {
    throw new NotPermitted('role_may_not_send', { role: actor.role, event: eventWords(def, eventType) });
  }
  if (!relationHolds(permission.unit, actor, unitPath)) {
    throw new NotPermitted('other_units_event', { event: eventWords(def, eventType), role: actor.role });
  }
}

/** Of `events`, those the actor may send to a subject at `unitPath`. */
export function permittedEvents(def: WorkflowDefinition, events: string[], actor: EngineActor, unitPath: string): string[] {
  return events.filter((e) => {
    const p = def.permissions[e];
    return p !== undefined && isParty(p, actor, unitPath);
  });
}

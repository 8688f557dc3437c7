import type { TablePrivilege } from '../database/service-grants.js';

/**
 * What the service's database role may do to the engine's tables, declared by the engine, which alone names them:
 * the history is append-only (its trigger refuses changes too); instances, timers and effects change state (UPDATE
 * also covers `SELECT ... FOR UPDATE`, which the event's lock needs). `src/database/service-grants.ts` composes it.
 */
export const ENGINE_GRANTS: Readonly<Record<string, readonly TablePrivilege[]>> = {
  workflow_events: ['SELECT', 'INSERT'],
  workflow_instances: ['SELECT', 'INSERT', 'UPDATE'],
  workflow_timers: ['SELECT', 'INSERT', 'UPDATE'],
  outbox: ['SELECT', 'INSERT', 'UPDATE'],
};

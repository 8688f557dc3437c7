/**
 * The engine's tables as domain read models may join them, written once, here: the instance of a subject and
 * its deadlines. Domain repositories read through these fragments (their queries stay one statement, planned
 * once) and never write the engine's tables; a change to those tables changes these and nothing else.
 */
import type { Selectable } from 'kysely';
import type { Tables } from '../database/db.js';

/** The columns a read model may take from `joinInstance`'s alias, typed from the schema. */
export type JoinedInstance = Pick<
  Selectable<Tables['workflow_instances']>,
  'state' | 'version' | 'workflow_key' | 'workflow_version' | 'snapshot'
>;
/** What `joinNextDue` gives: `<as>.due_at`. */
export type JoinedNextDue = { due_at: Selectable<Tables['workflow_timers']>['due_at'] | null };

const IDENT = /^[a-z_][a-z0-9_.]*$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`not an SQL identifier: ${name}`);
  return name;
}

export const engineSql = {
  /** `JOIN workflow_instances <alias>` on the instance of the `subjectType` subject whose id is `subjectId`. */
  joinInstance(alias: string, subjectType: string, subjectId: string): string {
    const i = ident(alias);
    return `JOIN workflow_instances ${i} ON ${i}.subject_type = '${ident(subjectType)}' AND ${i}.subject_id = ${ident(subjectId)}`;
  },

  /** The instance's pending deadlines, soonest first, as a JSON array of `{ id, dueAt, kind }` (NULL when none). */
  pendingDeadlines(alias: string): string {
    return `(SELECT json_agg(json_build_object('id', t.deadline_id, 'dueAt', t.due_at, 'kind', t.kind) ORDER BY t.due_at)
            FROM workflow_timers t WHERE t.instance_id = ${ident(alias)}.id AND t.status = 'pending')`;
  },

  /** `LEFT JOIN LATERAL` giving `<as>.due_at`: the instance's next pending `due` deadline (NULL when none). */
  joinNextDue(alias: string, as: string): string {
    return `LEFT JOIN LATERAL (SELECT min(due_at) AS due_at FROM workflow_timers t
                             WHERE t.instance_id = ${ident(alias)}.id AND t.status = 'pending' AND t.kind = 'due') ${ident(as)} ON true`;
  },
};

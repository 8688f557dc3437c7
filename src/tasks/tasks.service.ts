import { Inject, Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { DB, type Db, type Tables } from '../database/db.js';
import { engineSql, type JoinedInstance, type JoinedNextDue } from '../engine/engine-sql.js';
import { EngineService } from '../engine/engine.service.js';

type UnitName = Selectable<Tables['units']>['name'];
/** What the inbox reads of a subject: its columns, its instance's state, its next due time and the overdue flag. */
type Waiting = Pick<JoinedInstance, 'state'> & JoinedNextDue & { overdue: boolean | null };
type ProjectWaiting = Pick<Selectable<Tables['projects']>, 'id' | 'village_id' | 'title'> & Waiting & { village_name: UnitName };
/** An assessment waiting: its village and commune, and the day it assessed (dd/mm/yyyy). */
type AssessmentWaiting = Pick<Selectable<Tables['assessments']>, 'id' | 'village_id'> &
  Waiting & { village_name: UnitName; commune_name: UnitName; assessed_on: string };
type DossierWaiting = Pick<Selectable<Tables['dossiers']>, 'id' | 'village_id' | 'year'> &
  Waiting & { village_name: UnitName; commune_name: UnitName };

export interface Task {
  subjectType: 'dossier' | 'project' | 'assessment';
  subjectId: string;
  state: string;
  action: string;
  unitId: string;
  title: string;
  dueAt: string | null;
  overdue: boolean;
}

/**
 * The caller's inbox: open dossiers in the states that wait for its role, inside its unit, most urgent
 * first (due soonest; overdue ones first of all). A reviewer sees a dossier in review of a commune directly
 * under its unit when a pending criterion is assigned to it or to nobody, or when all are decided and it
 * waits for APPROVE or RETURN.
 */
@Injectable()
export class TasksService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly engine: EngineService,
  ) {}

  async inbox(actor: Actor): Promise<Task[]> {
    const [dossiers, projects, assessments] = await Promise.all([
      this.dossierTasks(actor),
      this.projectTasks(actor),
      this.assessmentTasks(actor),
    ]);
    const tasks = [...dossiers, ...projects, ...assessments];
    // Overdue first, then due soonest, undated last.
    return tasks.sort(
      (a, b) =>
        Number(b.overdue) - Number(a.overdue) ||
        (a.dueAt ?? '\uffff').localeCompare(b.dueAt ?? '\uffff') ||
        a.subjectId.localeCompare(b.subjectId),
    );
  }

  /** Open projects waiting for the caller's role inside its unit (a reviewer: communes directly under its unit). */
  private async projectTasks(actor: Actor): Promise<Task[]> {
    const actions = this.engine.tasks('funding', actor.role);
    if (Object.keys(actions).length === 0) return [];
    const { rows } = await sql<ProjectWaiting>`
      SELECT p.id, i.state, p.village_id, p.title, v.name AS village_name, t.due_at,
             (i.snapshot->'context'->>'overdue')::boolean AS overdue
        FROM projects p
        ${sql.raw(engineSql.joinInstance('i', 'project', 'p.id'))}
        JOIN units v ON v.id = p.village_id
        JOIN units c ON c.id = p.commune_id
        ${sql.raw(engineSql.joinNextDue('i', 't'))}
       WHERE i.workflow_key = 'funding' AND i.open AND i.state = ANY(${Object.keys(actions)}) AND i.subject_type = 'project'
         AND i.unit_path LIKE ${scopePath(actor)} || '%' AND (${actor.role === 'REVIEWER'}::boolean IS NOT TRUE OR c.parent_id = ${actor.unitId})
       ORDER BY t.due_at ASC NULLS LAST, p.id
       LIMIT 500`.execute(this.db);
    const now = Date.now();
    return rows.map((r) => ({
      subjectType: 'project' as const,
      subjectId: r.id,
      state: r.state,
      action: actions[r.state],
      unitId: r.village_id,
      title: `${r.title} (${r.village_name})`,
      ...timing(r, now),
    }));
  }

  /** Open criteria assessments waiting for the caller's role inside its unit (a reviewer: communes directly under its unit). */
  private async assessmentTasks(actor: Actor): Promise<Task[]> {
    const actions = this.engine.tasks('assessment', actor.role);
    if (Object.keys(actions).length === 0) return [];
    const { rows } = await sql<AssessmentWaiting>`
      SELECT a.id, i.state, a.village_id, v.name AS village_name, c.name AS commune_name,
             to_char(a.assessed_on, 'DD/MM/YYYY') AS assessed_on, t.due_at,
             (i.snapshot->'context'->>'overdue')::boolean AS overdue
        FROM assessments a
        ${sql.raw(engineSql.joinInstance('i', 'assessment', 'a.id'))}
        JOIN units v ON v.id = a.village_id
        JOIN units c ON c.id = a.commune_id
        ${sql.raw(engineSql.joinNextDue('i', 't'))}
       WHERE i.workflow_key = 'assessment' AND i.open AND i.state = ANY(${Object.keys(actions)}) AND i.subject_type = 'assessment'
         AND i.unit_path LIKE ${scopePath(actor)} || '%' AND (${actor.role === 'REVIEWER'}::boolean IS NOT TRUE OR c.parent_id = ${actor.unitId})
       ORDER BY t.due_at ASC NULLS LAST, a.id
       LIMIT 500`.execute(this.db);
    const now = Date.now();
    return rows.map((r) => ({
      subjectType: 'assessment' as const,
      subjectId: r.id,
      state: r.state,
      action: actions[r.state],
      unitId: r.village_id,
      title: `${r.village_name}, ${r.commune_name} (${r.assessed_on})`,
      ...timing(r, now),
    }));
  }

  private async dossierTasks(actor: Actor): Promise<Task[]> {
    const actions = this.engine.tasks('certification', actor.role);
    if (Object.keys(actions).length === 0) return [];
    const reviewerId = actor.role === 'REVIEWER' ? actor.id : null;
    // In the states where reviewers decide criteria one by one (review_criteria), the criteria say whose turn it is.
    const byCriterion = Object.keys(actions).filter((s) => actions[s] === 'review_criteria');
    const { rows } = await sql<DossierWaiting>`
      SELECT d.id, i.state, d.village_id, v.name AS village_name, c.name AS commune_name, d.year, t.due_at,
              (i.snapshot->'context'->>'overdue')::boolean AS overdue
        FROM dossiers d
        ${sql.raw(engineSql.joinInstance('i', 'dossier', 'd.id'))}
        JOIN units v ON v.id = d.village_id
        JOIN units c ON c.id = d.commune_id
        ${sql.raw(engineSql.joinNextDue('i', 't'))}
       WHERE i.workflow_key = 'certification' AND i.open AND i.state = ANY(${Object.keys(actions)}) AND i.subject_type = 'dossier'
         AND i.unit_path LIKE ${scopePath(actor)} || '%'
         -- A reviewer reviews the communes directly under its unit only (a province's reviewer in a three-tier
         -- tree may not decide a district's dossier), so only those are its tasks.
         AND (${reviewerId}::text IS NULL OR c.parent_id = ${actor.unitId})
         AND (${reviewerId}::text IS NULL OR i.state <> ALL(${byCriterion})
              OR EXISTS (SELECT 1 FROM dossier_criteria x WHERE x.dossier_id = d.id AND x.review_status = 'pending'
                           AND (x.assignee_id = ${reviewerId} OR x.assignee_id IS NULL))
              OR NOT EXISTS (SELECT 1 FROM dossier_criteria x WHERE x.dossier_id = d.id AND x.review_status = 'pending'))
       ORDER BY t.due_at ASC NULLS LAST, d.id
       LIMIT 500`.execute(this.db);
    const now = Date.now();
    return rows.map((r) => ({
      subjectType: 'dossier' as const,
      subjectId: r.id,
      state: r.state,
      action: actions[r.state],
      unitId: r.village_id,
      title: `${r.village_name}, ${r.commune_name} (${r.year})`,
      ...timing(r, now),
    }));
  }
}

/** A task's due time and whether it is late: the machine's overdue flag, or a due time already passed. */
function timing(r: Pick<Waiting, 'due_at' | 'overdue'>, now: number): { dueAt: string | null; overdue: boolean } {
  return {
    dueAt: r.due_at ? r.due_at.toISOString() : null,
    overdue: Boolean(r.overdue) || (r.due_at !== null && r.due_at.getTime() < now),
  };
}

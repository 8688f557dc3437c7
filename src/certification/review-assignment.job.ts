import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { z } from 'zod';
import { DB, type Db } from '../database/db.js';
import { defineJob, type JobHandler } from '../queues/job-definition.js';

const Payload = z.looseObject({ subject: z.object({ type: z.literal('dossier'), id: z.string() }) });
type Payload = z.infer<typeof Payload>;

/**
 * review-steps/assign-reviewers: on entering review, each pending, unassigned criterion goes to a REVIEWER
 * of the commune's parent unit who specialises in it (an empty speciality list covers all), the one with
 * the fewest open assignments first. A criterion nobody specialises in stays unassigned (every reviewer of
 * the unit sees it). Idempotent: only unassigned criteria are touched, under a row lock.
 */
@Injectable()
export class ReviewAssignmentJob implements JobHandler<Payload> {
  constructor(@Inject(DB) private readonly db: Db) {}

  async handle(payload: Payload): Promise<void> {
    await this.assign(payload.subject.id);
  }

  assign(dossierId: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const pending = await tx
        .selectFrom('dossier_criteria')
        .select('code')
        .where('dossier_id', '=', dossierId)
        .where('review_status', '=', 'pending')
        .where('assignee_id', 'is', null)
        .orderBy('code')
        .forUpdate()
        .execute();
      if (!pending.length) return 0;
      const reviewers = await tx
        .selectFrom('dossiers as d')
        .innerJoin('units as c', 'c.id', 'd.commune_id')
        .innerJoin('users as u', (j) => j.onRef('u.unit_id', '=', 'c.parent_id').on('u.role', '=', 'REVIEWER').on('u.active', '=', true))
        .select(['u.id', 'u.criteria'])
        .select((eb) =>
          eb
            .selectFrom('dossier_criteria as x')
            .select(sql<number>`count(*)::int`.as('n'))
            .whereRef('x.assignee_id', '=', 'u.id')
            .where('x.review_status', '=', 'pending')
            .as('load'),
        )
        .where('d.id', '=', dossierId)
        .orderBy('u.username')
        .execute();
      const loads = reviewers.map((r) => ({ ...r, load: r.load ?? 0 }));
      let assigned = 0;
      for (const { code } of pending) {
        const candidates = loads.filter((r) => r.criteria.length === 0 || r.criteria.includes(code));
        if (!candidates.length) continue;
        const chosen = candidates.reduce((best, r) => (r.load < best.load ? r : best));
        chosen.load++;
        await tx
          .updateTable('dossier_criteria')
          .set({ assignee_id: chosen.id })
          .where('dossier_id', '=', dossierId)
          .where('code', '=', code)
          .execute();
        assigned++;
      }
      return assigned;
    });
  }
}

/** review-steps/assign-reviewers, emitted on entering review. */
export const assignReviewersJob = defineJob({
  queue: { name: 'review-steps', concurrency: 4 },
  name: 'assign-reviewers',
  version: 1,
  payload: Payload,
  handler: ReviewAssignmentJob,
});

import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import { JobRegistry } from '../queues/job-registry.js';

interface Payload {
  subject: { type: string; id: string };
}

/**
 * review-steps/assign-reviewers: on entering review, each pending, unassigned criterion goes to a REVIEWER
 * of the commune's parent unit who specialises in it (an empty speciality list covers all), the one with
 * the fewest open assignments first. A criterion nobody specialises in stays unassigned (every reviewer of
 * the unit sees it). Idempotent: only unassigned criteria are touched, under a row lock.
 */
@Injectable()
export class ReviewAssignmentJob implements OnModuleInit {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly jobs: JobRegistry,
  ) {}

  onModuleInit(): void {
    this.jobs.register<Payload>({
      name: 'assign-reviewers',
      queue: 'review-steps',
      version: 1,
      validate: (p) => {
        const s = (p as Payload)?.subject;
        return s && s.type === 'dossier' && typeof s.id === 'string' ? null : 'subject must be { type: "dossier", id }';
      },
      handle: async (payload) => {
        await this.assign(payload.subject.id);
      },
    });
  }

  async assign(dossierId: string): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows: pending } = await client.query<{ code: number }>(
        `SELECT code FROM dossier_criteria WHERE dossier_id = $1 AND review_status = 'pending' AND assignee_id IS NULL ORDER BY code FOR UPDATE`,
        [dossierId],
      );
      if (!pending.length) {
        await client.query('COMMIT');
        return 0;
      }
      const { rows: reviewers } = await client.query<{ id: string; criteria: number[]; load: number }>(
        `SELECT u.id, u.criteria, (SELECT count(*)::int FROM dossier_criteria x WHERE x.assignee_id = u.id AND x.review_status = 'pending') AS load
           FROM dossiers d JOIN units c ON c.id = d.commune_id
           JOIN users u ON u.unit_id = c.parent_id AND u.role = 'REVIEWER' AND u.active
          WHERE d.id = $1 ORDER BY u.username`,
        [dossierId],
      );
      let assigned = 0;
      for (const { code } of pending) {
        const candidates = reviewers.filter((r) => r.criteria.length === 0 || r.criteria.includes(code));
        if (!candidates.length) continue;
        const chosen = candidates.reduce((best, r) => (r.load < best.load ? r : best));
        chosen.load++;
        await client.query('UPDATE dossier_criteria SET assignee_id = $3 WHERE dossier_id = $1 AND code = $2', [dossierId, code, chosen.id]);
        assigned++;
      }
      await client.query('COMMIT');
      return assigned;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

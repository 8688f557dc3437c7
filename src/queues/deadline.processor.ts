import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import type { Job } from 'bullmq';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import { EngineService } from '../engine/engine.service.js';
import { SYSTEM_ACTOR } from '../engine/engine.types.js';

/** A due timer sends its raised event into the engine as `system`; one cancelled or fired meanwhile is ignored. */
@Processor('deadlines', { concurrency: 16 })
export class DeadlineProcessor extends WorkerHost {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly engine: EngineService,
  ) {
    super();
  }

  async process(job: Job<{ timerId: string }>): Promise<string> {
    const { rows } = await this.pool.query<{ event: { type: string }; deadline_id: string; kind: string; subject_type: string; subject_id: string }>(
      `SELECT t.event, t.deadline_id, t.kind, i.subject_type, i.subject_id
         FROM workflow_timers t JOIN workflow_instances i ON i.id = t.instance_id
        WHERE t.id = $1 AND t.status = 'pending'`,
      [job.data.timerId],
    );
    if (!rows.length) return 'ignored';
    const t = rows[0];
    const result = await this.engine.send(
      { type: t.subject_type, id: t.subject_id },
      { ...t.event, deadline: t.deadline_id, kind: t.kind },
      SYSTEM_ACTOR,
      { timerId: job.data.timerId },
    );
    return result.applied ? `fired ${t.deadline_id} ${t.kind}` : `ignored (${result.reason})`;
  }
}

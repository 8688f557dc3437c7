import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { PG_POOL } from '../database/pg-pool.js';
import { eventHash } from '../engine/history-hash.js';

export interface VerifyResult {
  ok: boolean;
  checkedEvents: number;
  brokenAt?: { instanceId: string; seq: number; reason: string };
}

/** Recomputes every history chain in the caller's scope and names the first row that does not match. */
@Injectable()
export class AuditService {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async verify(actor: Actor): Promise<VerifyResult> {
    const client = await this.pool.connect();
    let checked = 0;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let after: { instanceId: string; seq: number } = { instanceId: '', seq: 0 };
      let prev: { instanceId: string; hash: string; seq: number } | null = null;
      for (;;) {
        const { rows } = await client.query(
          `SELECT e.instance_id, e.seq, e.type, e.actor_id, e.actor_role, e.actor_unit_id, e.payload, e.from_state, e.to_state, e.at, e.prev_hash, e.hash
             FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id
            WHERE i.unit_path LIKE $1 || '%' AND (e.instance_id, e.seq) > ($2, $3)
            ORDER BY e.instance_id, e.seq LIMIT 2000`,
          [scopePath(actor), after.instanceId, after.seq],
        );
        if (rows.length === 0) break;
        for (const r of rows) {
          const sameChain = prev?.instanceId === r.instance_id;
          const expectedPrev = sameChain ? prev!.hash : '';
          const expectedSeq = sameChain ? prev!.seq + 1 : 1;
          const brokenAt = (reason: string) => ({ ok: false, checkedEvents: checked, brokenAt: { instanceId: r.instance_id, seq: r.seq, reason } });
          if (r.seq !== expectedSeq) return brokenAt(`expected seq ${expectedSeq}`);
          if (r.prev_hash !== expectedPrev) return brokenAt('prevHash does not match the previous row');
          const hash = eventHash({
            instanceId: r.instance_id,
            seq: r.seq,
            type: r.type,
            actorId: r.actor_id,
            actorRole: r.actor_role,
            actorUnitId: r.actor_unit_id,
            payload: r.payload,
            fromState: r.from_state,
            toState: r.to_state,
            at: new Date(r.at).toISOString(),
            prevHash: r.prev_hash,
          });
          if (hash !== r.hash) return brokenAt('hash does not match the row');
          checked++;
          prev = { instanceId: r.instance_id, hash: r.hash, seq: r.seq };
        }
        const last = rows[rows.length - 1];
        after = { instanceId: last.instance_id, seq: last.seq };
      }
      return { ok: true, checkedEvents: checked };
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}

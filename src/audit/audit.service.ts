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
      let prev: { instanceId: string; hash: string; seq: number; lastSeq: number; lastHash: string } | null = null;
      // A chain must end where its instance says it does, or rows were cut from its end.
      const endBroken = (p: NonNullable<typeof prev>): VerifyResult | null => {
        if (p.seq === p.lastSeq && p.hash === p.lastHash) return null;
        const brokenAt =
          p.seq === p.lastSeq
            ? { instanceId: p.instanceId, seq: p.seq, reason: 'last hash does not match the instance' }
            : { instanceId: p.instanceId, seq: Math.min(p.seq, p.lastSeq) + 1, reason: `history ends at seq ${p.seq}, the instance at seq ${p.lastSeq}` };
        return { ok: false, checkedEvents: checked, brokenAt };
      };
      for (;;) {
        const { rows } = await client.query(
          `SELECT e.instance_id, e.seq, e.type, e.actor_id, e.actor_role, e.actor_unit_id, e.payload, e.from_state, e.to_state, e.at, e.prev_hash, e.hash,
                  i.last_seq, i.last_hash
             FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id
            WHERE i.unit_path LIKE $1 || '%' AND (e.instance_id, e.seq) > ($2, $3)
            ORDER BY e.instance_id, e.seq LIMIT 2000`,
          [scopePath(actor), after.instanceId, after.seq],
        );
        if (rows.length === 0) break;
        for (const r of rows) {
          const sameChain = prev?.instanceId === r.instance_id;
          const ended = prev && !sameChain ? endBroken(prev) : null;
          if (ended) return ended;
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
          prev = { instanceId: r.instance_id, hash: r.hash, seq: r.seq, lastSeq: r.last_seq, lastHash: r.last_hash };
        }
        const last = rows[rows.length - 1];
        after = { instanceId: last.instance_id, seq: last.seq };
      }
      const ended = prev ? endBroken(prev) : null;
      if (ended) return ended;
      // An instance whose whole history is gone has no row above to be found by.
      const orphan = await client.query<{ id: string }>(
        `SELECT i.id FROM workflow_instances i WHERE i.unit_path LIKE $1 || '%'
            AND NOT EXISTS (SELECT 1 FROM workflow_events e WHERE e.instance_id = i.id) ORDER BY i.id LIMIT 1`,
        [scopePath(actor)],
      );
      if (orphan.rows.length) return { ok: false, checkedEvents: checked, brokenAt: { instanceId: orphan.rows[0].id, seq: 1, reason: 'history is missing' } };
      return { ok: true, checkedEvents: checked };
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { EngineRepository } from '../engine/engine.repository.js';
import { eventHash } from '../engine/history-hash.js';
import type { SubjectRef } from '../engine/engine.types.js';

/** History rows read per query. */
const PAGE = 2000;

export interface VerifyResult {
  ok: boolean;
  checkedEvents: number;
  brokenAt?: { instanceId: string; seq: number; reason: string };
}

/** Recomputes every history chain in the caller's scope and names the first row that does not match. */
@Injectable()
export class AuditService {
  constructor(private readonly engine: EngineRepository) {}

  /** Every chain in the caller's scope, or one subject's only (its page's integrity line). */
  verify(actor: Actor, subject?: SubjectRef): Promise<VerifyResult> {
    // One snapshot of the database for every page read.
    return this.engine.snapshot(async (db) => {
      let checked = 0;
      let after: { instanceId: string; seq: number } = { instanceId: '', seq: 0 };
      type ChainEnd = { instanceId: string; hash: string; seq: number; lastSeq: number; lastHash: string };
      let prev = null as ChainEnd | null;
      // A chain must end where its instance says it does, or rows were cut from its end.
      const endBroken = (p: ChainEnd): VerifyResult | null => {
        if (p.seq === p.lastSeq && p.hash === p.lastHash) return null;
        const brokenAt =
          p.seq === p.lastSeq
            ? { instanceId: p.instanceId, seq: p.seq, reason: 'last hash does not match the instance' }
            : {
                instanceId: p.instanceId,
                seq: Math.min(p.seq, p.lastSeq) + 1,
                reason: `history ends at seq ${p.seq}, the instance at seq ${p.lastSeq}`,
              };
        return { ok: false, checkedEvents: checked, brokenAt };
      };
      for (;;) {
        const rows = await this.engine.historyAfter(db, scopePath(actor), after, PAGE, subject);
        if (rows.length === 0) break;
        for (const r of rows) {
          const sameChain: boolean = prev?.instanceId === r.instance_id;
          const ended = prev && !sameChain ? endBroken(prev) : null;
          if (ended) return ended;
          const expectedPrev = sameChain ? prev!.hash : '';
          const expectedSeq: number = sameChain ? prev!.seq + 1 : 1;
          const brokenAt = (reason: string) => ({
            ok: false,
            checkedEvents: checked,
            brokenAt: { instanceId: r.instance_id, seq: r.seq, reason },
          });
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
        // A page shorter than asked for is the last one.
        if (rows.length < PAGE) break;
        const last = rows[rows.length - 1];
        after = { instanceId: last.instance_id, seq: last.seq };
      }
      const ended = prev ? endBroken(prev) : null;
      if (ended) return ended;
      // An instance whose whole history is gone has no row above to be found by.
      const orphan = await this.engine.instanceWithoutHistory(db, scopePath(actor), subject);
      if (orphan) return { ok: false, checkedEvents: checked, brokenAt: { instanceId: orphan, seq: 1, reason: 'history is missing' } };
      return { ok: true, checkedEvents: checked };
    });
  }
}

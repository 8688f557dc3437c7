import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { EngineRepository, type HistoryAuditRow } from '../engine/engine.repository.js';
import { eventHash, SCHEME_HMAC, sealedHash, snapshotDigest } from '../engine/history-hash.js';
import { HISTORY_KEY } from '../engine/history-key.js';
import type { SubjectRef } from '../engine/engine.types.js';

/** History rows read per query. */
const PAGE = 2000;
/** Broken instances reported per answer, unless asked otherwise (and at most MAX_BROKEN). */
export const DEFAULT_BROKEN = 100;
export const MAX_BROKEN = 1000;

export interface BrokenInstance {
  instanceId: string;
  subject: SubjectRef | null;
  seq: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  checkedEvents: number;
  /** Rows hashed with plain SHA-256, written before rows were sealed with AUDIT_KEY: they prove less. */
  legacyEvents: number;
  /** The first broken instance (as before `broken` existed). */
  brokenAt?: { instanceId: string; seq: number; reason: string };
  /** Every broken instance found, in instance id order, up to the limit asked for. */
  broken: BrokenInstance[];
  /** When the limit of broken instances was reached: pass it as `after` to go on from there. */
  nextCursor: string | null;
}

interface Chain {
  instanceId: string;
  subject: SubjectRef;
  prev: HistoryAuditRow | null;
  sealed: boolean;
  broken: boolean;
}

/**
 * Recomputes history chains and names every instance whose chain does not hold. For each row: its seq follows
 * the previous one, its `from_state` is the previous row's `to_state` (the first row starts from nothing), it
 * names the previous row's hash, and its own hash is right: the HMAC with AUDIT_KEY over the row, its
 * instance's subject and unit, the workflow version and the snapshot's digest for sealed rows; plain SHA-256
 * for legacy rows, which may only come before the sealed ones of their chain. At the chain's end: the instance's
 * last seq and hash, its current state and (sealed) its snapshot's digest and workflow version are the last
 * row's. An instance without any row is broken too.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly engine: EngineRepository,
    @Inject(HISTORY_KEY) private readonly key: string,
  ) {}

  /** Every chain in the caller's scope (after the instance id `after`), or one subject's only (its page's line). */
  verify(actor: Actor, subject?: SubjectRef, options: { after?: string; limit?: number } = {}): Promise<VerifyResult> {
    const limit = Math.min(Math.max(options.limit ?? DEFAULT_BROKEN, 1), MAX_BROKEN);
    const scope = scopePath(actor);
    // One snapshot of the database for every page read.
    return this.engine.snapshot(async (db) => {
      const result: VerifyResult = { ok: true, checkedEvents: 0, legacyEvents: 0, broken: [], nextCursor: null };
      const report = (chain: { instanceId: string; subject: SubjectRef | null }, seq: number, reason: string) => {
        result.broken.push({ instanceId: chain.instanceId, subject: chain.subject, seq, reason });
      };
      const full = () => result.broken.length >= limit;
      // After the cursor's instance: past every seq it has.
      let after = { instanceId: options.after ?? '', seq: options.after ? 2147483647 : 0 };
      let chain = null as Chain | null;
      const close = (c: Chain) => {
        if (c.broken || !c.prev) return;
        const end = this.endProblem(c.prev, c.sealed);
        if (end) report(c, end.seq, end.reason);
      };
      outer: for (;;) {
        const rows = await this.engine.historyAfter(db, scope, after, PAGE, subject);
        for (const r of rows) {
          if (chain?.instanceId !== r.instance_id) {
            if (chain) close(chain);
            if (full()) {
              result.nextCursor = chain!.instanceId;
              break outer;
            }
            chain = {
              instanceId: r.instance_id,
              subject: { type: r.subject_type, id: r.subject_id },
              prev: null,
              sealed: false,
              broken: false,
            };
          }
          if (chain.broken) continue;
          const problem = this.rowProblem(r, chain);
          if (problem) {
            chain.broken = true;
            report(chain, r.seq, problem);
            continue;
          }
          result.checkedEvents++;
          if (r.scheme === SCHEME_HMAC) chain.sealed = true;
          else result.legacyEvents++;
          chain.prev = r;
        }
        if (rows.length < PAGE) {
          if (chain) close(chain);
          break;
        }
        const last = rows[rows.length - 1];
        after = { instanceId: last.instance_id, seq: last.seq };
      }
      // Instances whose whole history is gone have no row above to be found by (those up to where the chains
      // were read), then the report in instance order, cut at the limit.
      const upTo = result.nextCursor ?? undefined;
      for (const orphan of await this.engine.instancesWithoutHistory(db, scope, subject, { after: options.after, upTo })) {
        report({ instanceId: orphan.id, subject: { type: orphan.subject_type, id: orphan.subject_id } }, 1, 'history is missing');
      }
      result.broken.sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
      if (result.broken.length > limit) {
        result.broken = result.broken.slice(0, limit);
        result.nextCursor = result.broken[limit - 1].instanceId;
      }
      result.ok = result.broken.length === 0;
      const first = result.broken[0];
      if (first) result.brokenAt = { instanceId: first.instanceId, seq: first.seq, reason: first.reason };
      return result;
    });
  }

  /** What is wrong with a row given the chain before it, if anything. */
  private rowProblem(r: HistoryAuditRow, chain: Chain): string | null {
    const prev = chain.prev;
    const expectedSeq = prev ? prev.seq + 1 : 1;
    if (r.seq !== expectedSeq) return `expected seq ${expectedSeq}`;
    if (r.prev_hash !== (prev?.hash ?? '')) return 'prevHash does not match the previous row';
    if (r.from_state !== (prev?.to_state ?? '')) {
      return prev
        ? `starts from state ${r.from_state}, the previous row left ${prev.to_state}`
        : `the first row starts from state ${r.from_state}`;
    }
    if (r.scheme !== SCHEME_HMAC && chain.sealed) return 'an unsealed row after sealed ones';
    const fields = {
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
    };
    const hash =
      r.scheme === SCHEME_HMAC
        ? sealedHash(this.key, {
            ...fields,
            subjectType: r.subject_type,
            subjectId: r.subject_id,
            unitId: r.unit_id,
            workflow: r.workflow_key,
            workflowVersion: r.workflow_version ?? -1,
            snapshotDigest: r.snapshot_digest ?? '',
          })
        : eventHash(fields);
    return hash === r.hash ? null : 'hash does not match the row';
  }

  /** What is wrong with a chain's end (its last good row) against its instance, if anything. */
  private endProblem(last: HistoryAuditRow, sealed: boolean): { seq: number; reason: string } | null {
    if (last.seq !== last.last_seq) {
      return {
        seq: Math.min(last.seq, last.last_seq) + 1,
        reason: `history ends at seq ${last.seq}, the instance at seq ${last.last_seq}`,
      };
    }
    if (last.hash !== last.last_hash) return { seq: last.seq, reason: 'last hash does not match the instance' };
    if (last.to_state !== last.state)
      return { seq: last.seq, reason: `the instance is in state ${last.state}, its history left ${last.to_state}` };
    if (sealed && last.scheme === SCHEME_HMAC) {
      if (last.workflow_version !== last.instance_workflow_version)
        return { seq: last.seq, reason: 'the workflow version is not the history’s' };
      if (snapshotDigest(last.snapshot) !== last.snapshot_digest)
        return { seq: last.seq, reason: 'the snapshot is not the one its history left' };
    }
    return null;
  }
}

import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { decodeCursor, encodeCursor } from '../common/pagination.js';
import { EngineRepository } from '../engine/engine.repository.js';
import { eventHash, HASH_SCHEME, HistoryHasher, snapshotDigest } from '../engine/history-hash.js';
import type { SubjectRef } from '../engine/engine.types.js';
import { checkpointProblem, type Checkpoint, type CheckpointEntry } from './checkpoint.js';
import { CheckpointStore } from './checkpoint.store.js';

/** History rows read per query. */
const PAGE = 2000;
/** Broken instances listed per answer unless asked otherwise. */
export const DEFAULT_BROKEN_LIMIT = 100;

export interface BrokenInstance {
  instanceId: string;
  seq: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  checkedEvents: number;
  /** The first broken instance (by id) and its first bad row. */
  brokenAt?: BrokenInstance;
  /** When not ok: how many instances are broken, a page of them (by id, after `cursor`), and the next page's cursor. */
  brokenCount?: number;
  broken?: BrokenInstance[];
  nextCursor?: string;
  /** When not ok because the latest checkpoint itself cannot be believed. */
  checkpointProblem?: string;
}

export interface VerifyOptions {
  subject?: SubjectRef;
  /** The previous answer's nextCursor: broken instances listed after it. */
  cursor?: string;
  limit?: number;
  /** Called after each page of rows: rows checked so far, and in all. */
  onProgress?: (checked: number, total: number) => Promise<void> | void;
}

type Row = Awaited<ReturnType<EngineRepository['historyAfter']>>[number];

/**
 * Recomputes every history chain in the caller's scope and names every instance that does not hold: a row whose
 * HMAC (or, for rows written before it, SHA-256) does not match, a gap or a state that does not follow on, an
 * instance whose state or snapshot is not what its last row says, and, against the latest signed checkpoint, a
 * chain that lost rows or an instance that is gone.
 */
interface CheckedCheckpoint {
  name?: string;
  /** Undefined when there is none, or when it cannot be believed (`problem`). */
  checkpoint?: Checkpoint;
  problem: string | null;
  bySubject: Map<string, CheckpointEntry[]>;
}

const NO_CHECKPOINT: CheckedCheckpoint = { problem: null, bySubject: new Map() };

@Injectable()
export class AuditService {
  private checked?: CheckedCheckpoint;

  constructor(
    private readonly engine: EngineRepository,
    private readonly hasher: HistoryHasher,
    private readonly checkpoints: CheckpointStore,
  ) {}

  /** Every chain in the caller's scope, or one subject's only (its page's integrity line). */
  async verify(actor: Actor, options: VerifyOptions | SubjectRef = {}): Promise<VerifyResult> {
    const opts: VerifyOptions = 'type' in options && 'id' in options ? { subject: options as SubjectRef } : (options as VerifyOptions);
    const scope = scopePath(actor);
    const { checkpoint: cp, problem: cpProblem, bySubject } = await this.latestCheckpoint();
    const expected = new Map<string, CheckpointEntry>();
    const candidates = opts.subject ? (bySubject.get(`${opts.subject.type}:${opts.subject.id}`) ?? []) : (cp?.instances ?? []);
    for (const e of candidates) if (e.unitPath.startsWith(scope)) expected.set(e.instanceId, e);
    return this.engine.snapshot(async (db) => {
      const total = opts.onProgress ? await this.engine.historyCount(db, scope, opts.subject) : 0;
      const broken: BrokenInstance[] = [];
      let checked = 0;
      let after = { instanceId: '', seq: 0 };
      let chain: Row[] = [];
      const finish = () => {
        if (chain.length) this.checkChain(chain, expected.get(chain[0].instance_id), cp, broken);
        expected.delete(chain[0]?.instance_id ?? '');
        checked += chain.length;
        chain = [];
      };
      for (;;) {
        const rows = await this.engine.historyAfter(db, scope, after, PAGE, opts.subject);
        for (const r of rows) {
          if (chain.length && chain[0].instance_id !== r.instance_id) finish();
          chain.push(r);
        }
        await opts.onProgress?.(checked + chain.length, total);
        // A page shorter than asked for is the last one.
        if (rows.length < PAGE) break;
        const last = rows[rows.length - 1];
        after = { instanceId: last.instance_id, seq: last.seq };
      }
      finish();
      // An instance whose whole history is gone has no row above to be found by.
      for (const orphan of await this.engine.instancesWithoutHistory(db, scope, opts.subject)) {
        expected.delete(orphan.id);
        broken.push({ instanceId: orphan.id, seq: 1, reason: 'history is missing' });
      }
      // What the checkpoint holds and the database no longer does.
      for (const e of expected.values()) {
        broken.push({
          instanceId: e.instanceId,
          seq: 1,
          reason: `the instance in the checkpoint of ${cp!.at} (${e.events} events) is missing`,
        });
      }
      return this.result(checked, broken, opts, cpProblem);
    });
  }

  /**
   * The latest checkpoint, its signature checked, read again only when a newer one is written: the dossier page
   * verifies its one chain on every view, and a province's checkpoint holds every instance.
   */
  private async latestCheckpoint(): Promise<CheckedCheckpoint> {
    const name = await this.checkpoints.latestName();
    if (!name) return NO_CHECKPOINT;
    if (this.checked?.name !== name) {
      const { checkpoint } = await this.checkpoints.read(name);
      const problem = checkpointProblem(this.hasher, checkpoint);
      const bySubject = new Map<string, CheckpointEntry[]>();
      for (const e of problem ? [] : checkpoint.instances) {
        const key = `${e.subjectType}:${e.subjectId}`;
        bySubject.set(key, [...(bySubject.get(key) ?? []), e]);
      }
      this.checked = { name, checkpoint: problem ? undefined : checkpoint, problem, bySubject };
    }
    return this.checked;
  }

  private result(checked: number, all: BrokenInstance[], opts: VerifyOptions, cpProblem: string | null): VerifyResult {
    if (!all.length && !cpProblem) return { ok: true, checkedEvents: checked };
    all.sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
    const limit = Math.max(1, Math.min(opts.limit ?? DEFAULT_BROKEN_LIMIT, 500));
    const cursor = decodeCursor(opts.cursor);
    const after = cursor ? all.filter((b) => b.instanceId > cursor) : all;
    const page = after.slice(0, limit);
    return {
      ok: false,
      checkedEvents: checked,
      ...(all.length ? { brokenAt: all[0] } : {}),
      brokenCount: all.length,
      broken: page,
      ...(after.length > limit ? { nextCursor: encodeCursor(page[page.length - 1].instanceId) } : {}),
      ...(cpProblem ? { checkpointProblem: cpProblem } : {}),
    };
  }

  /** Checks one instance's rows (all of them, in seq order) and its current row; pushes its first problem. */
  private checkChain(rows: Row[], expected: CheckpointEntry | undefined, cp: Checkpoint | undefined, broken: BrokenInstance[]): void {
    const problem = this.chainProblem(rows, expected, cp);
    if (problem) broken.push({ instanceId: rows[0].instance_id, ...problem });
  }

  private chainProblem(
    rows: Row[],
    expected: CheckpointEntry | undefined,
    cp: Checkpoint | undefined,
  ): { seq: number; reason: string } | null {
    let prev: Row | undefined;
    let hmacSeen = false;
    let legacy = 0;
    let hashAtCheckpoint: string | undefined;
    for (const r of rows) {
      const at = (reason: string) => ({ seq: r.seq, reason });
      const expectedSeq = prev ? prev.seq + 1 : 1;
      if (r.seq !== expectedSeq) return at(`expected seq ${expectedSeq}`);
      if (r.prev_hash !== (prev?.hash ?? '')) return at('prevHash does not match the previous row');
      if (r.hash_scheme === HASH_SCHEME.sha256) {
        if (hmacSeen) return at('a row on the old hash scheme after an HMAC row');
        legacy++;
      } else if (r.hash_scheme === HASH_SCHEME.hmac) hmacSeen = true;
      else return at(`unknown hash scheme ${r.hash_scheme}`);
      if (this.rowHash(r) !== r.hash) return at('hash does not match the row');
      if (!prev && (r.type !== 'START' || r.from_state !== '')) return at('the first event does not start the instance');
      if (prev && r.from_state !== prev.to_state)
        return at(`from_state ${r.from_state} does not follow the previous to_state ${prev.to_state}`);
      if (expected && r.seq === expected.events) hashAtCheckpoint = r.hash;
      prev = r;
    }
    const last = prev!;
    // A chain must end where its instance says it does, or rows were cut from its end.
    if (last.seq !== last.last_seq) {
      return {
        seq: Math.min(last.seq, last.last_seq) + 1,
        reason: `history ends at seq ${last.seq}, the instance at seq ${last.last_seq}`,
      };
    }
    const end = (reason: string) => ({ seq: last.seq, reason });
    if (last.hash !== last.last_hash) return end('last hash does not match the instance');
    if (last.state !== last.to_state) return end(`the instance is in state ${last.state}, its last event left it in ${last.to_state}`);
    if (last.hash_scheme === HASH_SCHEME.hmac) {
      if (snapshotDigest(last.snapshot) !== last.snapshot_digest) return end('the instance snapshot does not match its last event');
      if (last.instance_workflow_version !== last.workflow_version)
        return end('the instance workflow version does not match its last event');
    }
    if (expected) {
      const when = `the checkpoint of ${cp!.at}`;
      if (rows.length < expected.events) return end(`history has ${rows.length} events, ${when} had ${expected.events}`);
      if (hashAtCheckpoint !== expected.head)
        return { seq: expected.events, reason: `the event at seq ${expected.events} is not the one ${when} holds` };
      if (legacy > expected.legacy) return end(`${legacy} rows on the old hash scheme, ${when} had ${expected.legacy}`);
    }
    return null;
  }

  private rowHash(r: Row): string {
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
    if (r.hash_scheme === HASH_SCHEME.sha256) return eventHash(fields);
    return this.hasher.hash({
      ...fields,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      unitId: r.unit_id,
      workflowKey: r.workflow_key,
      workflowVersion: r.workflow_version ?? -1,
      snapshotDigest: r.snapshot_digest ?? '',
    });
  }
}

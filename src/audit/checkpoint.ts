import { createHash } from 'node:crypto';
import { canonicalJson, type HistoryHasher } from '../engine/history-hash.js';

/** One chain as a checkpoint saw it. */
export interface CheckpointEntry {
  instanceId: string;
  subjectType: string;
  subjectId: string;
  unitPath: string;
  /** History rows the chain had. */
  events: number;
  /** The hash of its last row. */
  head: string;
  /** Its rows still on the old plain SHA-256 scheme; a chain never gains such rows. */
  legacy: number;
}

export interface Checkpoint {
  version: 1;
  at: string;
  instances: CheckpointEntry[];
  merkleRoot: string;
  /** HMAC-SHA256 (AUDIT_KEY) of everything above. */
  signature: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The Merkle root of the entries (leaves in instance id order; an odd node is carried up as it is). */
export function merkleRoot(entries: readonly CheckpointEntry[]): string {
  let level = [...entries].sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1)).map((e) => sha256(`leaf:${canonicalJson(e)}`));
  if (!level.length) return sha256('empty');
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha256(`node:${level[i]}${level[i + 1]}`) : level[i]);
    level = next;
  }
  return level[0];
}

function signed(body: Omit<Checkpoint, 'signature'>): string {
  return canonicalJson(body);
}

/** A checkpoint of `entries` at `at`, its root computed and signed. */
export function makeCheckpoint(hasher: HistoryHasher, at: Date, entries: CheckpointEntry[]): Checkpoint {
  const instances = [...entries].sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
  const body = { version: 1 as const, at: at.toISOString(), instances, merkleRoot: merkleRoot(instances) };
  return { ...body, signature: hasher.sign(signed(body)) };
}

/** Why a checkpoint read back cannot be believed, or null when its root and signature hold. */
export function checkpointProblem(hasher: HistoryHasher, checkpoint: Checkpoint): string | null {
  if (checkpoint?.version !== 1 || !Array.isArray(checkpoint.instances)) return 'the checkpoint is not one this service writes';
  const { signature, ...body } = checkpoint;
  if (merkleRoot(body.instances) !== body.merkleRoot) return 'the checkpoint does not match its Merkle root';
  if (hasher.sign(signed(body)) !== signature) return 'the checkpoint is not signed with this AUDIT_KEY';
  return null;
}

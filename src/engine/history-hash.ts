import { createHash, createHmac } from 'node:crypto';

/** JSON with object keys sorted at every depth: the same value always encodes to the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface HashedFields {
  instanceId: string;
  seq: number;
  type: string;
  actorId: string | null;
  actorRole: string;
  actorUnitId: string | null;
  payload: unknown;
  fromState: string;
  toState: string;
  /** ISO 8601 with milliseconds, UTC. */
  at: string;
  prevHash: string;
}

/** SHA-256 over the canonical encoding of a history row's fields and the previous row's hash. */
export function eventHash(fields: HashedFields): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

/** How a history row's hash was made (its `hash_scheme`). */
export const HASH_SCHEME = { sha256: 1, hmac: 2 } as const;

/** SHA-256 of the canonical encoding of an instance's snapshot: what the history row says the state became. */
export function snapshotDigest(snapshot: unknown): string {
  return createHash('sha256').update(canonicalJson(snapshot)).digest('hex');
}

/** What a scheme-2 row's HMAC covers: the row, the instance it belongs to, the snapshot it left, the previous hash. */
export interface ChainedFields extends HashedFields {
  subjectType: string;
  subjectId: string;
  unitId: string;
  workflowKey: string;
  workflowVersion: number;
  snapshotDigest: string;
}

/** HMAC-SHA256 keyed by AUDIT_KEY: without the key a row cannot be rewritten, nor a chain moved to another subject. */
export class HistoryHasher {
  constructor(private readonly key: string) {}

  /** The hash of a scheme-2 history row. */
  hash(fields: ChainedFields): string {
    return this.sign(canonicalJson({ scheme: HASH_SCHEME.hmac, ...fields }));
  }

  /** HMAC-SHA256 of any text (the checkpoints' signature). */
  sign(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('hex');
  }
}

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

/** How a history row's hash was made: 1 plain SHA-256 (rows from before keyed hashing), 2 HMAC with AUDIT_KEY. */
export const SCHEME_SHA256 = 1;
export const SCHEME_HMAC = 2;

/** What a scheme-2 row's seal covers beyond the row: the instance it belongs to and the snapshot it left. */
export interface SealedFields extends HashedFields {
  subjectType: string;
  subjectId: string;
  unitId: string;
  workflow: string;
  workflowVersion: number;
  snapshotDigest: string;
}

/**
 * HMAC-SHA256, keyed by AUDIT_KEY (which the database does not hold), over the canonical encoding of the row,
 * its instance's subject and unit, the workflow version and the snapshot's digest, and the previous row's hash:
 * rewriting a row, moving it to another subject or rewriting the snapshot needs the key to go unseen.
 */
export function sealedHash(key: string, fields: SealedFields): string {
  return createHmac('sha256', key).update(canonicalJson(fields)).digest('hex');
}

/** SHA-256 of a snapshot's canonical encoding, as PostgreSQL gives it back (jsonb). */
export function snapshotDigest(snapshot: unknown): string {
  return createHash('sha256').update(canonicalJson(snapshot)).digest('hex');
}

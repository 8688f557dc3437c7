import { createHash } from 'node:crypto';

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

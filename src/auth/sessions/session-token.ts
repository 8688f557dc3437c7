import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random token (256 bits, base64url): a session's cookie or token id, a CSRF token. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What a session row is keyed by: the SHA-256 of its token, so a copy of the table signs nobody in. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether two tokens are the same, in constant time. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

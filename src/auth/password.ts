import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt's cost as OWASP's password storage guidance gives it (2025): N=2^17, r=8, p=1, which needs 128 MiB per
 * hash (128·N·r bytes). Hashes made with lower parameters still verify (they are in the hash) and are made
 * again with these at the owner's next sign-in.
 */
export const CURRENT = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
/** Above the 128 MiB N=2^17 r=8 needs: node's default (32 MiB) would refuse it. */
const MAX_MEMORY = 256 * 1024 * 1024;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: MAX_MEMORY }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Hashes a password with scrypt (node:crypto): `scrypt$N$r$p$salt$key`, base64url parts. */
export async function hashPassword(password: string, params: { N: number; r: number; p: number } = CURRENT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash of no real password at the current cost, checked when the username is unknown so both paths take the same time. */
export const DUMMY_HASH = `scrypt$${CURRENT.N}$${CURRENT.r}$${CURRENT.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether a stored hash was made with a lower cost than the current one (or another scheme), so it is made again. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) < CURRENT.N || Number(r) < CURRENT.r || Number(p) < CURRENT.p;
}

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';

/**
 * The token signing key: JWT_SECRET when set; otherwise (never in production) a random key generated once
 * and kept in STORAGE_DIR/jwt-secret, so tokens survive a restart.
 */
export async function resolveJwtSecret(config: AppConfig): Promise<string> {
  if (config.jwt.secret) return config.jwt.secret;
  const file = join(config.storageDir, 'jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // not there yet
  }
  await mkdir(config.storageDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    await writeFile(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    // another process wrote it first
    return (await readFile(file, 'utf8')).trim();
  }
}

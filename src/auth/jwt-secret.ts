import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import { keptKey } from '../common/key-file.js';

/**
 * The token signing key: JWT_SECRET when set; otherwise (never in production) a random key generated once and
 * kept in STORAGE_DIR/jwt-secret, so tokens survive a restart (`keptKey`: a file shorter than 32 characters stops
 * the start with one line saying so; two processes starting at once end up with the same key).
 */
export async function resolveJwtSecret(config: AppConfig): Promise<string> {
  if (config.jwt.secret) return config.jwt.secret;
  return keptKey({
    file: join(config.storageDir, 'jwt-secret'),
    what: 'the token signing key',
    consequence: 'everyone signs in again',
    variable: 'JWT_SECRET',
  });
}

import type { AppConfig } from '../config/config.js';
import { keptKey } from '../config/key-file.js';

/**
 * The token signing key: JWT_SECRET when set; otherwise (never in production) a random key generated once and
 * kept in STORAGE_DIR/jwt-secret, so tokens survive a restart (see keptKey).
 */
export async function resolveJwtSecret(config: AppConfig): Promise<string> {
  if (config.jwt.secret) return config.jwt.secret;
  return keptKey(config.storageDir, {
    file: 'jwt-secret',
    label: 'the token signing key',
    lossOnDelete: 'everyone signs in again',
    variable: 'JWT_SECRET',
  });
}

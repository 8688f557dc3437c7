import type { AppConfig } from '../config/config.js';
import { keptKey } from '../config/key-file.js';

/** The injection token of the history's HMAC key. */
export const HISTORY_KEY = Symbol('HISTORY_KEY');

/**
 * The key history rows are sealed with: AUDIT_KEY when set (required in production); otherwise a random key
 * generated once and kept in STORAGE_DIR/audit-key beside the token signing key (see keptKey).
 */
export function resolveHistoryKey(config: AppConfig): Promise<string> {
  if (config.auditKey) return Promise.resolve(config.auditKey);
  return keptKey(config.storageDir, {
    file: 'audit-key',
    label: 'the history key',
    lossOnDelete: 'the history written so far no longer verifies',
    variable: 'AUDIT_KEY',
  });
}

import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import { keptKey } from '../common/key-file.js';

/**
 * The key the history's HMACs and the checkpoints are signed with: AUDIT_KEY when set (required in production);
 * otherwise a random key generated once and kept beside the token key, in STORAGE_DIR/audit-key.
 */
export async function resolveAuditKey(config: AppConfig): Promise<string> {
  if (config.audit.key) return config.audit.key;
  return keptKey({
    file: join(config.storageDir, 'audit-key'),
    what: 'the audit signing key',
    consequence: 'the history written with it no longer verifies',
    variable: 'AUDIT_KEY',
  });
}

import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type AppConfig } from '../config/config.js';

/** The shortest signing key accepted, as for JWT_SECRET. */
const MIN_KEY_LENGTH = 32;

/** The key file's content, or undefined when there is none; a key shorter than 32 characters stops the start. */
async function readKeyFile(file: string): Promise<string | undefined> {
  let content: string;
  try {
    content = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (content.length < MIN_KEY_LENGTH) {
    throw new ConfigError(
      `Configuration error: the token signing key ${file} holds ${content.length} characters, fewer than ${MIN_KEY_LENGTH}: it was cut short or replaced. Delete it to have a new key generated (everyone signs in again), or set JWT_SECRET`,
    );
  }
  return content;
}

/**
 * The token signing key: JWT_SECRET when set; otherwise (never in production) a random key generated once and
 * kept in STORAGE_DIR/jwt-secret, so tokens survive a restart. A key file shorter than 32 characters stops the
 * start with one line saying so, rather than signing with it. A new key is written whole to a temporary file,
 * flushed, then put in place by a hard link, which fails if another process starting at the same moment put
 * its key there first (that one is then used, so both sign alike); a crash leaves no key file or a whole one.
 */
export async function resolveJwtSecret(config: AppConfig): Promise<string> {
  if (config.jwt.secret) return config.jwt.secret;
  const file = join(config.storageDir, 'jwt-secret');
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await mkdir(config.storageDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(secret, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return (await readKeyFile(file))!;
    // A file system without hard links: rename (atomic, but the last of two processes starting at once wins).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    await rename(temporary, file);
    return (await readKeyFile(file))!;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return secret;
}

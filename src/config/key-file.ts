import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './config.js';

/** The shortest key accepted, from the environment or from a key file. */
export const MIN_KEY_LENGTH = 32;

/** Which key, as its errors name it. */
export interface KeySpec {
  /** The file's name under STORAGE_DIR. */
  file: string;
  /** What the key is, in the error ("the token signing key"). */
  label: string;
  /** What deleting the file costs, in the error ("everyone signs in again"). */
  lossOnDelete: string;
  /** The variable that sets the key instead ("JWT_SECRET"). */
  variable: string;
}

/** The key file's content, or undefined when there is none; a key shorter than 32 characters stops the start. */
async function readKeyFile(path: string, spec: KeySpec): Promise<string | undefined> {
  let content: string;
  try {
    content = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (content.length < MIN_KEY_LENGTH) {
    throw new ConfigError(
      `Configuration error: ${spec.label} ${path} holds ${content.length} characters, fewer than ${MIN_KEY_LENGTH}: it was cut short or replaced. Delete it to have a new key generated (${spec.lossOnDelete}), or set ${spec.variable}`,
    );
  }
  return content;
}

/**
 * A key generated once and kept in STORAGE_DIR/<file>, for installs that do not set it (never production). A key
 * file shorter than 32 characters stops the start with one line saying so, rather than being used. A new key is
 * written whole to a temporary file, flushed, then put in place by a hard link, which fails if another process
 * starting at the same moment put its key there first (that one is then used, so both agree); a crash leaves no
 * key file or a whole one.
 */
export async function keptKey(storageDir: string, spec: KeySpec): Promise<string> {
  const file = join(storageDir, spec.file);
  const existing = await readKeyFile(file, spec);
  if (existing) return existing;
  await mkdir(storageDir, { recursive: true });
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
    if (code === 'EEXIST') return (await readKeyFile(file, spec))!;
    // A file system without hard links: rename (atomic, but the last of two processes starting at once wins).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    await rename(temporary, file);
    return (await readKeyFile(file, spec))!;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return secret;
}

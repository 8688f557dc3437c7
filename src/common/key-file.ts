import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../config/config.js';

/** The shortest key accepted from a key file, as from the environment. */
export const MIN_KEY_LENGTH = 32;

/** What a key file is for, in the one line that stops the start when it was cut short. */
export interface KeyFileSpec {
  file: string;
  /** e.g. "the token signing key" */
  what: string;
  /** What deleting it costs, e.g. "everyone signs in again". */
  consequence: string;
  /** The variable that replaces the file, e.g. JWT_SECRET. */
  variable: string;
}

/** The key file's content, or undefined when there is none; a key shorter than 32 characters stops the start. */
async function readKeyFile(spec: KeyFileSpec): Promise<string | undefined> {
  let content: string;
  try {
    content = (await readFile(spec.file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (content.length < MIN_KEY_LENGTH) {
    throw new ConfigError(
      `Configuration error: ${spec.what} ${spec.file} holds ${content.length} characters, fewer than ${MIN_KEY_LENGTH}: it was cut short or replaced. Delete it to have a new key generated (${spec.consequence}), or set ${spec.variable}`,
    );
  }
  return content;
}

/**
 * A random key generated once and kept in `spec.file`, so it survives a restart. A new key is written whole to a
 * temporary file, flushed, then put in place by a hard link, which fails if another process starting at the same
 * moment put its key there first (that one is then used, so both agree); a crash leaves no key file or a whole one.
 */
export async function keptKey(spec: KeyFileSpec): Promise<string> {
  const existing = await readKeyFile(spec);
  if (existing) return existing;
  await mkdir(dirname(spec.file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  const temporary = `${spec.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(secret, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, spec.file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return (await readKeyFile(spec))!;
    // A file system without hard links: rename (atomic, but the last of two processes starting at once wins).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    await rename(temporary, spec.file);
    return (await readKeyFile(spec))!;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return secret;
}

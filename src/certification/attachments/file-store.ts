import { TooLarge, UnsupportedMediaType } from '../../common/errors.js';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sniffMimeType } from './sniff.js';

/** What the upload route receives: the file's name as sent plus what the store learnt while writing. */
export interface UploadedFileInfo extends StoredFile {
  fileName: string;
}

/** A lower size limit for one upload, and what it is refused with past it. */
export interface UploadLimit {
  bytes: number;
  refusal: () => Error;
}

export interface StoredFile {
  path: string;
  size: number;
  sha256: string;
  mimeType: string;
}

/**
 * Where uploads go: `receive` streams one to a temporary file while hashing it, refusing it past the size
 * limit (413) or when its content is not an accepted type (415, judged by `sniff.ts` once it is written). The file stays temporary until the
 * route accepts it (`keep`: moved to STORAGE_DIR/attachments/<sha256>); a request refused after the upload
 * (validation, jurisdiction, role, state) `discard`s it, so a refused upload leaves no file behind and never
 * touches a stored file that other attachments share.
 */
export class ContentAddressedStore {
  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  /** Accepts an upload: moves its temporary file under its SHA-256 (or drops it when that content is stored already). */
  async keep(file: StoredFile): Promise<string> {
    const path = this.pathOf(file.sha256);
    await mkdir(join(this.dir, file.sha256.slice(0, 2)), { recursive: true });
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) await unlink(file.path).catch(() => undefined);
    else await rename(file.path, path);
    return path;
  }

  /** Refuses an upload: removes its temporary file, if still there. Stored (content-addressed) files are never touched. */
  async discard(file: Partial<StoredFile>): Promise<void> {
    if (file.path && dirname(file.path) === join(this.dir, 'tmp')) await unlink(file.path).catch(() => undefined);
  }

  /**
   * Streams an upload to a temporary file (see the class); rejects with 413 or 415, leaving nothing behind.
   * `limit` lowers the size limit for this upload (what is left of the uploader's quota) and names the
   * refusal past it.
   */
  async receive(input: NodeJS.ReadableStream, limit?: UploadLimit): Promise<StoredFile> {
    const tmpDir = join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const maxBytes = Math.min(this.maxBytes, limit?.bytes ?? Infinity);
    const tooLarge =
      maxBytes < this.maxBytes && limit ? limit.refusal : () => new TooLarge('file_too_large', { mb: Math.round(this.maxBytes / 1048576) });
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(tooLarge());
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(input, meter, createWriteStream(tmp));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      // Drain what is left of the upload so the client gets the answer.
      (input as NodeJS.ReadableStream & { resume?: () => void }).resume?.();
      throw err;
    }
    const sniffed = size === 0 ? ({ refused: 'other' } as const) : await sniffMimeType(tmp).catch(() => ({ refused: 'other' }) as const);
    if ('refused' in sniffed) {
      await unlink(tmp).catch(() => undefined);
      throw new UnsupportedMediaType(sniffed.refused === 'zip' ? 'file_type_zip' : 'file_type');
    }
    // Still temporary: the route keeps it once the request is accepted, or discards it.
    return { path: tmp, size, sha256: hash.digest('hex'), mimeType: sniffed.mimeType };
  }
}

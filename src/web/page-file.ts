import type { FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import type { StoredFile } from '../certification/attachments/stored-file-reply.js';

/** What a browser shows itself; any other file is downloaded. */
const INLINE_TYPES = new Set(['application/pdf', 'image/jpeg', 'image/png']);

/** A stored file opened from a page (a dossier's attachment, an assessment's evidence): PDF and images inline. */
export function sendPageFile(reply: FastifyReply, file: Pick<StoredFile, 'path' | 'fileName' | 'mimeType' | 'size'>): void {
  const disposition = INLINE_TYPES.has(file.mimeType) ? 'inline' : 'attachment';
  reply
    .code(200)
    .header('Content-Type', file.mimeType)
    .header('Content-Length', String(file.size))
    .header('Cache-Control', 'private, no-store')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Disposition', `${disposition}; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
    .send(createReadStream(file.path));
}

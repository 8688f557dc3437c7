import { HttpStatus, StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';

/** A stored file as the store found it: where its bytes are and what to call them. */
export interface StoredFile {
  path: string;
  fileName: string;
  mimeType: string;
  size: number;
  sha256: string;
}

/** Answers a download with a stored file's bytes (a dossier's attachment, an assessment's evidence). */
export function storedFileReply(res: FastifyReply, file: StoredFile): StreamableFile {
  res.status(HttpStatus.OK);
  res.header('Content-Type', file.mimeType);
  res.header('Content-Length', String(file.size));
  res.header('ETag', `"${file.sha256}"`);
  res.header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
  return new StreamableFile(createReadStream(file.path));
}

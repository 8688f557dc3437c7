import { type CallHandler, createParamDecorator, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { from, mergeMap, type Observable } from 'rxjs';
import { DomainError, InvalidInput } from '../common/errors.js';

export interface ImportFile {
  fileName: string;
  bytes: Buffer;
}

type ImportRequest = FastifyRequest & { importFile?: ImportFile };

/** The file `ReceiveImportFile` read for this request (undefined when none was sent). */
export const ImportFileParam = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<ImportRequest>().importFile,
);

/**
 * Reads a multipart request's one file (field `file`, at most MAX_UPLOAD_MB: the multipart plugin's limit) into
 * memory and its other fields as the body, so that the route can check the whole file before writing anything,
 * and an Idempotency-Key is judged on the fields and the file's content (RouteIdempotency after it).
 */
@Injectable()
export class ReceiveImportFile implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<ImportRequest>();
    return from(this.read(req)).pipe(mergeMap(() => next.handle()));
  }

  private async read(req: ImportRequest): Promise<void> {
    if (!req.isMultipart()) return;
    const fields: Record<string, string> = {};
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file') {
            part.file.resume();
            throw new InvalidInput('unexpected_file_field', { field: part.fieldname });
          }
          const bytes = await part.toBuffer();
          req.importFile = { fileName: part.filename, bytes };
        } else fields[part.fieldname] = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
      }
    } catch (err) {
      if (err instanceof DomainError || (err as { code?: string }).code?.startsWith('FST_')) throw err;
      throw new InvalidInput('multipart_unreadable', { reason: (err as Error).message });
    }
    (req as { body?: unknown }).body = fields;
    (req as { idempotencyContent?: unknown }).idempotencyContent = {
      fields,
      file: req.importFile
        ? { sha256: createHash('sha256').update(req.importFile.bytes).digest('hex'), fileName: req.importFile.fileName }
        : null,
    };
  }
}

import {
  type CallHandler,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  mixin,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { DomainError, InvalidInput } from '../../common/errors.js';
import type { FastifyRequest } from 'fastify';
import { catchError, from, map, mergeMap, throwError, type Observable } from 'rxjs';
import { ContentAddressedStore, type UploadedFileInfo, type UploadLimit } from './file-store.js';
import { AttachmentsService } from './attachments.service.js';
import type { Actor } from '../../auth/actor.js';
import { drain } from '../../common/drain.js';

type UploadRequest = FastifyRequest & { upload?: UploadedFileInfo; uploadRefusal?: DomainError; uploadLimit?: UploadLimit; actor?: Actor };

/** The file `ReceiveUpload` stored for this request (undefined when none was sent). */
export const Upload = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<UploadRequest>().upload,
);

/**
 * Why the upload was refused before its body was read (see ReceiveUpload), if it was: the route answers with it
 * (the API as its error, a page beside its form).
 */
export const UploadRefusal = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<UploadRequest>().uploadRefusal,
);

/** Who decides, before a byte of an upload's body is read, whether the caller may attach to a subject (route param `id`) now. */
export interface UploadGate {
  /** Refuses with a domain error, or gives the limit the body is held to while it streams (what is left of the quota). */
  mayReceive(actor: Actor, subjectId: string, declaredBytes: number): Promise<UploadLimit>;
}

/**
 * First, before a byte of the body is read: the caller may attach to this dossier now and the upload fits in its
 * quota (AttachmentsService.mayReceive); if not, the body is read and dropped (never stored) and the refusal is
 * left for the route. Then, it reads a multipart upload as it arrives: its one file (field `file`) streamed into the store (413, 415 and
 * nothing kept when refused there), its other fields as the body the route validates. The limits (one file,
 * five fields, MAX_UPLOAD_MB) are the multipart plugin's, set in app.factory. A request refused later (bad
 * kind, 404, 403, 409) discards the stored file. A request that is not multipart reaches the route without a
 * file (400 there). `gate` (a provider of the route's module: the dossiers' or the assessments' attachments)
 * says whether the upload may start.
 */
export function receiveUploadThrough(gate: Type<UploadGate>): Type<NestInterceptor> {
  @Injectable()
  class ReceiveUploadThrough extends ReceiveUploadBase {
    constructor(store: ContentAddressedStore, @Inject(gate) attachments: UploadGate) {
      super(store, attachments);
    }
  }
  return mixin(ReceiveUploadThrough);
}

abstract class ReceiveUploadBase implements NestInterceptor {
  constructor(
    private readonly store: ContentAddressedStore,
    private readonly attachments: UploadGate,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<UploadRequest>();
    // Whatever the outcome, a temporary file the route did not keep goes (kept ones are moved already): a
    // refusal, or an Idempotency-Key answered from its first request without running the route again.
    const discard = () => from(req.upload ? this.store.discard(req.upload) : Promise.resolve());
    return from(this.prepare(req)).pipe(
      mergeMap(() => next.handle()),
      mergeMap((value: unknown) => discard().pipe(map(() => value))),
      catchError((err: unknown) => discard().pipe(mergeMap(() => throwError(() => err)))),
    );
  }

  private async prepare(req: UploadRequest): Promise<void> {
    const refusal = await this.gate(req);
    if (!refusal) return this.receive(req);
    await drain(req.raw);
    req.uploadRefusal = refusal;
    (req as { body?: unknown }).body = {};
  }

  /** The refusal of this upload before its body is read, or null. */
  private async gate(req: UploadRequest): Promise<DomainError | null> {
    const dossierId = (req.params as { id?: string } | undefined)?.id;
    if (!req.actor || !dossierId || !req.isMultipart()) return null;
    try {
      req.uploadLimit = await this.attachments.mayReceive(req.actor, dossierId, Number(req.headers['content-length'] ?? 0) || 0);
      return null;
    } catch (err) {
      if (err instanceof DomainError) return err;
      throw err;
    }
  }

  private async receive(req: UploadRequest): Promise<void> {
    if (!req.isMultipart()) return;
    try {
      await this.readParts(req);
    } catch (err) {
      // The store's 413 and 415, this route's 400s and the multipart plugin's limits keep their answers; what
      // busboy throws on a body it cannot parse (no boundary, cut short, a broken part header) is the client's.
      if (err instanceof DomainError || (err as { code?: string }).code?.startsWith('FST_')) throw err;
      throw new InvalidInput('multipart_unreadable', { reason: (err as Error).message });
    }
  }

  private async readParts(req: UploadRequest): Promise<void> {
    const fields: Record<string, string> = {};
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw new InvalidInput('unexpected_file_field', { field: part.fieldname });
        }
        const stored = await this.store.receive(part.file, req.uploadLimit);
        req.upload = { ...stored, fileName: part.filename };
      } else {
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
      }
    }
    (req as { body?: unknown }).body = fields;
    // An Idempotency-Key is judged on the fields and the file's content and name (RouteIdempotency).
    (req as { idempotencyContent?: unknown }).idempotencyContent = {
      fields,
      file: req.upload ? { sha256: req.upload.sha256, fileName: req.upload.fileName } : null,
    };
  }
}

/** Uploads to a dossier (POST /dossiers/:id/attachments and the dossier page's form). */
export const ReceiveUpload = receiveUploadThrough(AttachmentsService);

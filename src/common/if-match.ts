import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createHash } from 'node:crypto';
import { map, type Observable } from 'rxjs';
import { InvalidInput, NotFound, Stale } from './errors.js';

/**
 * Optimistic concurrency over HTTP (409 for a stale If-Match). A dossier's or project's entity tag is
 * a hash of its representation as the caller reads it, so it changes with anything the caller would see
 * change: a state, a criterion edit, a review decision, an assignment, an attachment, a receipt. A write sent
 * with `If-Match: <that tag>` is refused with 409 unless the resource still reads the same when the write is
 * applied (checked under the write's lock). `*` (or no header) matches anything.
 */
export function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return undefined;
  if (!/^"[\x21\x23-\x7e]{1,64}"$/.test(value)) {
    throw new InvalidInput('if_match_format');
  }
  return value;
}

/** The entity tag of a representation: the same body gives the same tag. */
export function etagOf(body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
}

/**
 * If-Match, checked where the write holds its lock: `current` is the subject as the caller reads it now (null
 * when it is gone or out of scope: 404); another tag than `ifMatch` is 409.
 */
export function assertMatches(what: string, current: unknown, ifMatch: string): void {
  if (current === null || current === undefined) throw new NotFound(what);
  if (etagOf(current) !== ifMatch) throw new Stale(what);
}

/** Whether an `If-None-Match` header names `etag` (or is `*`): the client's copy is current. */
export function noneMatchHolds(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = (Array.isArray(header) ? header.join(',') : header).split(',').map((t) => t.trim().replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(etag);
}

/**
 * Sets `ETag` on responses that are one versioned resource (a body with a `version`), and answers a GET whose
 * `If-None-Match` names it with 304 and no body.
 */
@Injectable()
export class ETagInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = this.adapterHost.httpAdapter;
    const req = context.switchToHttp().getRequest<{ method: string; headers: Record<string, string | string[] | undefined> }>();
    const res = context.switchToHttp().getResponse<unknown>();
    return next.handle().pipe(
      map((body: unknown) => {
        if (typeof (body as { version?: unknown } | null)?.version !== 'number' || http.isHeadersSent(res)) return body;
        const etag = etagOf(body);
        http.setHeader(res, 'ETag', etag);
        // As Express's `fresh()`: a request that asks for no cached copy (Cache-Control: no-cache) gets the body.
        const noCache = /(?:^|,)\s*no-cache\s*(?:,|$)/.test(String(req.headers['cache-control'] ?? ''));
        if ((req.method === 'GET' || req.method === 'HEAD') && !noCache && noneMatchHolds(req.headers['if-none-match'], etag)) {
          http.status(res, 304);
          return undefined;
        }
        return body;
      }),
    );
  }
}

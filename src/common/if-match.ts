import { BadRequestException, type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import { conflict } from './http-errors.js';

/**
 * Optimistic concurrency over HTTP (API.md: 409 for a stale If-Match). A dossier's or project's entity tag is
 * its workflow `version` ("7"); a write sent with `If-Match: "7"` is refused with 409 unless the resource is
 * still at version 7 when it is applied. `*` (or no header) matches any version.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return undefined;
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(value) ?? /^(\d{1,9})$/.exec(value);
  if (!m) {
    throw new BadRequestException({
      statusCode: 400, error: 'Bad Request', message: 'If-Match must be the version the resource was read at, as an entity tag such as "7"',
    });
  }
  return Number(m[1]);
}

/** The 409 for a write whose If-Match names another version than the resource's. */
export function staleVersion(what: string, version: number, expected: number) {
  return conflict(`the ${what} is at version ${version}, not ${expected} (If-Match): read it again`, { version });
}

/** Sets `ETag: "<version>"` on responses that are one versioned resource. */
@Injectable()
export class VersionETagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((body: unknown) => {
        const version = (body as { version?: unknown } | null)?.version;
        if (typeof version === 'number' && !res.headersSent) res.setHeader('ETag', `"${version}"`);
        return body;
      }),
    );
  }
}

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { drain } from './drain.js';
import {
  Conflict,
  DomainError,
  EventNotAllowed,
  InvalidInput,
  NotFound,
  NotPermitted,
  RuleViolation,
  Stale,
  TooLarge,
  TooManyRequests,
  Unauthenticated,
  UnsupportedMediaType,
  type FieldError,
} from './errors.js';
import { localeOf, say, type Locale, type MessageKey } from './messages.js';
import { isUnavailable, RETRY_AFTER_SECONDS } from './unavailable.js';

/** Fastify's own refusals of a request's body, as this API words them. */
const BODY_ERRORS: Record<string, { status: number; key: MessageKey }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, key: 'body_json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, key: 'body_json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, key: 'body_too_large' },
  // Only a Content-Type header that is not a media type at all: bodies of any well-formed type are accepted
  // (and left unread when no route reads them, see app.factory).
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, key: 'content_type' },
  FST_FILES_LIMIT: { status: 400, key: 'one_file' },
  FST_FIELDS_LIMIT: { status: 400, key: 'too_many_fields' },
  FST_PARTS_LIMIT: { status: 400, key: 'too_many_parts' },
  FST_INVALID_JSON_FIELD_ERROR: { status: 400, key: 'json_field' },
  FST_PROTO_VIOLATION: { status: 400, key: 'proto_field' },
};

/** The HTTP status of each kind of domain error: the one place where the domain meets HTTP. */
const STATUS: [new (...args: never[]) => DomainError, number][] = [
  [InvalidInput, 400],
  [Unauthenticated, 401],
  [NotPermitted, 403],
  [NotFound, 404],
  [EventNotAllowed, 409],
  [Stale, 409],
  [Conflict, 409],
  [TooLarge, 413],
  [UnsupportedMediaType, 415],
  [RuleViolation, 422],
  [TooManyRequests, 429],
];

export interface HttpError {
  status: number;
  body: { statusCode: number; error: string; message: string; [extra: string]: unknown };
  headers?: Record<string, string>;
}

/** A refusal's fields with their problems in `locale` (validation words them in both languages). */
function localFields(fields: FieldError[], locale: Locale): { field: string; messages: string[] }[] {
  return fields.map(({ field, messages, keys }) => ({
    field,
    messages: keys?.length ? keys.map(({ key, params }) => say(locale, key, params)) : messages,
  }));
}

/** The status of a domain error. */
export function statusOf(error: DomainError): number {
  return STATUS.find(([kind]) => error instanceof kind)?.[1] ?? 500;
}

function shape(status: number, message: string, extra: Record<string, unknown> = {}): HttpError['body'] {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, ...extra };
}

/**
 * The answer to a request that failed with `exception`, in the API's one error shape
 * `{ statusCode, error, message, ...details }`, 503 while a dependency is unreachable; null for a fault of the
 * service's own (a 500).
 */
export function toHttpError(exception: unknown, locale: Locale): HttpError | null {
  if (exception instanceof DomainError) {
    const status = statusOf(exception);
    const headers = exception instanceof TooManyRequests ? { 'Retry-After': String(exception.retryAfterSeconds) } : undefined;
    const details =
      exception instanceof InvalidInput && exception.fields.length
        ? { ...exception.details, errors: localFields(exception.fields, locale) }
        : exception.details;
    return { status, body: shape(status, say(locale, exception.key, exception.params), details), headers };
  }
  // Nest hands Fastify's 4xx refusals over as HttpExceptions caused by them; others arrive as they are.
  const e = (exception instanceof HttpException && exception.cause ? exception.cause : exception) as {
    code?: string;
    statusCode?: number;
    message?: string;
  };
  const known = typeof e?.code === 'string' ? BODY_ERRORS[e.code] : undefined;
  if (known) return { status: known.status, body: shape(known.status, say(locale, known.key)) };
  if (exception instanceof HttpException) {
    // Nest's own: a route that does not exist (404, "Cannot GET /x"), in the request's language.
    const status = exception.getStatus();
    const route = status === 404 ? /^Cannot (\S+) (.*)$/.exec(exception.message) : null;
    if (route) return { status, body: shape(status, say(locale, 'no_route', { method: route[1], path: route[2] })) };
    const body = exception.getResponse();
    return { status, body: typeof body === 'string' ? shape(status, body) : (body as HttpError['body']) };
  }
  if (
    typeof e?.code === 'string' &&
    e.code.startsWith('FST_') &&
    typeof e.statusCode === 'number' &&
    e.statusCode >= 400 &&
    e.statusCode < 500
  ) {
    // Another refusal of the request by Fastify or one of its plugins: its status and words.
    return { status: e.statusCode, body: shape(e.statusCode, e.message ?? '') };
  }
  if (isUnavailable(exception)) {
    // PostgreSQL or Redis is away for now: nothing was applied, and the same request will work again.
    return { status: 503, body: shape(503, say(locale, 'unavailable')), headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } };
  }
  return null;
}

/** The language of a request's error messages: Vietnamese unless `Accept-Language` puts English first. */
export function requestLocale(req: { headers?: Record<string, string | string[] | undefined> } | undefined): Locale {
  const header = req?.headers?.['accept-language'];
  return localeOf(Array.isArray(header) ? header.join(',') : header, 'vi');
}

/** Every error in the API's shape; anything unexpected as a logged 500 without internals. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = this.adapterHost.httpAdapter;
    const res = host.switchToHttp().getResponse<unknown>();
    if (http.isHeadersSent(res)) return;
    // A refused upload: read the rest of it first, so that the client gets the 413 rather than a reset.
    const raw = (host.switchToHttp().getRequest<{ raw?: IncomingMessage }>() ?? {}).raw;
    if (exception instanceof TooLarge && raw) await drain(raw);
    const locale = requestLocale(host.switchToHttp().getRequest());
    const answer = toHttpError(exception, locale);
    if (answer) {
      for (const [name, value] of Object.entries(answer.headers ?? {})) http.setHeader(res, name, value);
      http.reply(res, answer.body, answer.status);
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    http.reply(res, shape(500, say(locale, 'internal')), 500);
  }
}

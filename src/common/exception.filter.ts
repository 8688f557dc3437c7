import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';

/** Fastify's own refusals of a request's body, as this API words them. */
const BODY_ERRORS: Record<string, { status: number; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: 'body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: 'body is not valid JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, message: 'body is too large' },
  // Only a Content-Type header that is not a media type at all: bodies of any well-formed type are accepted
  // (and left unread when no route reads them, see app.factory).
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: 'the Content-Type header is not a valid media type' },
  FST_FILES_LIMIT: { status: 400, message: 'send one file per upload' },
  FST_FIELDS_LIMIT: { status: 400, message: 'too many form fields' },
  FST_PARTS_LIMIT: { status: 400, message: 'too many form parts' },
  FST_INVALID_JSON_FIELD_ERROR: { status: 400, message: 'a form field declared as JSON is not valid JSON' },
  FST_PROTO_VIOLATION: { status: 400, message: 'a form field may not be named after a prototype property' },
};

/**
 * Gives every error the NestJS shape `{ statusCode, error, message, ...extra }`: HTTP exceptions as thrown,
 * malformed JSON and oversized bodies as 400/413, and anything unexpected as a logged 500 without internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = this.adapterHost.httpAdapter;
    const res = host.switchToHttp().getResponse<unknown>();
    if (http.isHeadersSent(res)) return;
    const reply = (status: number, body: unknown) => http.reply(res, body, status);
    // Nest hands Fastify's 4xx refusals over as HttpExceptions caused by them; others arrive as they are.
    const e = (exception instanceof HttpException && exception.cause ? exception.cause : exception) as { code?: string; statusCode?: number; message?: string };
    const known = typeof e?.code === 'string' ? BODY_ERRORS[e.code] : undefined;
    if (known) {
      reply(known.status, { statusCode: known.status, error: STATUS_CODES[known.status], message: known.message });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      reply(status, typeof body === 'string' ? { statusCode: status, error: STATUS_CODES[status] ?? exception.name, message: body } : body);
      return;
    }
    if (typeof e?.code === 'string' && e.code.startsWith('FST_') && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      // Another refusal of the request by Fastify or one of its plugins: its status and words.
      reply(e.statusCode, { statusCode: e.statusCode, error: STATUS_CODES[e.statusCode], message: e.message });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    reply(500, { statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
  }
}

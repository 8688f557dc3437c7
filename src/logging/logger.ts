import { Injectable, LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/**
 * JSON logs through pino, with Nest's own messages on the same logger. (nestjs-pino does this too, but it is
 * CommonJS requiring the ES-module-only @nestjs/common 12, which Jest on Node 20 cannot load; pino-http
 * and this adapter are what it would give us.)
 */
@Injectable()
export class PinoLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  static create(level: string): PinoLogger {
    return new PinoLogger(pino({ level, redact: ['req.headers.authorization', 'req.headers.cookie'] }));
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]) {
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (typeof message === 'object') this.pino[level]({ context, ...(message as object) });
    else this.pino[level]({ context, ...(params.length && level === 'error' ? { stack: params[0] } : {}) }, String(message));
  }

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }
}

/** pino-http on the raw request and response (run from a Fastify onRequest hook): one log line per request with its request id (X-Request-Id, given or generated). */
export function requestLogging(logger: PinoLogger) {
  return pinoHttp({
    logger: logger.pino,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w\-.:]{1,128}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
  });
}

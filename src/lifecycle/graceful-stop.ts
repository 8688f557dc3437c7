import type { INestApplicationContext } from '@nestjs/common';
import type { Server, ServerResponse } from 'node:http';

/** Time left after the bound to close pools and connections before the process is ended anyway. */
const CLOSE_GRACE_MS = 5000;

export interface GracefulStopOptions {
  /** How long in-flight requests (API) and jobs (worker) may take (SHUTDOWN_TIMEOUT_SECONDS). */
  timeoutMs: number;
  /** The API's HTTP server; none in a worker. */
  http?: { server: Server; close: () => Promise<void> };
  write?: (line: string) => void;
}

/**
 * On SIGTERM or SIGINT: the HTTP server (if any) stops accepting connections, closes its idle keep-alive ones and
 * lets the requests in flight finish (each answered with `Connection: close`), for at most `timeoutMs`, after which
 * the connections left are cut; then the application closes (queue workers stop taking jobs and finish their
 * active ones, then the database pool and Redis connections close) and the process exits 0. If closing does not
 * end within the bound plus five seconds, the process exits 1; a job it left active is handed back by BullMQ's
 * stalled-job check.
 */
export function stopOnSignals(app: INestApplicationContext, options: GracefulStopOptions): void {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const inFlight = options.http ? trackResponses(options.http.server) : new Set<ServerResponse>();
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    write(`NTM Workflow stopping (${signal}): finishing work in flight, at most ${Math.round(options.timeoutMs / 1000)} s`);
    setTimeout(() => {
      write('NTM Workflow did not stop in time; exiting');
      process.exit(1);
    }, options.timeoutMs + CLOSE_GRACE_MS).unref();
    try {
      if (options.http) await drainHttp(options.http, inFlight, options.timeoutMs);
      await app.close();
      write(`NTM Workflow stopped in ${Date.now() - started} ms`);
      process.exit(0);
    } catch (err) {
      write(`NTM Workflow stopped with an error: ${(err as Error).stack ?? String(err)}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', (s) => void stop(s));
  process.once('SIGINT', (s) => void stop(s));
}

/** Stops accepting, answers what is in flight, and cuts what is still open after `timeoutMs`. */
async function drainHttp(http: NonNullable<GracefulStopOptions['http']>, inFlight: Set<ServerResponse>, timeoutMs: number): Promise<void> {
  const { server } = http;
  // A request in flight is answered with `Connection: close`, so that its client does not send another on it;
  // one arriving on an open connection meanwhile is answered 503 with `Connection: close` by Fastify.
  for (const res of inFlight) {
    if (res.headersSent) continue;
    res.shouldKeepAlive = false;
    res.setHeader('Connection', 'close');
  }
  let timer: NodeJS.Timeout | undefined;
  const closed = http.close();
  // An idle keep-alive connection, kept open by a client, would hold the server open until it times out.
  server.closeIdleConnections();
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  clearInterval(idle);
  server.closeAllConnections();
}

/** The responses not yet finished, to be told at drain time to close their connection. */
function trackResponses(server: Server): Set<ServerResponse> {
  const open = new Set<ServerResponse>();
  server.prependListener('request', (_req, res: ServerResponse) => {
    open.add(res);
    res.once('close', () => open.delete(res));
  });
  return open;
}

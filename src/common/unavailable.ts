/**
 * Whether an error means that PostgreSQL or Redis cannot be reached right now (a restart, a failover, a
 * network cut), so that the request can be answered 503 with `Retry-After` rather than 500: nothing of it was
 * applied (a transaction that lost its connection is rolled back by the server), and the same request a few
 * seconds later will work.
 */

/** Socket errors of a connection that could not be made or was cut. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * PostgreSQL's SQLSTATE classes and codes of a server that is going away or not there yet: connection
 * exceptions (08), shutting down or starting up (57P01-57P03), too many connections (53300).
 */
const PG_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Prisma's: cannot reach the server, timed out, server closed the connection. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017']);

/** node-postgres' and ioredis' own words when a connection ends or cannot be used. */
const MESSAGES = [
  /^Connection terminated/, // node-postgres: unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect/, // node-postgres' pool
  /^Client has encountered a connection error and is not queryable/,
  /^Connection is closed\.?$/, // ioredis
  /^Reached the max retries per request limit/, // ioredis' MaxRetriesPerRequestError
  /^Stream isn't writeable and enableOfflineQueue options is false/, // ioredis
];

export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const e = error as { code?: unknown; errorCode?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.errorCode === 'string' && PRISMA_CODES.has(e.errorCode)) return true;
  if (typeof e.code === 'string' && (SOCKET_CODES.has(e.code) || PG_CODES.has(e.code) || PRISMA_CODES.has(e.code) || /^08/.test(e.code)))
    return true;
  if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string))) return true;
  // An AggregateError (a connect to several addresses) or an error wrapping its cause.
  if (Array.isArray(e.errors) && e.errors.some((x) => isUnavailable(x, depth + 1))) return true;
  return isUnavailable(e.cause, depth + 1);
}

/** How long a client is asked to wait before trying again (seconds). */
export const RETRY_AFTER_SECONDS = 5;

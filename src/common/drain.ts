import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';

/**
 * Reads and drops what the client is still sending before the answer goes out. A server that answers a body it
 * refused (a file over MAX_UPLOAD_MB) while the client is still sending it and then closes the connection makes
 * the client see a reset, which a browser shows as a network error, not as the answer. Bounded by `limitMs`.
 */
export async function drain(raw: IncomingMessage, limitMs = 15000): Promise<void> {
  if (raw.readableEnded || raw.destroyed) return;
  raw.resume();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    once(raw, 'end'),
    once(raw, 'close'),
    new Promise((resolve) => {
      timer = setTimeout(resolve, limitMs);
    }),
  ]).catch(() => undefined);
  clearTimeout(timer);
}

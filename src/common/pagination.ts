import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { InvalidInput } from './errors.js';

/** `limit` (default 50, at most 500) and an opaque `cursor`, the same for every list route of the contract. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/**
 * A cursor of a list ordered by time then id (`at|id`, as encodeCursor wrote it): undefined for the first page,
 * InvalidInput for one that is not such a cursor, so that a tampered `?cursor=` is a 400, never a database error.
 */
export function decodeTimeCursor(cursor: string | undefined): { at: string; id: string } | undefined {
  const text = decodeCursor(cursor);
  if (text === undefined) return undefined;
  const [at, id = ''] = text.split('|');
  if (!at || Number.isNaN(Date.parse(at))) throw new InvalidInput('cursor_invalid');
  return { at, id };
}

/** Builds a page from `limit + 1` rows fetched in key order. */
export function toPage<T>(rows: T[], limit: number, key: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(key(items[items.length - 1])) : null };
}

/**
 * A history's page: without `limit` the whole history, as before; with it, `limit` events after seq `after`. The
 * body stays the bare array; the next page's address comes in `Link: <...>; rel="next"` and its seq in
 * `X-Next-Cursor` (see historyPageHeaders).
 */
export class HistoryQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, description: 'events per page (all of them when absent)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'the seq after which the page starts (X-Next-Cursor of the previous page)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}

/**
 * Reads one page of a history with `read(afterSeq, limit)` (asking one more than the page to know if another
 * follows) and sets the next page's headers on `reply`.
 */
export async function historyPage<T extends { seq: number }>(
  query: HistoryQuery,
  path: string,
  reply: { header(name: string, value: string): unknown },
  read: (page: { afterSeq?: number; limit?: number }) => Promise<T[]>,
): Promise<T[]> {
  if (query.limit === undefined) return read({ afterSeq: query.after });
  const rows = await read({ afterSeq: query.after, limit: query.limit + 1 });
  if (rows.length <= query.limit) return rows;
  const page = rows.slice(0, query.limit);
  const next = String(page[page.length - 1].seq);
  reply.header('X-Next-Cursor', next);
  reply.header('Link', `<${path}?limit=${query.limit}&after=${next}>; rel="next"`);
  return page;
}

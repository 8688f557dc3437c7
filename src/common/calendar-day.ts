import { InvalidInput } from './errors.js';

/** Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving). */
export const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;

/** What a day field accepts at the edge: YYYY-MM-DD, or dd/mm/yyyy as Vietnamese write it (d/m/yyyy too). */
export const DAY_PATTERN = /^(\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{4})$/;

/** Today's date in Vietnam at `now`, as YYYY-MM-DD. */
export function todayInVietnam(now: Date): string {
  return new Date(now.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** `dd/mm/yyyy` (one-digit day and month taken) rewritten `YYYY-MM-DD`, whether or not such a day exists; null when not of that form. */
export function dmyToIso(value: string): string | null {
  const vn = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  return vn ? `${vn[3]}-${vn[2].padStart(2, '0')}-${vn[1].padStart(2, '0')}` : null;
}

/** A real calendar day written YYYY-MM-DD or dd/mm/yyyy, as YYYY-MM-DD; null when it is neither, or no such day (30/02). */
export function parseDay(value: string): string | null {
  const iso = dmyToIso(value) ?? (/^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null);
  if (iso === null) return null;
  const day = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === iso ? iso : null;
}

/**
 * A day something happened (a receipt, a loan's disbursement, a pledge): a real calendar day, YYYY-MM-DD or
 * dd/mm/yyyy, not after today in Vietnam at `now`. Returns it as YYYY-MM-DD; InvalidInput `real_date` naming the
 * field otherwise.
 */
export function pastDay(value: string, field: string, now: Date): string {
  const day = parseDay(value);
  if (day === null || day > todayInVietnam(now))
    throw new InvalidInput('real_date', { field }, [
      {
        field,
        messages: [`${field} must be a real day (dd/mm/yyyy or YYYY-MM-DD), not in the future`],
        keys: [{ key: 'real_date', params: { field } }],
      },
    ]);
  return day;
}

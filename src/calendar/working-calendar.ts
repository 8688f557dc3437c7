import Holidays from 'date-holidays';
import { todayInVietnam, VIETNAM_OFFSET_MS } from '../common/calendar-day.js';

/** Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving), so local dates are UTC shifted by seven hours. */
const OFFSET_MS = VIETNAM_OFFSET_MS;
const DAY_MS = 24 * 3600 * 1000;

/** The day in Vietnam at `instant`, YYYY-MM-DD. */
const localDate = todayInVietnam;

/**
 * Vietnamese working days in the business time zone: Monday to Friday, minus the public holidays
 * date-holidays knows for VN (lunar ones included; `public` entries only, not observances), minus the
 * closed days a deployment adds (the government's announced Tết break, compensatory days).
 */
export class WorkingCalendar {
  private readonly holidays = new Holidays('VN');
  private readonly publicDays = new Map<number, Set<string>>();
  private closed = new Set<string>();

  setClosedDays(days: Iterable<string>): void {
    this.closed = new Set(days);
  }

  private publicHolidays(year: number): Set<string> {
    let days = this.publicDays.get(year);
    if (!days) {
      days = new Set<string>();
      // A holiday may span several days (date-holidays gives Tết as New Year's Eve to the fourth day).
      for (const h of (this.holidays.getHolidays(year) || []).filter((h) => h.type === 'public')) {
        for (let t = h.start.getTime(); t < h.end.getTime(); t += DAY_MS) days.add(localDate(new Date(t)));
      }
      this.publicDays.set(year, days);
    }
    return days;
  }

  /** Whether the local day containing `instant` is a working day. */
  isWorkingDay(instant: Date): boolean {
    const local = new Date(instant.getTime() + OFFSET_MS);
    const weekday = local.getUTCDay();
    if (weekday === 0 || weekday === 6) return false;
    const day = local.toISOString().slice(0, 10);
    return !this.publicHolidays(local.getUTCFullYear()).has(day) && !this.closed.has(day);
  }

  /** The same local time `days` working days later (or earlier, for negative `days`). */
  addWorkingDays(from: Date, days: number): Date {
    const step = days >= 0 ? 1 : -1;
    let remaining = Math.abs(days);
    let t = from.getTime();
    while (remaining > 0) {
      t += step * DAY_MS;
      if (this.isWorkingDay(new Date(t))) remaining--;
    }
    return new Date(t);
  }

  addCalendarDays(from: Date, days: number): Date {
    return new Date(from.getTime() + days * DAY_MS);
  }

  /** Working days strictly after `from` up to and including `to` (for "n working days left"). */
  workingDaysBetween(from: Date, to: Date): number {
    let count = 0;
    for (let t = from.getTime() + DAY_MS; t <= to.getTime(); t += DAY_MS) if (this.isWorkingDay(new Date(t))) count++;
    return count;
  }

  static localDate = localDate;
}

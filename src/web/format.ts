import type { Locale } from '../common/messages.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';

const ZONE = 'Asia/Ho_Chi_Minh';
const dateParts = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, day: '2-digit', month: '2-digit', year: 'numeric' });
const timeParts = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** `dd/mm/yyyy` in Vietnam's time zone, whatever the language. */
export function formatDate(value: Date | string): string {
  return dateParts.format(new Date(value));
}

/** `HH:mm dd/mm/yyyy` in Vietnam's time zone. */
export function formatDateTime(value: Date | string): string {
  const at = new Date(value);
  return `${timeParts.format(at)} ${dateParts.format(at)}`;
}

/** A plain `YYYY-MM-DD` (a decision's date) as `dd/mm/yyyy`. */
export function formatDay(isoDay: string): string {
  const [y, m, d] = isoDay.split('-');
  return d && m && y ? `${d}/${m}/${y}` : isoDay;
}

/** `1.234.567 đ`. */
export function formatMoney(vnd: number): string {
  return `${Math.round(vnd)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.')} đ`;
}

/** "Còn 3 ngày làm việc" / "Quá hạn 2 ngày" / "Hạn hôm nay": how far a due time is, in working days. */
export function dueWords(locale: Locale, dueAt: Date | string, now: Date, calendar: WorkingCalendar): { text: string; late: boolean } {
  const due = new Date(dueAt);
  if (due.getTime() < now.getTime()) {
    const days = calendar.workingDaysBetween(due, now);
    if (days === 0) return { text: locale === 'vi' ? 'Quá hạn' : 'Overdue', late: true };
    return { text: locale === 'vi' ? `Quá hạn ${days} ngày` : `${days} ${days === 1 ? 'day' : 'days'} overdue`, late: true };
  }
  const days = calendar.workingDaysBetween(now, due);
  if (days === 0) return { text: locale === 'vi' ? 'Hạn trong hôm nay' : 'Due today', late: false };
  return {
    text: locale === 'vi' ? `Còn ${days} ngày làm việc` : `${days} working ${days === 1 ? 'day' : 'days'} left`,
    late: false,
  };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkingCalendar } from './working-calendar.js';

/** Local (Asia/Ho_Chi_Minh, UTC+7) date and time → instant. */
const at = (day: string, time = '09:00') => new Date(`${day}T${time}:00+07:00`);
const local = (d: Date) => WorkingCalendar.localDate(d);

function announced(): WorkingCalendar {
  const file = JSON.parse(readFileSync(join(process.cwd(), 'prisma', 'seed', 'closed-days.json'), 'utf8')) as { days: { day: string }[] };
  const calendar = new WorkingCalendar();
  calendar.setClosedDays(file.days.map((d) => d.day));
  return calendar;
}

describe('WorkingCalendar', () => {
  const plain = new WorkingCalendar();
  const withBreaks = announced();

  it('a Friday plus one working day is the Monday after, at the same local time', () => {
    const friday = at('2026-03-06', '14:30');
    const next = plain.addWorkingDays(friday, 1);
    expect(local(next)).toBe('2026-03-09');
    expect(next.toISOString()).toBe(at('2026-03-09', '14:30').toISOString());
    expect(local(withBreaks.addWorkingDays(friday, 1))).toBe('2026-03-09');
  });

  it('weekends are not working days, in local time', () => {
    expect(plain.isWorkingDay(at('2026-03-07'))).toBe(false); // Saturday
    expect(plain.isWorkingDay(at('2026-03-08'))).toBe(false); // Sunday
    expect(plain.isWorkingDay(at('2026-03-09'))).toBe(true);
    // 18:00 UTC on Friday is 01:00 on Saturday in Vietnam.
    expect(plain.isWorkingDay(new Date('2026-03-06T18:00:00Z'))).toBe(false);
    expect(plain.isWorkingDay(new Date('2026-03-06T16:59:59Z'))).toBe(true);
  });

  it('Tết 2026 with the announced break: Friday 13 February + 1 working day = Monday 23 February', () => {
    expect(local(withBreaks.addWorkingDays(at('2026-02-13'), 1))).toBe('2026-02-23');
    for (const day of ['2026-02-14', '2026-02-16', '2026-02-18', '2026-02-20', '2026-02-22']) {
      expect(withBreaks.isWorkingDay(at(day))).toBe(false);
    }
  });

  it("Tết 2026 without closed days: date-holidays' public days (16–20 February) still skip", () => {
    for (const day of ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20']) {
      expect(plain.isWorkingDay(at(day))).toBe(false);
    }
    expect(plain.isWorkingDay(at('2026-02-13'))).toBe(true);
    expect(plain.isWorkingDay(at('2026-02-23'))).toBe(true);
    expect(local(plain.addWorkingDays(at('2026-02-13'), 1))).toBe('2026-02-23');
  });

  it('observances are working days; public holidays are not', () => {
    expect(plain.isWorkingDay(at('2026-02-03'))).toBe(true); // Ngày thành lập Đảng (observance)
    expect(plain.isWorkingDay(at('2026-03-03'))).toBe(true); // Tết Nguyên Tiêu (observance)
    expect(plain.isWorkingDay(at('2026-01-01'))).toBe(false);
    expect(plain.isWorkingDay(at('2026-04-30'))).toBe(false);
    expect(plain.isWorkingDay(at('2026-05-01'))).toBe(false);
    expect(plain.isWorkingDay(at('2026-09-02'))).toBe(false);
  });

  it('announced days that date-holidays does not know move deadlines', () => {
    // Tết 2027: 4 and 10 February are announced, 5–9 are public.
    expect(local(plain.addWorkingDays(at('2027-02-03'), 1))).toBe('2027-02-04');
    expect(local(withBreaks.addWorkingDays(at('2027-02-03'), 1))).toBe('2027-02-11');
    // Compensatory day for Hùng Kings' day falling on Sunday 26 April 2026.
    expect(local(plain.addWorkingDays(at('2026-04-24'), 1))).toBe('2026-04-27');
    expect(local(withBreaks.addWorkingDays(at('2026-04-24'), 1))).toBe('2026-04-28');
    // National day: 1 September announced, 2 September public.
    expect(local(withBreaks.addWorkingDays(at('2026-08-31'), 1))).toBe('2026-09-03');
  });

  it('ten working days across Tết 2026 (a review period)', () => {
    // From Tuesday 10 February: 11, 12, 13 (3), the break to Sunday 22, 23..27 (8), then 2 and 3 March.
    expect(local(withBreaks.addWorkingDays(at('2026-02-10'), 10))).toBe('2026-03-03');
    expect(withBreaks.workingDaysBetween(at('2026-02-10'), at('2026-03-03'))).toBe(10);
    // In 2026 the announced break adds only weekend days to date-holidays' public 16–20 February.
    expect(local(plain.addWorkingDays(at('2026-02-10'), 10))).toBe('2026-03-03');
  });

  it('counts backwards for reminders', () => {
    expect(local(withBreaks.addWorkingDays(at('2026-02-23'), -1))).toBe('2026-02-13');
    expect(local(withBreaks.addWorkingDays(at('2026-03-03'), -2))).toBe('2026-02-27');
    expect(local(plain.addWorkingDays(at('2026-03-09'), -1))).toBe('2026-03-06');
    expect(plain.addWorkingDays(at('2026-03-09'), 0).toISOString()).toBe(at('2026-03-09').toISOString());
  });

  it('counts working days between two instants', () => {
    expect(plain.workingDaysBetween(at('2026-03-06'), at('2026-03-09'))).toBe(1);
    expect(plain.workingDaysBetween(at('2026-03-09'), at('2026-03-09'))).toBe(0);
    expect(withBreaks.workingDaysBetween(at('2026-02-13'), at('2026-02-23'))).toBe(1);
  });

  it('calendar days ignore holidays', () => {
    expect(local(withBreaks.addCalendarDays(at('2026-02-13'), 10))).toBe('2026-02-23');
    expect(local(withBreaks.addCalendarDays(at('2026-02-13'), 1))).toBe('2026-02-14');
  });

  it('setClosedDays replaces the previous list', () => {
    const calendar = new WorkingCalendar();
    calendar.setClosedDays(['2026-03-09']);
    expect(calendar.isWorkingDay(at('2026-03-09'))).toBe(false);
    calendar.setClosedDays([]);
    expect(calendar.isWorkingDay(at('2026-03-09'))).toBe(true);
  });
});

import { WorkingCalendar } from '../calendar/working-calendar.js';
import { DeadlineClock } from './deadlines.js';
import type { Deadline, DelayMeaning } from './definition.js';

const at = (day: string, time = '09:00') => new Date(`${day}T${time}:00+07:00`);
const local = (d: Date) => WorkingCalendar.localDate(d);
/** A deadline as `deadline()` declares one; the delays' names do not matter here. */
const spec = (id: string, length: Omit<Deadline, 'id' | 'delays'>): Deadline => ({
  id,
  ...length,
  delays: { due: 'due', reminder: 'reminder' },
});
const meaning = (deadline: Deadline, kind: 'due' | 'reminder'): DelayMeaning => ({ deadline, kind });

describe('DeadlineClock', () => {
  const calendar = new WorkingCalendar();
  calendar.setClosedDays(['2026-02-14', '2026-02-15', '2026-02-21', '2026-02-22']);
  const review = spec('test.review', { days: 10, calendar: 'working', reminderBefore: 2 });
  const due = meaning(review, 'due');
  const reminder = meaning(review, 'reminder');

  it('counts working days for the due time and working days back for the reminder', () => {
    const clock = new DeadlineClock(calendar, {});
    const from = at('2026-02-10', '15:45');
    expect(clock.dueAt(due, from).toISOString()).toBe(at('2026-03-03', '15:45').toISOString());
    expect(local(clock.dueAt(reminder, from))).toBe('2026-02-27');
  });

  it('counts calendar days for calendar deadlines', () => {
    const clock = new DeadlineClock(calendar, {});
    const consultation = spec('x.consultation', { days: 10, calendar: 'calendar', reminderBefore: 3 });
    const from = at('2026-02-10');
    expect(local(clock.dueAt(meaning(consultation, 'due'), from))).toBe('2026-02-20');
    expect(local(clock.dueAt(meaning(consultation, 'reminder'), from))).toBe('2026-02-17');
  });

  it('an override replaces the length; the reminder keeps its share of the period', () => {
    const clock = new DeadlineClock(calendar, { 'test.review': 'PT2S' });
    const from = new Date('2026-02-13T02:00:00.000Z');
    expect(clock.dueAt(due, from).getTime()).toBe(from.getTime() + 2000);
    expect(clock.dueAt(reminder, from).getTime()).toBe(from.getTime() + 1600);
    // Other deadlines are not overridden.
    const other = spec('other.review', { days: 10, calendar: 'working', reminderBefore: 2 });
    expect(local(clock.dueAt(meaning(other, 'due'), from))).not.toBe(local(from));
  });

  it('a reminder without reminderBefore falls on the due time', () => {
    const clock = new DeadlineClock(calendar, { 'test.review': 'PT10S' });
    const short = spec('test.review', { days: 5, calendar: 'working' });
    const from = new Date('2026-03-02T02:00:00.000Z');
    expect(clock.dueAt(meaning(short, 'reminder'), from).getTime()).toBe(from.getTime() + 10_000);
    const plain = new DeadlineClock(calendar, {});
    expect(plain.dueAt(meaning(short, 'reminder'), from).getTime()).toBe(plain.dueAt(meaning(short, 'due'), from).getTime());
  });
});

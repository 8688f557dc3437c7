import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { DelayMeaning } from './definition.js';
import { durationMs } from './iso-duration.js';

/**
 * Due times of deadlines and their reminders. A deadline counts working or calendar days from `from`; an
 * override (DEADLINE_OVERRIDES) replaces its length by a duration, and its reminder keeps its share of the
 * period (2 days before the end of 10 becomes 20% of the override before the end).
 */
export class DeadlineClock {
  constructor(
    private readonly calendar: WorkingCalendar,
    private readonly overrides: Record<string, string>,
  ) {}

  dueAt({ deadline, kind }: DelayMeaning, from: Date): Date {
    const override = this.overrides[deadline.id];
    if (override) {
      const length = durationMs(override);
      const due = from.getTime() + length;
      if (kind === 'due') return new Date(due);
      const share = (deadline.reminderBefore ?? 0) / deadline.days;
      return new Date(due - Math.round(length * share));
    }
    const add = (d: Date, n: number) =>
      deadline.calendar === 'working' ? this.calendar.addWorkingDays(d, n) : this.calendar.addCalendarDays(d, n);
    const due = add(from, deadline.days);
    if (kind === 'due') return due;
    return add(due, -(deadline.reminderBefore ?? 0));
  }
}

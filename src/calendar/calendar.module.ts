import { Global, Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { DB, type Db } from '../database/db.js';
import { WorkingCalendar } from './working-calendar.js';

/** Loads the announced closed days (prisma/seed/closed-days.json) once, then the table, into the calendar. */
async function loadCalendar(db: Db): Promise<WorkingCalendar> {
  const file = JSON.parse(readFileSync(join(process.cwd(), 'prisma', 'seed', 'closed-days.json'), 'utf8')) as {
    days: { day: string; reason: string }[];
  };
  const days = file.days.map((d) => d.day);
  const reasons = file.days.map((d) => d.reason.normalize('NFC'));
  await sql`INSERT INTO closed_days (day, reason) SELECT * FROM unnest(${days}::date[], ${reasons}::text[]) ON CONFLICT (day) DO NOTHING`.execute(
    db,
  );
  const rows = await db
    .selectFrom('closed_days')
    .select(sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'))
    .execute();
  const calendar = new WorkingCalendar();
  calendar.setClosedDays(rows.map((r) => r.day));
  return calendar;
}

@Global()
@Module({
  providers: [{ provide: WorkingCalendar, inject: [DB], useFactory: loadCalendar }],
  exports: [WorkingCalendar],
})
export class CalendarModule {}

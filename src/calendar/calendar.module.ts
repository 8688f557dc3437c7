import { Global, Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import { WorkingCalendar } from './working-calendar.js';

/** Loads the announced closed days (prisma/seed/closed-days.json) once, then the table, into the calendar. */
async function loadCalendar(pool: pg.Pool): Promise<WorkingCalendar> {
  const file = JSON.parse(readFileSync(join(process.cwd(), 'prisma', 'seed', 'closed-days.json'), 'utf8')) as {
    days: { day: string; reason: string }[];
  };
  await pool.query(`INSERT INTO closed_days (day, reason) SELECT * FROM unnest($1::date[], $2::text[]) ON CONFLICT (day) DO NOTHING`, [
    file.days.map((d) => d.day),
    file.days.map((d) => d.reason.normalize('NFC')),
  ]);
  const { rows } = await pool.query<{ day: string }>(`SELECT to_char(day, 'YYYY-MM-DD') AS day FROM closed_days`);
  const calendar = new WorkingCalendar();
  calendar.setClosedDays(rows.map((r) => r.day));
  return calendar;
}

@Global()
@Module({
  providers: [{ provide: WorkingCalendar, inject: [PG_POOL], useFactory: loadCalendar }],
  exports: [WorkingCalendar],
})
export class CalendarModule {}

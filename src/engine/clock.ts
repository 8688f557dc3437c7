/**
 * The time the engine stamps on events and counts deadlines from. The system clock in service; a test may
 * provide another (AppOverrides.clock).
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

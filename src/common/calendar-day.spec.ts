import { InvalidInput } from './errors.js';
import { parseDay, pastDay, todayInVietnam } from './calendar-day.js';

describe('calendar days', () => {
  it('reads YYYY-MM-DD and dd/mm/yyyy, and only real days', () => {
    expect(parseDay('2026-12-01')).toBe('2026-12-01');
    expect(parseDay('01/12/2026')).toBe('2026-12-01');
    expect(parseDay('1/2/2024')).toBe('2024-02-01');
    expect(parseDay('29/02/2024')).toBe('2024-02-29');
    for (const bad of ['29/02/2026', '2026-02-30', '2026-13-01', '32/01/2026', '2026-1-1', 'hôm qua', '', '01/12/26', '2026-12-01T00:00'])
      expect(parseDay(bad)).toBeNull();
  });

  it("today is Vietnam's: 17:00 UTC is already the next day there", () => {
    expect(todayInVietnam(new Date('2026-12-07T16:59:59Z'))).toBe('2026-12-07');
    expect(todayInVietnam(new Date('2026-12-07T17:00:00Z'))).toBe('2026-12-08');
  });

  it('a day something happened is not after today in Vietnam', () => {
    const now = new Date('2026-12-07T17:30:00Z'); // 00:30 on 08/12 in Vietnam
    expect(pastDay('08/12/2026', 'receivedAt', now)).toBe('2026-12-08');
    expect(pastDay('2020-03-15', 'disbursedOn', now)).toBe('2020-03-15');
    expect(() => pastDay('09/12/2026', 'receivedAt', now)).toThrow(InvalidInput);
    expect(() => pastDay('2026-02-30', 'pledgedOn', now)).toThrow(InvalidInput);
  });
});

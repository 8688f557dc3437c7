import { durationMs } from './iso-duration.js';

describe('durationMs', () => {
  it.each([
    ['PT2S', 2000],
    ['PT0.5S', 500],
    ['PT1M30S', 90_000],
    ['PT1H', 3_600_000],
    ['P1D', 86_400_000],
    ['P1W', 7 * 86_400_000],
    ['P1DT1H', 90_000_000],
    ['P1M', 30 * 86_400_000],
    ['P1Y', 365 * 86_400_000],
  ])('%s is %d ms', (iso, ms) => {
    expect(durationMs(iso)).toBe(ms);
  });

  it.each(['P', 'PT', '2S', 'PT2', 'P1H', '', 'PTS'])('refuses %j', (iso) => {
    expect(() => durationMs(iso)).toThrow(/not an ISO 8601 duration/);
  });
});

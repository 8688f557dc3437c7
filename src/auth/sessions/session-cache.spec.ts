import { SessionCache } from './session-cache.js';

describe('SessionCache', () => {
  let now = 1_000_000;
  const clock = () => now;
  const row = (expiresInMs = 3_600_000) => ({ expiresAt: new Date(now + expiresInMs) });

  it('keeps nothing until it hears changes', () => {
    const cache = new SessionCache(1000, 10, clock);
    cache.set('a', row());
    expect(cache.get('a')).toBeUndefined();
    cache.setLive(true);
    cache.set('a', row());
    expect(cache.get('a')).toBeDefined();
  });

  it('forgets an entry after its time, and never serves a session past its expiry', () => {
    const cache = new SessionCache(1000, 10, clock);
    cache.setLive(true);
    cache.set('a', row());
    cache.set('b', row(200));
    now += 300;
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('b')).toBeUndefined();
    now += 800;
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops everything on a change and when it stops hearing changes', () => {
    const cache = new SessionCache(1000, 10, clock);
    cache.setLive(true);
    cache.set('a', row());
    cache.clear();
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', row());
    cache.setLive(false);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most its capacity, the oldest going first', () => {
    const cache = new SessionCache(1000, 2, clock);
    cache.setLive(true);
    cache.set('a', row());
    cache.set('b', row());
    cache.set('c', row());
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
    expect(cache.size).toBe(2);
  });
});

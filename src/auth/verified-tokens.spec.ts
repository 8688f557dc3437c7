import { VerifiedTokens } from './verified-tokens.js';

describe('VerifiedTokens', () => {
  it('gives back the claims of a verified token until the second it expires', () => {
    const tokens = new VerifiedTokens<{ exp: number; sub: string }>();
    tokens.set('a', { exp: 1000, sub: 'u1' }, 900);
    expect(tokens.get('a', 999)).toEqual({ exp: 1000, sub: 'u1' });
    // jsonwebtoken: expired when now >= exp.
    expect(tokens.get('a', 1000)).toBeUndefined();
    expect(tokens.size).toBe(0);
    expect(tokens.get('a', 999)).toBeUndefined();
  });

  it('keeps no token without an expiry, nor one that is not valid yet or already expired', () => {
    const tokens = new VerifiedTokens<{ exp?: number; nbf?: number }>();
    tokens.set('no-exp', {}, 100);
    tokens.set('early', { exp: 500, nbf: 200 }, 100);
    tokens.set('late', { exp: 50 }, 100);
    expect(tokens.size).toBe(0);
    tokens.set('ok', { exp: 500, nbf: 100 }, 100);
    expect(tokens.get('ok', 100)).toBeDefined();
  });

  it('drops the oldest token when full', () => {
    const tokens = new VerifiedTokens<{ exp: number }>(2);
    tokens.set('a', { exp: 10 }, 0);
    tokens.set('b', { exp: 10 }, 0);
    tokens.set('b', { exp: 10 }, 0);
    tokens.set('c', { exp: 10 }, 0);
    expect(tokens.size).toBe(2);
    expect(tokens.get('a', 1)).toBeUndefined();
    expect(tokens.get('b', 1)).toBeDefined();
    expect(tokens.get('c', 1)).toBeDefined();
  });
});

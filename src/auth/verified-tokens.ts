/** What a verified token carries that decides how long it stays valid (seconds since the epoch). */
export interface TimedClaims {
  exp?: number;
  nbf?: number;
}

/**
 * Bearer tokens this process has already verified, with their claims, until they expire. A client sends the
 * same token with every request, and checking its HMAC signature (with the base64 and JSON decoding around
 * it) cost about 5% of a REVIEW_CRITERION request's CPU. A token's signature cannot change once checked; its
 * expiry is checked on every use, with jsonwebtoken's rule (expired when now >= exp). Bounded: the oldest
 * entry goes when the map is full.
 */
export class VerifiedTokens<T extends TimedClaims> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity = 10_000) {}

  /** The claims of a token verified before and still valid at `nowSeconds`; undefined otherwise. */
  get(token: string, nowSeconds: number): T | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    if (!VerifiedTokens.validAt(claims, nowSeconds)) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  /** Remembers a token whose signature and times were just verified. */
  set(token: string, claims: T, nowSeconds: number): void {
    // Without an expiry a token would be trusted forever; one not valid yet is checked again next time.
    if (claims.exp === undefined || !VerifiedTokens.validAt(claims, nowSeconds)) return;
    if (!this.entries.has(token) && this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, claims);
  }

  get size(): number {
    return this.entries.size;
  }

  private static validAt(claims: TimedClaims, nowSeconds: number): boolean {
    return (claims.exp === undefined || nowSeconds < claims.exp) && (claims.nbf === undefined || claims.nbf <= nowSeconds);
  }
}

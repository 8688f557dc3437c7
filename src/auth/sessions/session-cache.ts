/**
 * The sessions a process has just looked up, kept for at most `ttlMs` so that a client's burst of requests
 * costs one lookup rather than one each. It is used only while `live` (the process is listening for the
 * database's word that sessions changed, see session-lookup.ts): otherwise every lookup goes to the database.
 * A hit never outlives the session's own expiry.
 */
export class SessionCache<T extends { expiresAt: Date }> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  private live = false;

  constructor(
    private readonly ttlMs: number,
    private readonly capacity = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): T | undefined {
    if (!this.live) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const t = this.now();
    if (entry.until <= t || entry.value.expiresAt.getTime() <= t) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T): void {
    if (!this.live) return;
    if (!this.entries.has(key) && this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
  }

  /** Something changed (or may have, unseen): nothing kept is trusted. */
  clear(): void {
    this.entries.clear();
  }

  /** Whether changes are heard: caching is on only then, and everything kept is dropped when it goes off. */
  setLive(live: boolean): void {
    this.live = live;
    this.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

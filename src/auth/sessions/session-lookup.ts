import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { SessionKind } from '../../generated/kysely/enums.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { PgListener } from '../../database/pg-listener.js';
import { SessionCache } from './session-cache.js';
import { SessionsRepository, type SessionRow } from './sessions.repository.js';

/** How long a looked-up session is kept: a bound on staleness even if the database's word were lost. */
const KEEP_MS = 1000;

/**
 * Finds live sessions for every request (the API's guard, the pages' guard) and ends them (sign-out,
 * deactivation). A lookup is kept for a second, and only while this process listens to the database's
 * `ntm_sessions` notice, which triggers send at the commit of anything that ends a session or changes its user
 * or unit: each process then forgets what it kept. The process that ends a session forgets at once.
 */
@Injectable()
export class SessionLookup implements OnModuleDestroy {
  private readonly logger = new Logger('Sessions');
  private readonly cache = new SessionCache<SessionRow>(KEEP_MS);
  private listener?: PgListener;

  constructor(
    private readonly sessions: SessionsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The live session of this kind (see SessionsRepository.findLive), at most a second old. */
  async find(id: string, kind: SessionKind, idleSeconds?: number): Promise<SessionRow | null> {
    this.listen();
    const key = `${kind}:${id}`;
    const kept = this.cache.get(key);
    if (kept && (idleSeconds === undefined || Date.now() - kept.lastSeenAt.getTime() < idleSeconds * 1000)) return kept;
    const row = await this.sessions.findLive(id, kind, idleSeconds);
    if (row) this.cache.set(key, row);
    return row;
  }

  /** Ends one session (sign-out). */
  async end(id: string): Promise<void> {
    await this.sessions.delete(id);
    this.cache.clear();
  }

  /** Ends every session of a user (deactivation); returns how many there were. */
  async endForUser(userId: string): Promise<number> {
    const n = await this.sessions.deleteForUser(userId);
    this.cache.clear();
    return n;
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener?.stop();
  }

  /** Starts listening, once, on the first lookup (a process that serves no request keeps no connection for it). */
  private listen(): void {
    if (this.listener) return;
    this.listener = new PgListener(
      this.config.databaseUrl,
      'ntm_sessions',
      () => this.cache.clear(),
      this.logger,
      (listening) => this.cache.setLive(listening),
    );
    this.listener.startSoon();
  }
}

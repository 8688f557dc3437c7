import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../../auth/actor.js';
import { newToken, tokenDigest } from '../../auth/sessions/session-token.js';
import { SessionsRepository, type SessionRow } from '../../auth/sessions/sessions.repository.js';
import { SessionLookup } from '../../auth/sessions/session-lookup.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';

export { newToken, sameToken } from '../../auth/sessions/session-token.js';

export const SESSION_COOKIE = 'ntm_session';
/** Before sign-in there is no session: the sign-in form's token is kept in a cookie of its own (double submit). */
export const SIGN_IN_CSRF_COOKIE = 'ntm_signin';
export const LANGUAGE_COOKIE = 'ntm_lang';

export interface WebSession {
  id: string;
  csrfToken: string;
  actor: Actor;
  user: SessionRow['user'];
}

export interface CookieOptions {
  httpOnly: boolean;
  sameSite: 'lax';
  secure: boolean;
  path: string;
  maxAge?: number;
}

/** A session's last use is written at most this often (seconds): enough for an idle timeout of minutes. */
const TOUCH_EVERY_SECONDS = 60;

/**
 * Server-side sessions for the pages: a random token in an HttpOnly cookie, its SHA-256 as the row's key (a
 * copy of the table signs nobody in), a CSRF token per session for every form that changes something. A
 * session ends at sign-out, after `SESSION_HOURS`, after `SESSION_IDLE_MINUTES` unused, or when its user is
 * deactivated.
 */
@Injectable()
export class WebSessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly lookup: SessionLookup,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Cookie attributes: HttpOnly, SameSite=Lax, Secure when the service is reached over https. */
  cookieOptions(maxAgeSeconds?: number): CookieOptions {
    return {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.publicUrl.startsWith('https:'),
      path: '/',
      ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
    };
  }

  get maxAgeSeconds(): number {
    return this.config.sessionHours * 3600;
  }

  private get idleSeconds(): number {
    return this.config.sessionIdleMinutes * 60;
  }

  /**
   * Opens a session for a user who has just proved its password; returns the cookie's token. The sessions
   * nobody can use any more are deleted on the way, so the table holds only live ones and the recent dead.
   */
  async open(userId: string): Promise<string> {
    const token = newToken();
    await this.sessions.purgeDead(this.idleSeconds);
    await this.sessions.insert({
      id: tokenDigest(token),
      userId,
      kind: 'WEB',
      csrfToken: newToken(),
      expiresAt: new Date(Date.now() + this.maxAgeSeconds * 1000),
    });
    return token;
  }

  /** The live session of a cookie's token, or null (none, expired, idle too long, signed out, user deactivated). */
  async find(token: string | undefined): Promise<WebSession | null> {
    if (!token) return null;
    const id = tokenDigest(token);
    const row = await this.lookup.find(id, 'WEB', this.idleSeconds);
    if (!row) return null;
    if (Date.now() - row.lastSeenAt.getTime() > TOUCH_EVERY_SECONDS * 1000) await this.sessions.touch(id);
    const { user } = row;
    return {
      id,
      csrfToken: row.csrfToken ?? '',
      user,
      actor: { id: user.id, username: user.username, role: user.role, unitId: user.unitId, unitPath: user.unitPath },
    };
  }

  async close(session: WebSession): Promise<void> {
    await this.lookup.end(session.id);
  }
}

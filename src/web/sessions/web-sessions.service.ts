import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../../auth/actor.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { SessionsRepository, type SessionRow } from './sessions.repository.js';

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

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether two tokens are the same, in constant time. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Server-side sessions for the pages: a random token in an HttpOnly cookie, its SHA-256 as the row's key (a
 * copy of the table signs nobody in), a CSRF token per session for every form that changes something.
 */
@Injectable()
export class WebSessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
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

  /** Opens a session for a user who has just proved its password; returns the cookie's token. */
  async open(userId: string): Promise<string> {
    const token = newToken();
    await this.sessions.insert({
      id: digest(token),
      userId,
      csrfToken: newToken(),
      expiresAt: new Date(Date.now() + this.maxAgeSeconds * 1000),
    });
    return token;
  }

  /** The live session of a cookie's token, or null (none, expired, signed out, user deactivated). */
  async find(token: string | undefined): Promise<WebSession | null> {
    if (!token) return null;
    const id = digest(token);
    const row = await this.sessions.find(id);
    if (!row) return null;
    const { user } = row;
    return {
      id,
      csrfToken: row.csrfToken,
      user,
      actor: { id: user.id, username: user.username, role: user.role, unitId: user.unitId, unitPath: user.unitPath },
    };
  }

  async close(session: WebSession): Promise<void> {
    await this.sessions.delete(session.id);
  }
}

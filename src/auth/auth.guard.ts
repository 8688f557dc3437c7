import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { NotPermitted, Unauthenticated } from '../common/errors.js';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Role } from '../generated/kysely/enums.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { IS_PUBLIC, METRICS_SCRAPE, ROLES, type Actor } from './actor.js';
import { tokenDigest } from './sessions/session-token.js';
import { SessionLookup } from './sessions/session-lookup.js';
import { VerifiedTokens } from './verified-tokens.js';

interface TokenClaims {
  /** The session this token belongs to (its row is keyed by the SHA-256 of this value). */
  sid: string;
  sub: string;
  username: string;
  role: Role;
  unitId: string;
  unitPath: string;
  exp?: number;
  nbf?: number;
}

/**
 * The single authorisation gate of every route: a valid bearer token whose session is live (401 otherwise),
 * then the route's roles (403 otherwise). What the caller may *see* is decided by the unit tree in the services
 * (404).
 *
 * The session is looked up on every request, so a sign-out or a deactivation ends the token at the caller's
 * next request, in every process; the role and unit are the user's as they are now, not as they were at
 * sign-in. The lookup is one primary-key read joined to the user (measured in the README's benchmark).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly verified = new VerifiedTokens<TokenClaims>();
  /** The SHA-256 of METRICS_TOKEN: digests have one length, so comparing them takes the same time whatever is sent. */
  private readonly metricsTokenDigest?: Buffer;

  constructor(
    private readonly jwt: JwtService,
    private readonly reflector: Reflector,
    private readonly sessions: SessionLookup,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.metricsToken) this.metricsTokenDigest = createHash('sha256').update(config.metricsToken).digest();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest();
    const header: string | undefined = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) throw new Unauthenticated('token_required');
    if (this.isMetricsToken(token) && this.reflector.getAllAndOverride<boolean>(METRICS_SCRAPE, targets)) return true;
    const now = Math.floor(Date.now() / 1000);
    let claims = this.verified.get(token, now);
    if (!claims) claims = await this.verify(token, now);
    const sessionId = tokenDigest(claims.sid);
    const session = await this.sessions.find(sessionId, 'API');
    if (!session || session.user.id !== claims.sub) throw new Unauthenticated('session_ended');
    const { user } = session;
    const actor: Actor = { id: user.id, username: user.username, role: user.role, unitId: user.unitId, unitPath: user.unitPath };
    request.actor = actor;
    request.authSessionId = sessionId;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(actor.role)) {
      throw new NotPermitted('role_may_not', { role: actor.role, roles: roles.join(' or ') });
    }
    return true;
  }

  /** Whether the bearer token is METRICS_TOKEN, compared in constant time (never, when it is not configured). */
  private isMetricsToken(token: string): boolean {
    if (!this.metricsTokenDigest) return false;
    return timingSafeEqual(createHash('sha256').update(token).digest(), this.metricsTokenDigest);
  }

  /** Checks the token's signature and times (401 when they fail) and remembers it for the next requests. */
  private async verify(token: string, now: number): Promise<TokenClaims> {
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token);
    } catch (err) {
      const expired = (err as Error).name === 'TokenExpiredError';
      throw new Unauthenticated(expired ? 'token_expired' : 'token_invalid');
    }
    // A token from before sessions existed names none: it cannot be ended, so it is not accepted.
    if (typeof claims.sid !== 'string' || claims.sid.length === 0) throw new Unauthenticated('token_invalid');
    this.verified.set(token, claims, now);
    return claims;
  }
}

export type { TokenClaims };

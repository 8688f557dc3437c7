import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { NotPermitted, Unauthenticated } from '../common/errors.js';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Role } from '../generated/prisma/enums.js';
import { IS_PUBLIC, ROLES, type Actor } from './actor.js';
import { VerifiedTokens } from './verified-tokens.js';

interface TokenClaims {
  sub: string;
  username: string;
  role: Role;
  unitId: string;
  unitPath: string;
  exp?: number;
  nbf?: number;
}

/**
 * The single authorisation gate of every route: a valid bearer token (401 otherwise), then the route's
 * roles (403 otherwise). What the caller may *see* is decided by the unit tree in the services (404).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly verified = new VerifiedTokens<TokenClaims>();

  constructor(
    private readonly jwt: JwtService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest();
    const header: string | undefined = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) throw new Unauthenticated('token_required');
    const now = Math.floor(Date.now() / 1000);
    let claims = this.verified.get(token, now);
    if (!claims) claims = await this.verify(token, now);
    const actor: Actor = {
      id: claims.sub,
      username: claims.username,
      role: claims.role,
      unitId: claims.unitId,
      unitPath: claims.unitPath,
    };
    request.actor = actor;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(actor.role)) {
      throw new NotPermitted('role_may_not', { role: actor.role, roles: roles.join(' or ') });
    }
    return true;
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
    this.verified.set(token, claims, now);
    return claims;
  }
}

export type { TokenClaims };

import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Actor } from './actor.js';
import type { TokenClaims } from './auth.guard.js';
import { LoginThrottle } from './login-throttle.js';
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from './password.js';
import { UsersRepository } from '../users/users.repository.js';
import { userView } from '../users/users.service.js';
import type { LoginResponse } from './auth.dto.js';
import type { UserView } from '../users/users.dto.js';
import { NotFound, Unauthenticated } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { newToken, tokenDigest } from './sessions/session-token.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { SessionLookup } from './sessions/session-lookup.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionsRepository,
    private readonly lookup: SessionLookup,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Checks a username and password under the sign-in throttle (429 with a growing wait after too many failures
   * from this address) and returns the
   * active user, for a token (the API) or a session (the pages).
   */
  async authenticate(username: string, password: string, address: string) {
    await this.throttle.assertAllowed(username, address);
    const found = await this.users.findCredentials(username);
    const ok = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH);
    if (!found || !ok || !found.active) {
      // assertAllowed already counted this attempt as a failure; the wait it may bring starts now.
      await this.throttle.recordFailure(username, address);
      throw new Unauthenticated('wrong_credentials');
    }
    await this.throttle.recordSuccess(username, address);
    // Made at a lower cost than today's: made again now, while the password is at hand.
    if (needsRehash(found.passwordHash)) await this.users.replacePasswordHash(found.id, found.passwordHash, await hashPassword(password));
    const { passwordHash: _hash, ...user } = found;
    return user;
  }

  /**
   * Signs in to the API: a session row that lasts as long as the token (`JWT_EXPIRES_IN`), and a token that
   * names it. Sessions nobody can use any more are deleted on the way.
   */
  async login(username: string, password: string, address: string): Promise<LoginResponse> {
    const { unit, ...user } = await this.authenticate(username, password, address);
    const sid = newToken();
    await this.sessions.purgeDead(this.config.sessionIdleMinutes * 60);
    await this.sessions.insert({
      id: tokenDigest(sid),
      userId: user.id,
      kind: 'API',
      expiresAt: new Date(Date.now() + this.config.jwt.expiresSeconds * 1000),
    });
    const claims: TokenClaims = {
      sid,
      sub: user.id,
      username: user.username,
      role: user.role,
      unitId: user.unitId,
      unitPath: unit.path,
    };
    return { accessToken: await this.jwt.signAsync(claims), user: userView(user) };
  }

  /** Ends the API session of the token the request came with. */
  async logout(sessionId: string): Promise<void> {
    await this.lookup.end(sessionId);
  }

  async me(actor: Actor): Promise<UserView> {
    const row = await this.users.findById(actor.id);
    if (!row) throw new NotFound('user');
    return userView(row);
  }
}

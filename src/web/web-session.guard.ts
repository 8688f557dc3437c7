import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { CsrfRefused, SignInRequired } from './web-errors.js';
import { field, type WebRequest } from './web-request.js';
import { SESSION_COOKIE, sameToken, WebSessionsService, type WebSession } from './sessions/web-sessions.service.js';

/** Refuses a form that changes something unless it carries its session's CSRF token. */
export function assertCsrf(session: WebSession | null | undefined, body: unknown): void {
  if (!session || !sameToken(field(body, '_csrf'), session.csrfToken)) throw new CsrfRefused();
}

/**
 * The pages' gate: a live session from the cookie (the sign-in page otherwise, which then comes back here), its
 * user as the request's actor, and the CSRF token on every form that is not a multipart upload (an upload's
 * token is among its fields, which the upload route reads and checks).
 */
@Injectable()
export class WebSessionGuard implements CanActivate {
  constructor(private readonly sessions: WebSessionsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WebRequest & { actor?: unknown }>();
    const session = await this.sessions.find(req.cookies?.[SESSION_COOKIE]);
    req.webSession = session;
    if (!session) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new CsrfRefused();
      throw new SignInRequired();
    }
    req.actor = session.actor;
    if (req.method !== 'GET' && req.method !== 'HEAD' && !req.isMultipart()) assertCsrf(session, req.body);
    return true;
  }
}

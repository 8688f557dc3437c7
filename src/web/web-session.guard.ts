import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CsrfRefused, SignInRequired } from './web-errors.js';
import { field, type WebRequest } from './web-request.js';
import { SESSION_COOKIE, sameToken, WebSessionsService, type WebSession } from './sessions/web-sessions.service.js';

/** Refuses a form that changes something unless it carries its session's CSRF token. */
export function assertCsrf(session: WebSession | null | undefined, body: unknown): void {
  if (!session || !sameToken(field(body, '_csrf'), session.csrfToken)) throw new CsrfRefused();
}

const CSRF_IN_UPLOAD = 'ntm:csrfAmongUploadFields';

/** A multipart upload route: its CSRF token is among the fields, which the route reads and checks itself. */
export const CsrfAmongUploadFields = () => SetMetadata(CSRF_IN_UPLOAD, true);

/**
 * The pages' gate: a live session from the cookie (the sign-in page otherwise, which then comes back here), its
 * user as the request's actor, and the CSRF token on every form that is not a multipart upload (an upload's
 * token is among its fields, which the upload route reads and checks).
 */
@Injectable()
export class WebSessionGuard implements CanActivate {
  constructor(
    private readonly sessions: WebSessionsService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WebRequest & { actor?: unknown }>();
    const session = await this.sessions.find(req.cookies?.[SESSION_COOKIE]);
    req.webSession = session;
    if (!session) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new CsrfRefused();
      throw new SignInRequired();
    }
    req.actor = session.actor;
    const upload = this.reflector.get<boolean>(CSRF_IN_UPLOAD, context.getHandler()) && req.isMultipart();
    if (req.method !== 'GET' && req.method !== 'HEAD' && !upload) assertCsrf(session, req.body);
    return true;
  }
}

import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/actor.js';
import { AuthService } from '../auth/auth.service.js';
import { DomainError, TooManyRequests } from '../common/errors.js';
import { say } from '../common/messages.js';
import { field, pageContext, safeNext, seeOther, sendHtml, type WebRequest } from './web-request.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import {
  LANGUAGE_COOKIE,
  newToken,
  sameToken,
  SESSION_COOKIE,
  SIGN_IN_CSRF_COOKIE,
  WebSessionsService,
} from './sessions/web-sessions.service.js';
import { render } from './views/layout.js';
import { SignInPage, type SignInProps } from './views/sign-in.page.js';
import { CsrfRefused } from './web-errors.js';
import { word } from './words.js';

type CookieReply = FastifyReply & {
  setCookie(name: string, value: string, options: object): FastifyReply;
  clearCookie(name: string, options: object): FastifyReply;
};

/** `/` and the pages' sign-in, sign-out and language switch. */
@ApiExcludeController()
@Public()
@Controller()
@UseFilters(WebExceptionFilter)
export class SignInController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: WebSessionsService,
  ) {}

  /** A stranger goes to sign-in, a signed-in user to the inbox (the inbox sends strangers to sign-in). */
  @Get()
  root(@Res() reply: FastifyReply) {
    reply.code(302).header('Location', '/app').send();
  }

  @Get('app/sign-in')
  async form(@Req() req: WebRequest, @Res() reply: CookieReply, @Query('next') next?: string) {
    const session = await this.sessions.find(req.cookies?.[SESSION_COOKIE]);
    if (session) return seeOther(reply, safeNext(next));
    this.show(req, reply, 200, { next: safeNext(next) });
  }

  @Post('app/sign-in')
  async signIn(@Req() req: WebRequest, @Res() reply: CookieReply, @Body() body: Record<string, unknown>) {
    const locale = pageContext(req).locale;
    const next = safeNext(field(body, 'next'));
    const username = (field(body, 'username') ?? '').trim();
    const password = field(body, 'password') ?? '';
    if (!sameToken(field(body, '_csrf'), req.cookies?.[SIGN_IN_CSRF_COOKIE])) {
      return this.show(req, reply, 403, { next, username, error: say(locale, new CsrfRefused().key) });
    }
    if (!username) return this.show(req, reply, 400, { next, username, error: word(locale, 'required'), errorField: 'username' });
    if (!password) return this.show(req, reply, 400, { next, username, error: word(locale, 'required'), errorField: 'password' });
    let user;
    try {
      user = await this.auth.authenticate(username, password, req.ip);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (err instanceof TooManyRequests) reply.header('Retry-After', String(err.retryAfterSeconds));
      return this.show(req, reply, err instanceof TooManyRequests ? 429 : 401, { next, username, error: say(locale, err.key, err.params) });
    }
    const token = await this.sessions.open(user.id);
    reply.setCookie(SESSION_COOKIE, token, this.sessions.cookieOptions(this.sessions.maxAgeSeconds));
    reply.clearCookie(SIGN_IN_CSRF_COOKIE, this.sessions.cookieOptions());
    seeOther(reply, next);
  }

  @Post('app/sign-out')
  async signOut(@Req() req: WebRequest, @Res() reply: CookieReply, @Body() body: Record<string, unknown>) {
    const session = await this.sessions.find(req.cookies?.[SESSION_COOKIE]);
    // Without its token a sign-out is refused like any other form (a page elsewhere could sign the user out).
    if (session && sameToken(field(body, '_csrf'), session.csrfToken)) await this.sessions.close(session);
    else if (session) throw new CsrfRefused();
    reply.clearCookie(SESSION_COOKIE, this.sessions.cookieOptions());
    seeOther(reply, '/app/sign-in');
  }

  /** The language switch: remembered in a cookie for a year. */
  @Get('app/language/:locale')
  language(@Param('locale') locale: string, @Query('next') next: string | undefined, @Res() reply: CookieReply) {
    const chosen = locale === 'en' ? 'en' : 'vi';
    reply.setCookie(LANGUAGE_COOKIE, chosen, { ...this.sessions.cookieOptions(365 * 24 * 3600) });
    seeOther(reply, safeNext(next));
  }

  private show(req: WebRequest, reply: CookieReply, status: number, props: Omit<SignInProps, 'csrf'>) {
    const csrf = req.cookies?.[SIGN_IN_CSRF_COOKIE] ?? newToken();
    reply.setCookie(SIGN_IN_CSRF_COOKIE, csrf, this.sessions.cookieOptions(3600));
    sendHtml(reply, status, render(<SignInPage ctx={pageContext(req)} props={{ ...props, csrf }} />));
  }
}

import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, NotFound, TooLarge } from '../common/errors.js';
import { say } from '../common/messages.js';
import { toHttpError } from '../common/exception.filter.js';
import { drain } from '../common/drain.js';
import { NoSuchPage, SignInRequired } from './web-errors.js';
import { pageContext, seeOther, sendHtml, type WebRequest } from './web-request.js';
import { ErrorPage } from './views/error.page.js';
import { render } from './views/layout.js';
import { word } from './words.js';

/**
 * What a page answers when something fails: the sign-in form for a missing session, and otherwise a page with
 * the reason in the user's language and the API's status (404 exactly where the API says not found). Forms
 * that can be corrected are answered by their own page with the message beside the field; this is the rest.
 */
@Catch()
export class WebExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Pages');

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const req = host.switchToHttp().getRequest<WebRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    const ctx = pageContext(req);
    const { locale } = ctx;
    if (exception instanceof SignInRequired) {
      seeOther(reply, `/app/sign-in?next=${encodeURIComponent(req.url)}`);
      return;
    }
    if (exception instanceof TooLarge) await drain(req.raw);
    const answer = toHttpError(exception, locale);
    if (!answer) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    const status = answer?.status ?? 500;
    const title = exception instanceof NotFound || status === 404 ? word(locale, 'notFoundTitle') : word(locale, 'errorTitle');
    const message =
      exception instanceof NoSuchPage
        ? word(locale, 'notFoundPage')
        : exception instanceof DomainError
          ? say(locale, exception.key, exception.params)
          : answer
            ? answer.body.message
            : say(locale, 'internal');
    for (const [name, value] of Object.entries(answer?.headers ?? {})) reply.header(name, value);
    sendHtml(reply, status, render(<ErrorPage ctx={ctx} title={title} message={message} />));
  }
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Locale } from '../common/messages.js';
import { LANGUAGE_COOKIE, type WebSession } from './sessions/web-sessions.service.js';
import type { PageContext } from './views/layout.js';

/** A page request after the session guard: its session (when signed in) and its cookies. */
export type WebRequest = FastifyRequest & { webSession?: WebSession | null; cookies: Record<string, string | undefined> };

/** The pages' language: the switch's cookie, Vietnamese otherwise. */
export function pageLocale(req: WebRequest): Locale {
  return req.cookies?.[LANGUAGE_COOKIE] === 'en' ? 'en' : 'vi';
}

export function pageContext(req: WebRequest, inboxCount?: number): PageContext {
  return { locale: pageLocale(req), path: req.url, session: req.webSession ?? null, inboxCount };
}

/**
 * The pages' Content-Security-Policy: helmet's defaults without any inline script or style, since the pages use
 * only their one style sheet and one script file (the API's documentation page keeps helmet's default).
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
  'upgrade-insecure-requests',
].join(';');

export function sendHtml(reply: FastifyReply, status: number, html: string): void {
  // Pages show one user's data: never kept by a shared cache, nor by the browser after sign-out.
  reply
    .code(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', PAGE_CSP)
    .send(html);
}

/** 303: after a form, the browser asks for the page with GET (post, redirect, get). */
export function seeOther(reply: FastifyReply, location: string): void {
  reply.code(303).header('Location', location).header('Cache-Control', 'no-store').send();
}

/** Where sign-in may send the user back to: a page of this service, never another site. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/app(?:[/?#]|$)/.test(next) || /[\\\r\n]/.test(next)) return '/app';
  // Re-encoded, so that a header can carry it ("ă" in a query would otherwise fail the redirect).
  const url = new URL(next, 'http://localhost');
  return `${url.pathname}${url.search}${url.hash}`;
}

/** A form's text field (the last, when a field is repeated). */
export function field(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(value)) return typeof value[value.length - 1] === 'string' ? (value[value.length - 1] as string) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** A form's repeated field (checkboxes) as a list. */
export function fields(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Locale } from '../../common/messages.js';
import { SCRIPT_PATH, STYLE_PATH } from '../assets.js';
import type { WebSession } from '../sessions/web-sessions.service.js';
import { ROLE_WORDS, word } from '../words.js';

/** What every page knows about the request it answers. */
export interface PageContext {
  locale: Locale;
  /** The path and query of this page, for the language switch and sign-in to come back to. */
  path: string;
  session?: WebSession | null;
  inboxCount?: number;
}

/** The hidden field every form that changes something carries. */
export function Csrf({ session }: { session?: WebSession | null }) {
  return session ? <input type="hidden" name="_csrf" value={session.csrfToken} /> : null;
}

/** A field's error, tied to the field by `aria-describedby`. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  return (
    <span class="field-error" id={id} role={message ? 'alert' : undefined}>
      {message ?? ''}
    </span>
  );
}

export function Layout({ ctx, title, children }: { ctx: PageContext; title: string; children: ComponentChildren }) {
  const { locale, session } = ctx;
  const other: Locale = locale === 'vi' ? 'en' : 'vi';
  return (
    <html lang={locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${word(locale, 'appName')}`}</title>
        <link rel="stylesheet" href={STYLE_PATH} />
        <script src={SCRIPT_PATH} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          {word(locale, 'skip')}
        </a>
        <header>
          <a class="brand" href="/app">
            {word(locale, 'appName')}
          </a>
          {session && (
            <span class="who">
              {session.user.fullName} · {ROLE_WORDS[session.user.role]?.[locale] ?? session.user.role} · {session.user.unitName}
            </span>
          )}
          <a href={`/app/language/${other}?next=${encodeURIComponent(ctx.path)}`} lang={other} title={word(locale, 'languageLabel')}>
            {word(locale, 'language')}
          </a>
          {session && (
            <form method="post" action="/app/sign-out">
              <Csrf session={session} />
              <button type="submit">{word(locale, 'signOut')}</button>
            </form>
          )}
        </header>
        {session && (
          <nav aria-label={word(locale, 'appName')}>
            <a href="/app">
              {word(locale, 'inbox')} <span class={ctx.inboxCount ? 'count' : 'count zero'}>{ctx.inboxCount ?? 0}</span>
            </a>
            {session.user.role === 'COMMUNE_STAFF' && <a href="/app/villages">{word(locale, 'villages')}</a>}
            <a href="/app/dossiers">{word(locale, 'dossiers')}</a>
          </nav>
        )}
        <main id="main">{children}</main>
      </body>
    </html>
  );
}

/** A whole page as HTML text. */
export function render(node: preact.VNode): string {
  return `<!doctype html>${renderToString(node)}`;
}

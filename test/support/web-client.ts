import type { Response } from 'supertest';
import type { TestApp } from './app.js';

/**
 * A browser without JavaScript, for the pages' tests over HTTP: keeps cookies, posts forms as a browser does
 * (urlencoded), and reads the CSRF token from the last page it was given.
 */
export class WebClient {
  readonly cookies = new Map<string, string>();
  lastPage = '';

  /** `headers` go with every request (`X-Forwarded-For`, for a browser at another address behind a trusted proxy). */
  constructor(
    private readonly t: TestApp,
    private readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response): Response {
    const set = res.headers['set-cookie'] as unknown as string[] | undefined;
    for (const line of set ?? []) {
      const [pair, ...attrs] = line.split(';');
      const [name, ...rest] = pair.split('=');
      const value = rest.join('=');
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    if (typeof res.text === 'string' && /text\/html/.test(String(res.headers['content-type']))) this.lastPage = res.text;
    return res;
  }

  async get(path: string): Promise<Response> {
    return this.remember(await this.t.http.get(path).set(this.headers).set('Cookie', this.cookieHeader()).redirects(0));
  }

  /** Posts a form; `_csrf` is taken from the last page unless given. */
  async post(path: string, form: Record<string, string | string[]>, { csrf = true } = {}): Promise<Response> {
    const fields = { ...(csrf && this.csrf() && !('_csrf' in form) ? { _csrf: this.csrf()! } : {}), ...form };
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    return this.remember(
      await this.t.http
        .post(path)
        .set(this.headers)
        .set('Cookie', this.cookieHeader())
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(body.toString())
        .redirects(0),
    );
  }

  /** Follows a 303/302 answer with GET. */
  async follow(res: Response): Promise<Response> {
    if (res.status !== 302 && res.status !== 303) throw new Error(`not a redirect: ${res.status} ${res.text?.slice(0, 300)}`);
    return this.get(res.headers.location);
  }

  csrf(): string | undefined {
    return /name="_csrf" value="([^"]+)"/.exec(this.lastPage)?.[1];
  }

  /** Signs in through the form; returns the page it lands on. */
  async signIn(username: string, password: string, next?: string): Promise<Response> {
    await this.get(`/app/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    const res = await this.post('/app/sign-in', { username, password, next: next ?? '/app' });
    if (res.status !== 303) throw new Error(`sign-in of ${username}: ${res.status} ${res.text?.slice(0, 500)}`);
    return this.follow(res);
  }
}

/** The visible text of an HTML page, tags removed and spaces collapsed, for assertions on what a user reads. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .trim();
}

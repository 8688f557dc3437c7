import { FieldError, Layout, type PageContext } from './layout.js';
import { word } from '../words.js';

export interface SignInProps {
  csrf: string;
  next: string;
  username?: string;
  error?: string;
  /** Which field the error belongs to; the form's top when none. */
  errorField?: 'username' | 'password';
}

export function SignInPage({ ctx, props }: { ctx: PageContext; props: SignInProps }) {
  const { locale } = ctx;
  const { error, errorField } = props;
  return (
    <Layout ctx={ctx} title={word(locale, 'signIn')}>
      <section class="narrow">
        <h1>{word(locale, 'signIn')}</h1>
        {props.next !== '/app' && <p class="muted">{word(locale, 'signInTo')}</p>}
        {error && !errorField && (
          <p class="alert" role="alert" id="sign-in-error">
            {error}
          </p>
        )}
        <form method="post" action="/app/sign-in">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="next" value={props.next} />
          <label for="username">{word(locale, 'username')}</label>
          <input
            type="text"
            id="username"
            name="username"
            autocomplete="username"
            required
            value={props.username ?? ''}
            aria-describedby="username-error"
            aria-invalid={errorField === 'username' ? 'true' : undefined}
          />
          <FieldError id="username-error" message={errorField === 'username' ? error : undefined} />
          <label for="password">{word(locale, 'password')}</label>
          <input
            type="password"
            id="password"
            name="password"
            autocomplete="current-password"
            required
            aria-describedby="password-error"
            aria-invalid={errorField === 'password' ? 'true' : undefined}
          />
          <FieldError id="password-error" message={errorField === 'password' ? error : undefined} />
          <button type="submit">{word(locale, 'signIn')}</button>
        </form>
      </section>
    </Layout>
  );
}

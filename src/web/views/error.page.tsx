import { Layout, type PageContext } from './layout.js';
import { word } from '../words.js';

export function ErrorPage({ ctx, title, message }: { ctx: PageContext; title: string; message: string }) {
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p class="alert" role="alert">
        {message}
      </p>
      <p>
        <a href="/app">{word(ctx.locale, 'home')}</a>
      </p>
    </Layout>
  );
}

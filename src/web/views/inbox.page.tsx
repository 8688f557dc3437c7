import { Layout, type PageContext } from './layout.js';
import { DueBadge, type Due } from './due.js';
import { word } from '../words.js';

export interface InboxItem {
  href: string | null;
  title: string;
  stateWords: string;
  actionWords: string;
  due: Due | null;
  overdue: boolean;
}

export function InboxPage({ ctx, items }: { ctx: PageContext; items: InboxItem[] }) {
  const { locale } = ctx;
  return (
    <Layout ctx={ctx} title={word(locale, 'inbox')}>
      <h1>
        {word(locale, 'inbox')} <span class={items.length ? 'count' : 'count zero'}>{items.length}</span>
      </h1>
      {items.length === 0 ? (
        <p class="notice">{word(locale, 'inboxEmpty')}</p>
      ) : (
        <ul class="tasks">
          {items.map((item) => (
            <li>
              <div>
                {item.href ? <a href={item.href}>{item.title}</a> : <span>{item.title}</span>}{' '}
                {item.overdue && <span class="badge late">{word(locale, 'overdue')}</span>}
              </div>
              <div class="muted">
                {item.stateWords} · {item.actionWords}
              </div>
              <div>
                <DueBadge locale={locale} due={item.due} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

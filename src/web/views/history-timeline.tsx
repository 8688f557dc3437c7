import type { Locale } from '../../common/messages.js';
import { formatDateTime } from '../format.js';
import { word } from '../words.js';

/** One event of a workflow's history as a page shows it. */
export interface HistoryItem {
  at: string;
  who: string;
  what: string;
  change: string;
  comment: string | null;
}

/** The result of checking the history's hash chain, as the page says it. */
export interface HistoryIntegrity {
  ok: boolean;
  checked: number;
  reason?: string;
}

/** A subject's history as a timeline, under the result of its chain's check (the dossier and assessment pages). */
export function HistoryTimeline({ locale, history, integrity }: { locale: Locale; history: HistoryItem[]; integrity: HistoryIntegrity }) {
  return (
    <section>
      <h2>{word(locale, 'history')}</h2>
      <p class={integrity.ok ? 'notice' : 'alert'}>
        {integrity.ok
          ? word(locale, 'historyOk', { n: integrity.checked })
          : word(locale, 'historyBroken', { reason: integrity.reason ?? '' })}
      </p>
      <ol class="timeline">
        {history.map((h) => (
          <li>
            <time datetime={h.at}>{formatDateTime(h.at)}</time> · {h.who}
            <br />
            <strong>{h.what}</strong> <span class="muted">({h.change})</span>
            {h.comment && <p>{h.comment}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}

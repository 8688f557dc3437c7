import type { Locale } from '../../common/messages.js';
import { formatDateTime } from '../format.js';
import { word } from '../words.js';

export interface Due {
  at: string;
  text: string;
  late: boolean;
}

/** A due date with how many working days are left or how late it is. */
export function DueBadge({ locale, due }: { locale: Locale; due: Due | null }) {
  if (!due) return <span class="muted">{word(locale, 'noDue')}</span>;
  return (
    <span>
      {word(locale, 'due')}: <time datetime={due.at}>{formatDateTime(due.at)}</time>{' '}
      <span class={due.late ? 'badge late' : 'badge'}>{due.text}</span>
    </span>
  );
}

import type { Locale } from '../../common/messages.js';
import { ATTACHMENT_KIND_WORDS, word, type WordKey } from '../words.js';
import { FileField, FormAlert, value, type Flash } from './flash.js';

/** A file as a dossier or an assessment lists it. */
export interface ListedFile {
  id: string;
  fileName: string;
  size: number;
  kind: string;
}

/**
 * The files of a dossier or an assessment (each opened at `<base>/files/<id>`) and, when the user may attach one
 * now, the upload form posting to `<base>/attachments`; with `kinds`, each file shows its kind and the form asks
 * for one. An upload refused where the page offers none (the state moved on meanwhile) still shows its reason.
 */
export function AttachmentsSection(props: {
  locale: Locale;
  flash: Flash;
  heading: WordKey;
  empty: WordKey;
  base: string;
  files: readonly ListedFile[];
  canAttach: boolean;
  kinds?: readonly string[];
  csrf: string;
  maxUploadBytes: number;
}) {
  const { locale, flash, kinds } = props;
  const kindWords = (k: string) => ATTACHMENT_KIND_WORDS[k]?.[locale] ?? k;
  return (
    <section>
      <h2>{word(locale, props.heading)}</h2>
      {props.files.length === 0 ? (
        <p class="muted">{word(locale, props.empty)}</p>
      ) : (
        <ul>
          {props.files.map((a) => (
            <li>
              {kinds && (
                <>
                  <span class="badge">{kindWords(a.kind)}</span>{' '}
                </>
              )}
              <a href={`${props.base}/files/${a.id}`}>{a.fileName}</a> <span class="muted">({Math.ceil(a.size / 1024)} KB)</span>
            </li>
          ))}
        </ul>
      )}
      {!props.canAttach && <FormAlert flash={flash} form="attach" />}
      {props.canAttach && (
        <form method="post" action={`${props.base}/attachments`} enctype="multipart/form-data">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <FormAlert flash={flash} form="attach" />
          {kinds && (
            <>
              <label for="kind">{word(locale, 'kind')}</label>
              <select id="kind" name="kind">
                {kinds.map((k) => (
                  <option value={k} selected={value(flash, 'attach', 'kind') === k}>
                    {kindWords(k)}
                  </option>
                ))}
              </select>
            </>
          )}
          <FileField locale={locale} flash={flash} maxUploadBytes={props.maxUploadBytes} />
          <button type="submit">{word(locale, 'attach')}</button>
        </form>
      )}
    </section>
  );
}

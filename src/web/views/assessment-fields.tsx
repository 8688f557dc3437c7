import type { Locale } from '../../common/messages.js';
import { word, type WordKey } from '../words.js';
import { fieldError, FormAlert, value, type Flash } from './flash.js';
import { FieldError } from './layout.js';

/** What the fields show before anything is typed: the marks recorded, the date (dd/mm/yyyy) and the note. */
export interface AssessmentFieldsNow {
  marks: Map<number, boolean>;
  assessedOn: string;
  note: string;
}

/**
 * The fields of an assessment's form (recording one on the village page, correcting one on its page): each
 * criterion met, not met or left out, the date as dd/mm/yyyy, a note. Refused, they come back as typed. Ids
 * start with the form's name (`record-met-3-yes`, `edit-assessedOn-error`).
 */
export function AssessmentFields({
  locale,
  flash,
  form,
  criteria,
  now,
}: {
  locale: Locale;
  flash: Flash;
  form: string;
  criteria: { code: number; name: string }[];
  now?: AssessmentFieldsNow;
}) {
  const dateError = fieldError(flash, form, 'assessedOn');
  const mark = (code: number) => {
    const m = now?.marks.get(code);
    return m === undefined ? '' : String(m);
  };
  return (
    <div>
      <FormAlert flash={flash} form={form} />
      <div role="group" aria-labelledby={`${form}-criteria`} aria-describedby={`${form}-criteria-error`}>
        <p id={`${form}-criteria`}>
          <strong>{word(locale, 'criteria')}</strong>
        </p>
        <FieldError id={`${form}-criteria-error`} message={fieldError(flash, form, 'criteria')} />
        {criteria.map((c) => {
          const chosen = value(flash, form, `met_${c.code}`, flash.form === form ? '' : mark(c.code));
          const radio = (suffix: string, v: string, key: WordKey) => (
            <span class="choice">
              <input type="radio" id={`${form}-met-${c.code}-${suffix}`} name={`met_${c.code}`} value={v} checked={chosen === v} />
              <label class="inline" for={`${form}-met-${c.code}-${suffix}`}>
                {word(locale, key)}
              </label>
            </span>
          );
          return (
            <fieldset id={`${form}-criterion-${c.code}`}>
              <legend>
                {c.code}. {c.name}
              </legend>
              {radio('skip', '', 'notAssessedNow')}
              {radio('yes', 'true', 'met')}
              {radio('no', 'false', 'notMet')}
            </fieldset>
          );
        })}
      </div>
      <label for={`${form}-assessedOn`}>{word(locale, 'assessmentDate')}</label>
      <input
        type="text"
        id={`${form}-assessedOn`}
        name="assessedOn"
        inputmode="numeric"
        placeholder="dd/mm/yyyy"
        required
        value={value(flash, form, 'assessedOn', now?.assessedOn ?? '')}
        aria-describedby={`${form}-assessedOn-error`}
        aria-invalid={dateError ? 'true' : undefined}
      />
      <FieldError id={`${form}-assessedOn-error`} message={dateError} />
      <label for={`${form}-note`}>{word(locale, 'note')}</label>
      <textarea id={`${form}-note`} name="note" maxlength={4000} aria-describedby={`${form}-note-error`}>
        {value(flash, form, 'note', now?.note ?? '')}
      </textarea>
      <FieldError id={`${form}-note-error`} message={fieldError(flash, form, 'note')} />
    </div>
  );
}

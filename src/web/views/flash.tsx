import type { Locale } from '../../common/messages.js';
import { word } from '../words.js';
import { FieldError } from './layout.js';

/** What a refused or completed form brings back to its page. */
export interface Flash {
  done?: string;
  /** The form that was refused (an event type, 'criteria', 'attach', 'record'…), and its message. */
  form?: string;
  error?: string;
  /** Messages per field of that form. */
  fields?: Record<string, string>;
  /** What the user typed, to show again. */
  values?: Record<string, string | string[]>;
}

/** What the user typed in `field` of `form` when that form came back refused, else `fallback`. */
export function value(flash: Flash, form: string, field: string, fallback = ''): string {
  if (flash.form !== form) return fallback;
  const v = flash.values?.[field];
  return typeof v === 'string' ? v : fallback;
}

/** The message beside `field` of `form`, when that form came back refused. */
export function fieldError(flash: Flash, form: string, field: string): string | undefined {
  return flash.form === form ? flash.fields?.[field] : undefined;
}

/** The refusal of `form` above its fields. */
export function FormAlert({ flash, form }: { flash: Flash; form: string }) {
  if (flash.form !== form || !flash.error) return null;
  return (
    <p class="alert" role="alert" id={`${form}-error`}>
      {flash.error}
    </p>
  );
}

/**
 * An upload form's file field (`file`), with its error beside it; the page's script refuses a file above
 * `maxUploadBytes` before it is sent, with the same words the service answers with.
 */
export function FileField({ locale, flash, maxUploadBytes }: { locale: Locale; flash: Flash; maxUploadBytes: number }) {
  return (
    <>
      <label for="file">{word(locale, 'file')}</label>
      <input
        type="file"
        id="file"
        name="file"
        required
        data-max-bytes={String(maxUploadBytes)}
        data-too-large={word(locale, 'fileTooLarge', { mb: Math.round(maxUploadBytes / 1024 / 1024) })}
        aria-describedby="file-error"
      />
      <FieldError id="file-error" message={fieldError(flash, 'attach', 'file')} />
    </>
  );
}

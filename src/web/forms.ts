import type { Locale } from '../common/messages.js';
import { dmyToIso } from '../common/calendar-day.js';
import type { UpdateCriterionDto } from '../certification/dossiers.dto.js';
import { field, fields } from './web-request.js';
import { word } from './words.js';

/** A form the page can tell is incomplete before asking the service: a message per field. */
export class FormProblem extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.values(fields).join('; '));
  }
}

/**
 * A dossier event from its form: text fields as typed, numbers and lists as the API takes them. What the page
 * can tell is missing is refused here with the field's message; every rule is the service's.
 */
export function eventFromForm(locale: Locale, type: string, body: unknown): Record<string, unknown> {
  const text = (name: string) => (field(body, name) ?? '').trim();
  const problems: Record<string, string> = {};
  const event: Record<string, unknown> = { type };
  const need = (name: string) => {
    const v = text(name);
    if (!v) problems[name] = word(locale, 'required');
    return v;
  };
  switch (type) {
    case 'SUBMIT': {
      // The village meeting's households; the share is the service's to compute.
      for (const name of ['householdsRepresented', 'householdsAgreeing']) {
        const raw = need(name);
        const n = Number(raw);
        if (raw && !(Number.isInteger(n) && n >= 0)) problems[name] = word(locale, 'householdsInvalid');
        event[name] = n;
      }
      break;
    }
    case 'REVIEW_CRITERION': {
      event.code = Number(text('code'));
      const decision = text('decision');
      if (decision !== 'approve' && decision !== 'request_revision') problems.decision = word(locale, 'chooseOne');
      event.decision = decision;
      if (text('comment')) event.comment = text('comment');
      break;
    }
    case 'RETURN':
      event.comment = need('comment');
      break;
    case 'SIGN_OFF': {
      event.decisionNumber = need('decisionNumber');
      const date = need('decisionDate');
      if (date && !/^\d{4}-\d{2}-\d{2}$/.test(date)) problems.decisionDate = word(locale, 'dateInvalid');
      event.decisionDate = date;
      break;
    }
    case 'REJECT':
      event.reason = need('reason');
      break;
    case 'REVOKE': {
      event.reason = need('reason');
      const codes = fields(body, 'criteriaNoLongerMet').map(Number);
      if (codes.length === 0) problems.criteriaNoLongerMet = word(locale, 'chooseCriteria');
      event.criteriaNoLongerMet = codes;
      break;
    }
    case 'WITHDRAW':
      if (text('confirm') !== 'yes') problems.confirm = word(locale, 'confirmRequired');
      break;
  }
  if (Object.keys(problems).length) throw new FormProblem(problems);
  return event;
}

/** The criteria form: a criterion left unanswered is left as it is; a note is saved with its answer. */
export function criteriaFromForm(locale: Locale, body: unknown): ({ code: number } & UpdateCriterionDto)[] {
  const entries: ({ code: number } & UpdateCriterionDto)[] = [];
  for (let code = 1; code <= 16; code++) {
    const met = field(body, `met_${code}`);
    const note = field(body, `note_${code}`)?.normalize('NFC');
    if (met !== 'true' && met !== 'false') continue;
    if (note && note.length > 4000) throw new FormProblem({ [`note_${code}`]: word(locale, 'invalidValue') });
    entries.push({ code, met: met === 'true', note: note?.trim() ? note.trim() : undefined });
  }
  return entries;
}

/**
 * The village page's "record an assessment" form: each criterion met, not met or left out (`met_<code>` true,
 * false or empty), the date as dd/mm/yyyy and a note. Whether the date is a real day and not in the future is
 * the service's rule.
 */
export function assessmentFromForm(
  locale: Locale,
  body: unknown,
): { assessedOn: string; note?: string; criteria: { code: number; met: boolean }[] } {
  const problems: Record<string, string> = {};
  const criteria: { code: number; met: boolean }[] = [];
  for (let code = 1; code <= 16; code++) {
    const met = field(body, `met_${code}`);
    if (met === 'true' || met === 'false') criteria.push({ code, met: met === 'true' });
  }
  if (criteria.length === 0) problems.criteria = word(locale, 'chooseCriteria');
  const typed = (field(body, 'assessedOn') ?? '').trim();
  const assessedOn = dmyToIso(typed);
  if (!typed) problems.assessedOn = word(locale, 'required');
  else if (!assessedOn) problems.assessedOn = word(locale, 'dateFormat');
  const note = (field(body, 'note') ?? '').normalize('NFC').trim();
  if (note.length > 4000) problems.note = word(locale, 'invalidValue');
  if (Object.keys(problems).length) throw new FormProblem(problems);
  return { assessedOn: assessedOn!, note: note || undefined, criteria };
}

/** An assessment's event from its form; the payload's rules are the service's. */
export function assessmentEventFromForm(locale: Locale, type: string, body: unknown): Record<string, unknown> {
  const text = (name: string) => (field(body, name) ?? '').trim();
  const event: Record<string, unknown> = { type };
  switch (type) {
    case 'CONFIRM':
      if (text('comment')) event.comment = text('comment');
      break;
    case 'RETURN':
      if (!text('reason')) throw new FormProblem({ reason: word(locale, 'required') });
      event.reason = text('reason');
      break;
    case 'WITHDRAW':
      if (text('confirm') !== 'yes') throw new FormProblem({ confirm: word(locale, 'confirmRequired') });
      break;
  }
  return event;
}

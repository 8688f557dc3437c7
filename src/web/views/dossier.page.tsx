import type { Locale } from '../../common/messages.js';
import type { DossierView } from '../../certification/dossiers.dto.js';
import { formatDay } from '../format.js';
import { word, type WordKey } from '../words.js';
import { DueBadge, type Due } from './due.js';
import { HistoryTimeline, type HistoryIntegrity, type HistoryItem } from './history-timeline.js';
import { FieldError, Layout, type PageContext } from './layout.js';
import { fieldError, FormAlert, value, type Flash } from './flash.js';
import { AttachmentsSection } from './attachments.js';
import { dossierTitle } from '../../common/place-names.js';
import { CERTIFICATION_STEPS } from '../../../workflows/certification/steps.js';

export type { Flash } from './flash.js';

export type { HistoryItem } from './history-timeline.js';

export interface DossierPageProps {
  dossier: DossierView;
  communeName: string;
  stateWords: (state: string) => string;
  eventWords: (event: string) => string;
  editable: boolean;
  canAttach: boolean;
  attachKinds: readonly string[];
  maxUploadBytes: number;
  currentDue: Due | null;
  consultationEnds: string | null;
  history: HistoryItem[];
  integrity: HistoryIntegrity;
  flash: Flash;
  csrf: string;
  /** The dossier's entity tag as this page shows it: its forms send it back, so that a stale page is refused. */
  etag: string;
}

function StepBar({ locale, state }: { locale: Locale; state: string }) {
  const current = CERTIFICATION_STEPS.findIndex((s) => s.states.includes(state));
  return (
    <ol class="steps" aria-label={word(locale, 'progress')}>
      {CERTIFICATION_STEPS.map((s, i) => (
        <li class={i === current ? 'current' : i < current ? 'done' : ''} aria-current={i === current ? 'step' : undefined}>
          {s.label[locale]}
        </li>
      ))}
    </ol>
  );
}

function CriteriaEditor({ locale, props }: { locale: Locale; props: DossierPageProps }) {
  const { dossier, flash } = props;
  return (
    <form method="post" action={`/app/dossiers/${dossier.id}/criteria`}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="etag" value={props.etag} />
      <FormAlert flash={flash} form="criteria" />
      {dossier.criteria.map((c) => {
        const sentBack = c.review.status === 'revision_requested';
        const met = value(flash, 'criteria', `met_${c.code}`, c.met === null ? '' : c.met ? 'true' : 'false');
        const err = fieldError(flash, 'criteria', `met_${c.code}`);
        return (
          <fieldset class={sentBack ? 'sent-back' : ''} id={`criterion-${c.code}`}>
            <legend>
              {c.code}. {c.name}
            </legend>
            {sentBack && c.review.comment && (
              <p class="alert">
                {word(locale, 'reviewerComment')}: {c.review.comment}
              </p>
            )}
            <input type="radio" id={`met_${c.code}_yes`} name={`met_${c.code}`} value="true" checked={met === 'true'} />
            <label class="inline" for={`met_${c.code}_yes`}>
              {word(locale, 'met')}
            </label>
            <input type="radio" id={`met_${c.code}_no`} name={`met_${c.code}`} value="false" checked={met === 'false'} />
            <label class="inline" for={`met_${c.code}_no`}>
              {word(locale, 'notMet')}
            </label>
            <FieldError id={`met_${c.code}-error`} message={err} />
            <label for={`note_${c.code}`}>{word(locale, 'note')}</label>
            <textarea id={`note_${c.code}`} name={`note_${c.code}`} maxlength={4000}>
              {value(flash, 'criteria', `note_${c.code}`, c.note ?? '')}
            </textarea>
          </fieldset>
        );
      })}
      <button type="submit">{word(locale, 'save')}</button>
    </form>
  );
}

function reviewWords(locale: Locale, status: string): string {
  return word(locale, status === 'approved' ? 'reviewApproved' : status === 'revision_requested' ? 'reviewRevision' : 'pending');
}

function CriteriaTable({ locale, props, reviewing }: { locale: Locale; props: DossierPageProps; reviewing: boolean }) {
  const { dossier, flash } = props;
  return (
    <div>
      {dossier.criteria.map((c) => {
        const form = `REVIEW_CRITERION_${c.code}`;
        return (
          <div class="card" id={`criterion-${c.code}`}>
            <strong>
              {c.code}. {c.name}
            </strong>{' '}
            <span class={c.met ? 'badge ok' : 'badge'}>{word(locale, c.met === null ? 'unassessed' : c.met ? 'met' : 'notMet')}</span>
            {c.note && <p>{c.note}</p>}
            <p class="muted">
              {reviewWords(locale, c.review.status)}
              {c.review.comment ? `: ${c.review.comment}` : ''}
            </p>
            {reviewing && (
              <form method="post" action={`/app/dossiers/${dossier.id}/events`}>
                <input type="hidden" name="_csrf" value={props.csrf} />
                <input type="hidden" name="type" value="REVIEW_CRITERION" />
                <input type="hidden" name="code" value={String(c.code)} />
                <FormAlert flash={flash} form={form} />
                <fieldset>
                  <legend>{word(locale, 'review')}</legend>
                  <input
                    type="radio"
                    id={`decision_${c.code}_a`}
                    name="decision"
                    value="approve"
                    required
                    checked={value(flash, form, 'decision') === 'approve'}
                  />
                  <label class="inline" for={`decision_${c.code}_a`}>
                    {word(locale, 'approve')}
                  </label>
                  <input
                    type="radio"
                    id={`decision_${c.code}_r`}
                    name="decision"
                    value="request_revision"
                    checked={value(flash, form, 'decision') === 'request_revision'}
                  />
                  <label class="inline" for={`decision_${c.code}_r`}>
                    {word(locale, 'requestRevision')}
                  </label>
                  <FieldError id={`decision_${c.code}-error`} message={fieldError(flash, form, 'decision')} />
                  <label for={`comment_${c.code}`}>{word(locale, 'comment')}</label>
                  <textarea id={`comment_${c.code}`} name="comment" maxlength={4000}>
                    {value(flash, form, 'comment')}
                  </textarea>
                </fieldset>
                <button type="submit" class="secondary">
                  {word(locale, 'review')} {c.code}
                </button>
              </form>
            )}
          </div>
        );
      })}
    </div>
  );
}

function EventForm({ locale, props, event }: { locale: Locale; props: DossierPageProps; event: string }) {
  const { dossier, flash } = props;
  const label = props.eventWords(event);
  const danger = ['WITHDRAW', 'REJECT', 'REVOKE'].includes(event);
  const text = (
    field: string,
    key: WordKey,
    opts: { type?: 'text' | 'number' | 'date'; area?: boolean; required?: boolean; extra?: Record<string, string | number> } = {},
  ) => {
    const id = `${event}-${field}`;
    const err = fieldError(flash, event, field);
    return (
      <div>
        <label for={id}>{word(locale, key)}</label>
        {opts.area ? (
          <textarea
            id={id}
            name={field}
            required={opts.required ?? true}
            maxlength={4000}
            aria-describedby={`${id}-error`}
            aria-invalid={err ? 'true' : undefined}
          >
            {value(flash, event, field)}
          </textarea>
        ) : (
          <input
            {...({
              type: opts.type ?? 'text',
              id,
              name: field,
              required: opts.required ?? true,
              value: value(flash, event, field),
              'aria-describedby': `${id}-error`,
              'aria-invalid': err ? 'true' : undefined,
              ...(opts.extra ?? {}),
            } as object)}
          />
        )}
        <FieldError id={`${id}-error`} message={err} />
      </div>
    );
  };
  return (
    <form method="post" action={`/app/dossiers/${dossier.id}/events`} id={`form-${event}`}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="type" value={event} />
      <input type="hidden" name="etag" value={props.etag} />
      <FormAlert flash={flash} form={event} />
      {event === 'OPEN_CONSULTATION' && props.consultationEnds && (
        <p class="muted">
          {word(locale, 'consultationWouldEnd')}: {props.consultationEnds}
        </p>
      )}
      {event === 'SUBMIT' && text('householdsRepresented', 'householdsRepresented', { type: 'number', extra: { min: 1, step: '1' } })}
      {event === 'SUBMIT' && text('householdsAgreeing', 'householdsAgreeing', { type: 'number', extra: { min: 0, step: '1' } })}
      {event === 'RETURN' && text('comment', 'comment', { area: true })}
      {event === 'SIGN_OFF' && (
        <div>
          {text('decisionNumber', 'decisionNumber', { extra: { maxlength: 100 } })}
          {text('decisionDate', 'decisionDate', { type: 'date' })}
        </div>
      )}
      {(event === 'REJECT' || event === 'REVOKE') && text('reason', 'reason', { area: true })}
      {event === 'REVOKE' && (
        <fieldset>
          <legend>{word(locale, 'criteriaNoLongerMet')}</legend>
          {dossier.criteria.map((c) => (
            <div>
              <input type="checkbox" id={`revoke-${c.code}`} name="criteriaNoLongerMet" value={String(c.code)} />
              <label class="inline" for={`revoke-${c.code}`}>
                {c.code}. {c.name}
              </label>
            </div>
          ))}
          <FieldError id="REVOKE-criteriaNoLongerMet-error" message={fieldError(flash, event, 'criteriaNoLongerMet')} />
        </fieldset>
      )}
      {event === 'WITHDRAW' && (
        <div>
          <input type="checkbox" id="WITHDRAW-confirm" name="confirm" value="yes" required aria-describedby="WITHDRAW-confirm-error" />
          <label class="inline" for="WITHDRAW-confirm">
            {word(locale, 'confirmWithdraw')}
          </label>
          <FieldError id="WITHDRAW-confirm-error" message={fieldError(flash, event, 'confirm')} />
        </div>
      )}
      <button type="submit" class={danger ? 'danger' : ''}>
        {label}
      </button>
    </form>
  );
}

export function DossierPage({ ctx, props }: { ctx: PageContext; props: DossierPageProps }) {
  const { locale } = ctx;
  const { dossier, flash } = props;
  const title = dossierTitle(dossier.villageName, dossier.year)[locale];
  const reviewing = dossier.allowedEvents.includes('REVIEW_CRITERION');
  const events = dossier.allowedEvents.filter((e) => e !== 'REVIEW_CRITERION');
  const formErrorAbove =
    flash.form && flash.error && !['criteria', 'attach'].includes(flash.form) && !flash.form.startsWith('REVIEW_CRITERION');
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p class="muted">{props.communeName}</p>
      {flash.done && (
        <p class="notice" role="status">
          {flash.done}
        </p>
      )}
      {formErrorAbove && (
        <p class="alert" role="alert">
          {flash.error}
        </p>
      )}
      <section>
        <StepBar locale={locale} state={dossier.state} />
        <p>
          <strong>{word(locale, 'state')}:</strong> {props.stateWords(dossier.state)}{' '}
          {dossier.overdue && <span class="badge late">{word(locale, 'overdue')}</span>}
        </p>
        <p>
          <DueBadge locale={locale} due={props.currentDue} />
        </p>
        {dossier.state === 'consultation' && props.consultationEnds && (
          <p>
            {word(locale, 'consultationEnds')}: {props.consultationEnds}
          </p>
        )}
        {dossier.agreementPercent !== null && (
          <p>
            {word(locale, 'agreementPercent')}: {dossier.agreementPercent.toLocaleString('vi-VN')}%
            {dossier.households && ` (${dossier.households.agreeing}/${dossier.households.represented})`}
          </p>
        )}
        {dossier.decision && (
          <p>
            {word(locale, 'decision')}: {dossier.decision.number}, {formatDay(dossier.decision.date)}
          </p>
        )}
      </section>
      <section>
        <h2>{word(locale, 'actions')}</h2>
        <div class="actions">
          {events.length === 0 && !reviewing ? <p class="muted">{word(locale, 'noActions')}</p> : null}
          {events.map((e) => (
            <EventForm locale={locale} props={props} event={e} />
          ))}
        </div>
      </section>
      <section>
        <h2>
          {word(locale, 'criteria')} ({dossier.criteria.filter((c) => c.met).length}/16 {word(locale, 'met').toLowerCase()})
        </h2>
        {props.editable ? (
          <CriteriaEditor locale={locale} props={props} />
        ) : (
          <CriteriaTable locale={locale} props={props} reviewing={reviewing} />
        )}
      </section>
      <AttachmentsSection
        locale={locale}
        flash={flash}
        heading="attachments"
        empty="noAttachments"
        base={`/app/dossiers/${dossier.id}`}
        files={dossier.attachments}
        canAttach={props.canAttach}
        kinds={props.attachKinds}
        csrf={props.csrf}
        maxUploadBytes={props.maxUploadBytes}
      />
      <HistoryTimeline locale={locale} history={props.history} integrity={props.integrity} />
    </Layout>
  );
}

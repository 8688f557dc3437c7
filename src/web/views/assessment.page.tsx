import type { Locale } from '../../common/messages.js';
import type { AssessmentView } from '../../assessments/assessments.dto.js';
import { formatDay } from '../format.js';
import { word, type WordKey } from '../words.js';
import { DueBadge, type Due } from './due.js';
import { fieldError, value, type Flash } from './flash.js';
import { AttachmentsSection } from './attachments.js';
import { FieldError, Layout, type PageContext } from './layout.js';
import { HistoryTimeline, type HistoryIntegrity, type HistoryItem } from './history-timeline.js';
import { AssessmentFields, type AssessmentFieldsNow } from './assessment-fields.js';

export interface AssessmentPageProps {
  assessment: AssessmentView;
  title: string;
  communeName: string | null;
  stateWords: string;
  eventWords: (event: string) => string;
  currentDue: Due | null;
  canAttach: boolean;
  /** The form that corrects the date, note and marks, while the assessment is with its commune (draft, returned). */
  edit: { criteria: { code: number; name: string }[]; now: AssessmentFieldsNow } | null;
  maxUploadBytes: number;
  history: HistoryItem[];
  integrity: HistoryIntegrity;
  flash: Flash;
  csrf: string;
  /** The assessment's entity tag as this page shows it: its event forms send it back, so that a stale page is refused. */
  etag: string;
}

/** The forms whose refusal is shown inside their own section rather than above the page. */
const OWN_SECTION = ['attach', 'edit'];

function EventForm({ locale, props, event }: { locale: Locale; props: AssessmentPageProps; event: string }) {
  const { assessment, flash } = props;
  const area = (name: string, key: WordKey, required: boolean) => {
    const id = `${event}-${name}`;
    const err = fieldError(flash, event, name);
    return (
      <div>
        <label for={id}>{word(locale, key)}</label>
        <textarea
          id={id}
          name={name}
          required={required}
          maxlength={2000}
          aria-describedby={`${id}-error`}
          aria-invalid={err ? 'true' : undefined}
        >
          {value(flash, event, name)}
        </textarea>
        <FieldError id={`${id}-error`} message={err} />
      </div>
    );
  };
  return (
    <form method="post" action={`/app/assessments/${assessment.id}/events`} id={`form-${event}`}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="type" value={event} />
      <input type="hidden" name="etag" value={props.etag} />
      {event === 'CONFIRM' && area('comment', 'comment', false)}
      {event === 'RETURN' && area('reason', 'reason', true)}
      {event === 'WITHDRAW' && (
        <div>
          <input type="checkbox" id="WITHDRAW-confirm" name="confirm" value="yes" required aria-describedby="WITHDRAW-confirm-error" />
          <label class="inline" for="WITHDRAW-confirm">
            {word(locale, 'confirmWithdrawAssessment')}
          </label>
          <FieldError id="WITHDRAW-confirm-error" message={fieldError(flash, event, 'confirm')} />
        </div>
      )}
      <button type="submit" class={event === 'WITHDRAW' || event === 'RETURN' ? 'danger' : ''}>
        {props.eventWords(event)}
      </button>
    </form>
  );
}

/** A criteria assessment: what it records, its state and due date, its evidence, what the user may do now, its history. */
export function AssessmentPage({ ctx, props }: { ctx: PageContext; props: AssessmentPageProps }) {
  const { locale } = ctx;
  const { assessment: a, flash } = props;
  const errorAbove = flash.form && flash.error && !OWN_SECTION.includes(flash.form);
  return (
    <Layout ctx={ctx} title={props.title}>
      <h1>{props.title}</h1>
      <p class="muted">
        <a href={`/app/villages/${a.villageId}`}>{a.villageName}</a>
        {props.communeName ? `, ${props.communeName}` : ''}
      </p>
      {flash.done && (
        <p class="notice" role="status">
          {flash.done}
        </p>
      )}
      {errorAbove && (
        <p class="alert" role="alert" id={`${flash.form}-error`}>
          {flash.error}
        </p>
      )}
      <section>
        <p>
          <strong>{word(locale, 'state')}:</strong> {props.stateWords}{' '}
          {a.overdue && <span class="badge late">{word(locale, 'overdue')}</span>}
        </p>
        <p>
          <DueBadge locale={locale} due={props.currentDue} />
        </p>
        <p>
          <strong>{word(locale, 'assessedOn')}:</strong> {formatDay(a.assessedOn)}
        </p>
        {a.note && (
          <p>
            <strong>{word(locale, 'note')}:</strong> {a.note}
          </p>
        )}
        {a.state === 'returned' && a.returnReason && (
          <p class="alert">
            {word(locale, 'returnReason')}: {a.returnReason}
          </p>
        )}
      </section>
      <section>
        <h2>{word(locale, 'actions')}</h2>
        <div class="actions">
          {a.allowedEvents.length === 0 ? <p class="muted">{word(locale, 'noActions')}</p> : null}
          {a.allowedEvents.map((e) => (
            <EventForm locale={locale} props={props} event={e} />
          ))}
        </div>
      </section>
      <section>
        <h2>{word(locale, 'criteria')}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{word(locale, 'criterion')}</th>
              <th scope="col">{word(locale, 'state')}</th>
            </tr>
          </thead>
          <tbody>
            {a.criteria.map((c) => (
              <tr>
                <td>
                  {c.code}. {c.name}
                </td>
                <td>
                  <span class={c.met ? 'badge ok' : 'badge'}>{word(locale, c.met ? 'met' : 'notMet')}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {props.edit && (
        <section>
          <h2 id="edit">{word(locale, 'editAssessment')}</h2>
          <form method="post" action={`/app/assessments/${a.id}`}>
            <input type="hidden" name="_csrf" value={props.csrf} />
            <input type="hidden" name="etag" value={props.etag} />
            <AssessmentFields locale={locale} flash={flash} form="edit" criteria={props.edit.criteria} now={props.edit.now} />
            <button type="submit" class="secondary">
              {word(locale, 'save')}
            </button>
          </form>
        </section>
      )}
      <AttachmentsSection
        locale={locale}
        flash={flash}
        heading="evidence"
        empty="noEvidence"
        base={`/app/assessments/${a.id}`}
        files={a.attachments}
        canAttach={props.canAttach}
        csrf={props.csrf}
        maxUploadBytes={props.maxUploadBytes}
      />
      <HistoryTimeline locale={locale} history={props.history} integrity={props.integrity} />
    </Layout>
  );
}

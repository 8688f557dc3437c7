import { Layout, type PageContext } from './layout.js';
import { FieldError } from './layout.js';
import { word } from '../words.js';

export interface DossierListRow {
  id: string;
  villageName: string;
  year: number;
  state: string;
  stateWords: string;
}

export interface DossierGroup {
  title: string;
  rows: DossierListRow[];
  /** The address of this list's next page, when there is one. */
  more: string | null;
  /** For a province officer's waiting list: one decision signing off the dossiers ticked. */
  batch?: BatchSignOffForm;
}

/** The batch sign-off form: the decisions attached to the waiting dossiers, and what a refusal brings back. */
export interface BatchSignOffForm {
  csrf: string;
  documents: { id: string; label: string }[];
  error?: string;
  fields?: Record<string, string>;
  values?: { dossierIds?: string[]; decisionNumber?: string; decisionDate?: string; decisionAttachmentId?: string };
}

function Rows({ rows, batch }: { rows: DossierListRow[]; batch?: BatchSignOffForm }) {
  return (
    <tbody>
      {rows.map((r) => (
        <tr>
          {batch && (
            <td>
              <input
                type="checkbox"
                name="dossierIds"
                value={r.id}
                id={`pick-${r.id}`}
                checked={batch.values?.dossierIds?.includes(r.id)}
                aria-label={`${r.villageName} ${r.year}`}
              />
            </td>
          )}
          <td>
            <a href={`/app/dossiers/${r.id}`}>{r.villageName}</a>
          </td>
          <td>{r.year}</td>
          <td>{r.stateWords}</td>
        </tr>
      ))}
    </tbody>
  );
}

function Table({ ctx, group }: { ctx: PageContext; group: DossierGroup }) {
  const { locale } = ctx;
  return (
    <table>
      <thead>
        <tr>
          {group.batch && <th scope="col">{word(locale, 'pick')}</th>}
          <th scope="col">{word(locale, 'village')}</th>
          <th scope="col">{word(locale, 'year')}</th>
          <th scope="col">{word(locale, 'state')}</th>
        </tr>
      </thead>
      <Rows rows={group.rows} batch={group.batch} />
    </table>
  );
}

function BatchFields({ ctx, batch }: { ctx: PageContext; batch: BatchSignOffForm }) {
  const { locale } = ctx;
  const v = batch.values ?? {};
  const err = (f: string) => batch.fields?.[f];
  return (
    <fieldset>
      <legend>{word(locale, 'batchSignOff')}</legend>
      <p class="muted">{word(locale, 'batchSignOffHelp')}</p>
      <FieldError id="dossierIds-error" message={err('dossierIds')} />
      <label for="batch-number">{word(locale, 'decisionNumber')}</label>
      <input
        type="text"
        id="batch-number"
        name="decisionNumber"
        required
        value={v.decisionNumber ?? ''}
        aria-describedby="batch-number-error"
      />
      <FieldError id="batch-number-error" message={err('decisionNumber')} />
      <label for="batch-date">{word(locale, 'decisionDate')}</label>
      <input type="date" id="batch-date" name="decisionDate" required value={v.decisionDate ?? ''} aria-describedby="batch-date-error" />
      <FieldError id="batch-date-error" message={err('decisionDate')} />
      <label for="batch-document">{word(locale, 'decisionDocument')}</label>
      {batch.documents.length === 0 ? (
        <p class="muted" id="batch-document">
          {word(locale, 'noDecisionDocument')}
        </p>
      ) : (
        <select id="batch-document" name="decisionAttachmentId" aria-describedby="batch-document-error">
          {batch.documents.map((d) => (
            <option value={d.id} selected={v.decisionAttachmentId === d.id}>
              {d.label}
            </option>
          ))}
        </select>
      )}
      <FieldError id="batch-document-error" message={err('decisionAttachmentId')} />
      <button type="submit" disabled={batch.documents.length === 0}>
        {word(locale, 'batchSignOffButton')}
      </button>
    </fieldset>
  );
}

export function DossierListPage({ ctx, groups, notice }: { ctx: PageContext; groups: DossierGroup[]; notice?: string }) {
  const { locale } = ctx;
  return (
    <Layout ctx={ctx} title={word(locale, 'dossiers')}>
      <h1>{word(locale, 'dossiers')}</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {groups.map((g) => (
        <section>
          <h2>{g.title}</h2>
          {g.rows.length === 0 ? (
            <p class="muted">{word(locale, 'none')}</p>
          ) : g.batch ? (
            <form method="post" action="/app/dossiers/sign-off" id="batch-sign-off">
              <input type="hidden" name="_csrf" value={g.batch.csrf} />
              {g.batch.error && (
                <p class="alert" role="alert" id="batch-sign-off-error">
                  {g.batch.error}
                </p>
              )}
              <Table ctx={ctx} group={g} />
              <BatchFields ctx={ctx} batch={g.batch} />
            </form>
          ) : (
            <Table ctx={ctx} group={g} />
          )}
          {g.more && (
            <p>
              <a href={g.more} rel="next">
                {word(locale, 'nextPage')}
              </a>
            </p>
          )}
        </section>
      ))}
    </Layout>
  );
}

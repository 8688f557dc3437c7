import type { Locale } from '../../common/messages.js';
import { formatDate, formatDay } from '../format.js';
import { word, type WordKey } from '../words.js';
import { AssessmentFields } from './assessment-fields.js';
import type { Flash } from './flash.js';
import { Layout, type PageContext } from './layout.js';

export interface VillageView {
  id: string;
  name: string;
  communeName: string | null;
  flags: { code: number; name: string; met: boolean; source: string; factsOn: string | null; updatedAt: string }[];
  assessments: { id: string; assessedOn: string; stateWords: string; criteria: { code: number; met: boolean }[] }[];
  /** The next page of the assessments, and the first one when this is not it. */
  assessmentsMore: string | null;
  assessmentsFirst: string | null;
  changes: {
    criterion: number;
    name: string;
    from: boolean | null;
    to: boolean;
    cause: { kind: string; id: string };
    factsOn: string | null;
    applied: boolean;
    supersededBy: { factsOn: string } | null;
    at: string;
    by: string | null;
  }[];
  changesMore: string | null;
  changesFirst: string | null;
  /** The form to record an assessment, when the user may (the village's commune staff). */
  record: { csrf: string } | null;
  flash: Flash;
}

const SOURCE: Record<string, WordKey> = {
  'seed-estimate': 'sourceSeedEstimate',
  assessment: 'sourceAssessment',
  certification: 'sourceCertification',
  import: 'sourceImport',
};
const CAUSE: Record<string, WordKey> = {
  assessment: 'causeAssessment',
  certification: 'causeCertification',
  revocation: 'causeRevocation',
  import: 'causeImport',
};

function Paging({ locale, more, first }: { locale: Locale; more: string | null; first: string | null }) {
  if (!more && !first) return null;
  return (
    <p>
      {first && <a href={first}>{word(locale, 'firstPage')}</a>} {more && <a href={more}>{word(locale, 'morePages')}</a>}
    </p>
  );
}

/** The commune's form to record an assessment of the village; refused, it comes back as typed. */
function RecordForm({ locale, village }: { locale: Locale; village: VillageView }) {
  return (
    <section>
      <h2 id="record">{word(locale, 'recordAssessment')}</h2>
      <p class="muted">{word(locale, 'recordAssessmentHelp')}</p>
      <form method="post" action={`/app/villages/${village.id}/assessments`}>
        <input type="hidden" name="_csrf" value={village.record!.csrf} />
        <AssessmentFields locale={locale} flash={village.flash} form="record" criteria={village.flags} />
        <button type="submit">{word(locale, 'recordAssessment')}</button>
      </form>
    </section>
  );
}

/** A village: its 16 flags with where each comes from, its assessments, and every change of a flag with its cause. */
export function VillagePage({ ctx, village }: { ctx: PageContext; village: VillageView }) {
  const { locale } = ctx;
  const metWord = (met: boolean | null) => (met === null ? '—' : word(locale, met ? 'met' : 'notMet'));
  return (
    <Layout ctx={ctx} title={village.name}>
      <h1>
        {village.name}
        {village.communeName ? `, ${village.communeName}` : ''}
      </h1>
      {village.flash.done && (
        <p class="notice" role="status">
          {village.flash.done}
        </p>
      )}
      <section>
        <h2>{word(locale, 'villageCriteria')}</h2>
        <p>
          {word(locale, 'criteriaMet')}: {village.flags.filter((f) => f.met).length}/16
        </p>
        {village.flags.some((f) => f.source === 'seed-estimate') && <p class="muted">{word(locale, 'estimateNote')}</p>}
        <table>
          <thead>
            <tr>
              <th scope="col">{word(locale, 'criterion')}</th>
              <th scope="col">{word(locale, 'state')}</th>
              <th scope="col">{word(locale, 'source')}</th>
              <th scope="col">{word(locale, 'factsOn')}</th>
              <th scope="col">{word(locale, 'updatedOn')}</th>
            </tr>
          </thead>
          <tbody>
            {village.flags.map((f) => (
              <tr>
                <td>
                  {f.code}. {f.name}
                </td>
                <td>{metWord(f.met)}</td>
                <td>{SOURCE[f.source] ? word(locale, SOURCE[f.source]) : f.source}</td>
                <td>{f.factsOn ? formatDay(f.factsOn) : '—'}</td>
                <td>{formatDate(f.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {village.record && <RecordForm locale={locale} village={village} />}
      <section>
        <h2>{word(locale, 'assessments')}</h2>
        {village.assessments.length === 0 ? (
          <p class="muted">{word(locale, 'noAssessments')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{word(locale, 'assessedOn')}</th>
                <th scope="col">{word(locale, 'criteria')}</th>
                <th scope="col">{word(locale, 'state')}</th>
              </tr>
            </thead>
            <tbody>
              {village.assessments.map((a) => (
                <tr>
                  <td>
                    <a href={`/app/assessments/${a.id}`}>{formatDay(a.assessedOn)}</a>
                  </td>
                  <td>{a.criteria.map((c) => `${c.code}: ${metWord(c.met)}`).join('; ')}</td>
                  <td>{a.stateWords}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Paging locale={locale} more={village.assessmentsMore} first={village.assessmentsFirst} />
      </section>
      <section>
        <h2>{word(locale, 'criteriaHistory')}</h2>
        {village.changes.length === 0 ? (
          <p class="muted">{word(locale, 'noChanges')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{word(locale, 'changedOn')}</th>
                <th scope="col">{word(locale, 'criterion')}</th>
                <th scope="col">{word(locale, 'change')}</th>
                <th scope="col">{word(locale, 'cause')}</th>
                <th scope="col">{word(locale, 'factsOn')}</th>
                <th scope="col">{word(locale, 'by')}</th>
              </tr>
            </thead>
            <tbody>
              {village.changes.map((c) => (
                <tr>
                  <td>{formatDate(c.at)}</td>
                  <td>
                    {c.criterion}. {c.name}
                  </td>
                  <td>
                    {metWord(c.from)} → {metWord(c.to)}
                    {c.supersededBy && (
                      <>
                        <br />
                        <strong>
                          {word(locale, 'notApplied')} {formatDay(c.supersededBy.factsOn)}
                        </strong>
                      </>
                    )}
                  </td>
                  <td>
                    {c.cause.kind === 'certification' || c.cause.kind === 'revocation' ? (
                      <a href={`/app/dossiers/${c.cause.id}`}>{word(locale, CAUSE[c.cause.kind])}</a>
                    ) : c.cause.kind === 'assessment' ? (
                      <a href={`/app/assessments/${c.cause.id}`}>{word(locale, CAUSE[c.cause.kind])}</a>
                    ) : CAUSE[c.cause.kind] ? (
                      word(locale, CAUSE[c.cause.kind])
                    ) : (
                      c.cause.kind
                    )}
                  </td>
                  <td>{c.factsOn ? formatDay(c.factsOn) : '—'}</td>
                  <td>{c.by ?? word(locale, 'system')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Paging locale={locale} more={village.changesMore} first={village.changesFirst} />
      </section>
    </Layout>
  );
}

import { formatDate, formatDay } from '../format.js';
import { word, type WordKey } from '../words.js';
import { Layout, type PageContext } from './layout.js';

export interface VillageView {
  id: string;
  name: string;
  communeName: string | null;
  flags: { code: number; name: string; met: boolean; source: string; factsOn: string | null; updatedAt: string }[];
  assessments: { id: string; assessedOn: string; stateWords: string; criteria: { code: number; met: boolean }[] }[];
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
                  <td>{formatDay(a.assessedOn)}</td>
                  <td>{a.criteria.map((c) => `${c.code}: ${metWord(c.met)}`).join('; ')}</td>
                  <td>{a.stateWords}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
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
      </section>
    </Layout>
  );
}

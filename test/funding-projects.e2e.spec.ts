import { startKit, type Kit } from './support/certification-kit.js';
import { createProject, fund, ledgerMismatches, sendProject } from './support/funding-kit.js';

/** Projects through HTTP: the rules and 400s of POST /projects, APPROVE's adjusted lines, who may cancel, receipts, jurisdiction. */
describe('project funding: proposals, rules, receipts, jurisdiction', () => {
  let k: Kit;
  let commune: string;
  let otherCommune: string;
  let reviewer: string;
  let province: string;
  let villageId: string;
  const labour = { kind: 'labor', quantity: 300, unit: 'ngày công', valueVnd: 60_000_000, pledgedBy: 'Nhân dân thôn Pò Háng' };
  const land = { kind: 'land', quantity: 120.5, unit: 'm2', valueVnd: 40_000_000, pledgedBy: 'Hộ ông Hoàng Văn Páo' };

  beforeAll(async () => {
    // A lower cap, to show it is configuration.
    k = await startKit('funding_projects', { SPECIAL_MECHANISM_CAP_VND: '3000000000' });
    commune = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    otherCommune = (await k.user('COMMUNE_STAFF', 'LS-TD-02')).auth;
    reviewer = (await k.user('REVIEWER', 'LS-TD')).auth;
    province = (await k.user('PROVINCE_OFFICER', 'LS')).auth;
    villageId = k.unit('LS-TD-01-01').id;
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  const valid = () => ({
    villageId,
    estimatedCostVnd: 1_000_000_000,
    funding: [
      { fundCode: 'NTM_ANNUAL', amountVnd: 700_000_000 },
      { fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 },
    ],
    contributions: [labour, land],
  });

  it('GET /funds lists the seven funds with planned, allocated, disbursed and available VND', async () => {
    const res = await k.t.http.get('/funds').set('Authorization', commune);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(7);
    expect(res.body.find((f: { code: string }) => f.code === 'NTM_RESERVE_2019')).toMatchObject({
      centralBudget: true,
      plannedVnd: 51_290_000_000,
      allocatedVnd: 0,
      disbursedVnd: 0,
      availableVnd: 51_290_000_000,
    });
    expect((await k.t.http.get('/funds')).status).toBe(401);
  });

  it('creates a project in draft with its lines and pledged contributions', async () => {
    const res = await createProject(k, commune, { ...valid(), estimatedCostVnd: '1000000000' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      villageId,
      communeId: k.unit('LS-TD-01').id,
      districtId: k.unit('LS-TD').id,
      state: 'draft',
      criterionCode: 2,
      estimatedCostVnd: 1_000_000_000,
      pledgedVnd: 100_000_000,
      receivedVnd: 0,
      funding: [
        { fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 },
        { fundCode: 'NTM_ANNUAL', amountVnd: 700_000_000 },
      ],
    });
    expect(res.body.contributions).toHaveLength(2);
    expect(res.body.contributions[1]).toMatchObject({
      kind: 'land',
      quantity: 120.5,
      unit: 'm2',
      valueVnd: 40_000_000,
      receivedQuantity: 0,
      receivedVnd: 0,
    });
    expect(res.body.allowedEvents.sort()).toEqual(['CANCEL', 'SUBMIT']);
    const list = await k.t.http.get('/projects').query({ state: 'draft' }).set('Authorization', reviewer);
    expect(list.status).toBe(200);
    expect(list.body.items.map((p: { id: string }) => p.id)).toContain(res.body.id);
    expect(list.body.nextCursor).toBeNull();
    expect((await k.t.http.get('/projects').query({ state: 'settled' }).set('Authorization', reviewer)).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('refuses by rule: community contribution, the special mechanism cap, funding beyond the cost', async () => {
    const noPledge = await createProject(k, commune, { ...valid(), contributions: [] });
    expect(noPledge.status).toBe(422);
    expect(noPledge.body.rule).toBe('community_contribution_required');
    // A local fund alone needs no pledge.
    expect(
      (await createProject(k, commune, { ...valid(), funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 1 }], contributions: [] })).status,
    ).toBe(201);
    const atCap = await createProject(k, commune, { ...valid(), estimatedCostVnd: 3_000_000_000 });
    expect(atCap.status).toBe(422);
    expect(atCap.body.rule).toBe('special_mechanism_cap');
    expect((await createProject(k, commune, { ...valid(), estimatedCostVnd: 2_999_999_999 })).status).toBe(201);
    const beyond = await createProject(k, commune, { ...valid(), estimatedCostVnd: 999_999_999 });
    expect(beyond.status).toBe(422);
    expect(beyond.body.rule).toBe('funding_exceeds_cost');
  });

  it('answers 400 for amounts that are not positive whole đồng, unknown funds and bad fields', async () => {
    const bad: Record<string, unknown>[] = [
      { estimatedCostVnd: 0 },
      { estimatedCostVnd: -5 },
      { estimatedCostVnd: 1.5 },
      { estimatedCostVnd: '1e9' },
      { estimatedCostVnd: '1000.0' },
      { estimatedCostVnd: 2 ** 53 },
      { estimatedCostVnd: null },
      { funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: '-1' }] },
      { funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 10.25 }] },
      { funding: [{ fundCode: 'NO_SUCH_FUND', amountVnd: 1 }] },
      {
        funding: [
          { fundCode: 'LOCAL_BUDGET', amountVnd: 1 },
          { fundCode: 'LOCAL_BUDGET', amountVnd: 2 },
        ],
      },
      { contributions: [{ ...labour, valueVnd: 0 }] },
      { contributions: [{ ...labour, kind: 'gold' }] },
      { contributions: [{ ...labour, quantity: -1 }] },
      { criterionCode: 17 },
      { title: '' },
      { surprise: true },
    ];
    for (const patch of bad) {
      const res = await createProject(k, commune, { ...valid(), ...patch } as never);
      expect([JSON.stringify(patch), res.status]).toEqual([JSON.stringify(patch), 400]);
    }
  });

  it("only the village's commune proposes: reviewers 403, another commune 404", async () => {
    expect((await createProject(k, reviewer, valid())).status).toBe(403);
    expect((await createProject(k, otherCommune, valid())).status).toBe(404);
  });

  it('reviewers adjust the funding lines when they APPROVE, under the same rules', async () => {
    const id = (await createProject(k, commune, valid())).body.id;
    expect((await sendProject(k, commune, id, { type: 'SUBMIT' })).body.state).toBe('review');
    expect(
      (await sendProject(k, reviewer, id, { type: 'APPROVE', funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 950_000_000 }] })).body.rule,
    ).toBe('funding_exceeds_cost');
    expect((await sendProject(k, reviewer, id, { type: 'APPROVE', funding: [{ fundCode: 'NOPE', amountVnd: 1 }] })).status).toBe(400);
    expect((await sendProject(k, reviewer, id, { type: 'APPROVE', funding: [{ fundCode: 'LOCAL_BUDGET', amountVnd: 0 }] })).status).toBe(
      400,
    );
    const ok = await sendProject(k, reviewer, id, {
      type: 'APPROVE',
      funding: [
        { fundCode: 'LOCAL_BUDGET', amountVnd: '500000000' },
        { fundCode: 'NTM_ANNUAL', amountVnd: 400_000_000 },
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('province_review');
    expect(ok.body.funding.map((f: { fundCode: string; amountVnd: number }) => [f.fundCode, f.amountVnd])).toEqual([
      ['LOCAL_BUDGET', 500_000_000],
      ['NTM_ANNUAL', 400_000_000],
    ]);
    expect((await sendProject(k, commune, id, { type: 'ALLOCATE' })).status).toBe(403);
    const allocated = await sendProject(k, province, id, { type: 'ALLOCATE' });
    expect(allocated.body.state).toBe('approved');
    expect((await fund(k, province, 'LOCAL_BUDGET')).allocatedVnd).toBe(500_000_000);
    expect(await ledgerMismatches(k)).toEqual([]);
  });

  it('RETURN sends the proposal back; REJECT ends it; bad event payloads are 400, out-of-order events 409', async () => {
    const id = (await createProject(k, commune, valid())).body.id;
    expect((await sendProject(k, commune, id, { type: 'ALLOCATE' })).status).toBe(403);
    expect((await sendProject(k, province, id, { type: 'ALLOCATE' })).status).toBe(409);
    expect((await sendProject(k, commune, id, { type: 'FLY' })).status).toBe(400);
    await sendProject(k, commune, id, { type: 'SUBMIT' });
    expect((await sendProject(k, reviewer, id, { type: 'RETURN' })).status).toBe(400);
    expect((await sendProject(k, reviewer, id, { type: 'RETURN', comment: 'Bổ sung dự toán' })).body.state).toBe('draft');
    await sendProject(k, commune, id, { type: 'SUBMIT' });
    await sendProject(k, reviewer, id, { type: 'APPROVE' });
    const rejected = await sendProject(k, province, id, { type: 'REJECT', reason: 'Không phù hợp quy hoạch' });
    expect(rejected.body.state).toBe('rejected');
    expect(rejected.body.allowedEvents).toEqual([]);
  });

  it('the commune cancels before approval; after it only the province may (commune 403)', async () => {
    const early = (await createProject(k, commune, valid())).body.id;
    await sendProject(k, commune, early, { type: 'SUBMIT' });
    expect((await sendProject(k, province, early, { type: 'CANCEL', reason: 'x' })).status).toBe(403);
    expect((await sendProject(k, commune, early, { type: 'CANCEL' })).status).toBe(400);
    expect((await sendProject(k, commune, early, { type: 'CANCEL', reason: 'Dân xin rút' })).body.state).toBe('cancelled');

    const late = (await createProject(k, commune, valid())).body.id;
    await sendProject(k, commune, late, { type: 'SUBMIT' });
    await sendProject(k, reviewer, late, { type: 'APPROVE' });
    const before = await fund(k, province, 'NTM_ANNUAL');
    await sendProject(k, province, late, { type: 'ALLOCATE' });
    const view = await k.t.http.get(`/projects/${late}`).set('Authorization', commune);
    expect(view.body.allowedEvents).toEqual(['START']);
    const refused = await sendProject(k, commune, late, { type: 'CANCEL', reason: 'Dân xin rút' });
    expect(refused.status).toBe(403);
    expect((await k.t.http.get(`/projects/${late}`).set('Authorization', commune)).body.state).toBe('approved');
    expect((await fund(k, province, 'NTM_ANNUAL')).allocatedVnd).toBe(before.allocatedVnd + 700_000_000);
    expect((await sendProject(k, reviewer, late, { type: 'CANCEL', reason: 'x' })).status).toBe(403);
    expect((await sendProject(k, province, late, { type: 'CANCEL', reason: 'Điều chỉnh kế hoạch' })).body.state).toBe('cancelled');
    expect(await fund(k, province, 'NTM_ANNUAL')).toEqual(before);
    expect(await ledgerMismatches(k)).toEqual([]);
  });

  it('records receipts of contributions and shows pledged against received', async () => {
    const created = (await createProject(k, commune, valid())).body;
    const [lab, ld] = created.contributions;
    const url = (cid: string) => `/projects/${created.id}/contributions/${cid}/receipts`;
    const first = await k.t.http
      .post(url(lab.id))
      .set('Authorization', commune)
      .send({ quantity: 100, valueVnd: 20_000_000, receivedAt: '2026-12-01' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ contributionId: lab.id, quantity: 100, valueVnd: 20_000_000, receivedAt: '2026-12-01' });
    // A day as Vietnamese write it is taken too, and answered as YYYY-MM-DD.
    const second = await k.t.http
      .post(url(lab.id))
      .set('Authorization', commune)
      .send({ quantity: 50.5, valueVnd: '10000000', receivedAt: '05/12/2026' })
      .expect(201);
    expect(second.body.receivedAt).toBe('2026-12-05');
    await k.t.http
      .post(url(ld.id))
      .set('Authorization', commune)
      .send({ quantity: 120.5, valueVnd: 40_000_000, receivedAt: '2026-12-02' })
      .expect(201);
    const view = (await k.t.http.get(`/projects/${created.id}`).set('Authorization', reviewer)).body;
    expect(view.contributions.map((c: Record<string, unknown>) => [c.kind, c.valueVnd, c.receivedQuantity, c.receivedVnd])).toEqual([
      ['labor', 60_000_000, 150.5, 30_000_000],
      ['land', 40_000_000, 120.5, 40_000_000],
    ]);
    expect(view).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 70_000_000 });
    // 400s, 403 for others, 404 for unknown contributions and outside the commune.
    for (const body of [
      { quantity: 0, valueVnd: 1, receivedAt: '2026-12-01' },
      { quantity: 1, valueVnd: 1.5, receivedAt: '2026-12-01' },
      { quantity: 1, valueVnd: 1, receivedAt: '2026-13-45' },
      { quantity: 1, valueVnd: 1, receivedAt: 'hôm qua' },
      { quantity: 1, valueVnd: 1, receivedAt: '30/02/2026' },
      { quantity: 1, valueVnd: 1 },
    ]) {
      expect((await k.t.http.post(url(lab.id)).set('Authorization', commune).send(body)).status).toBe(400);
    }
    // A receipt cannot be dated after today (Vietnam's).
    const tomorrow = new Date(Date.now() + 31 * 3600 * 1000).toISOString().slice(0, 10);
    const future = await k.t.http
      .post(url(lab.id))
      .set('Authorization', commune)
      .set('Accept-Language', 'vi')
      .send({ quantity: 1, valueVnd: 1, receivedAt: tomorrow });
    expect(future.status).toBe(400);
    expect(future.body.message).toBe('“receivedAt” phải là một ngày có thật (dd/mm/yyyy hoặc YYYY-MM-DD), không sau ngày hôm nay');
    expect(future.body.errors).toEqual([{ field: 'receivedAt', messages: [future.body.message] }]);
    expect(
      (await k.t.http.post(url(lab.id)).set('Authorization', reviewer).send({ quantity: 1, valueVnd: 1, receivedAt: '2026-12-01' })).status,
    ).toBe(403);
    expect(
      (await k.t.http.post(url(lab.id)).set('Authorization', otherCommune).send({ quantity: 1, valueVnd: 1, receivedAt: '2026-12-01' }))
        .status,
    ).toBe(404);
    expect(
      (await k.t.http.post(url('nope')).set('Authorization', commune).send({ quantity: 1, valueVnd: 1, receivedAt: '2026-12-01' })).status,
    ).toBe(404);
  });

  it('jurisdiction: another commune sees no project of this one (404 on read, events and lists)', async () => {
    const id = (await createProject(k, commune, valid())).body.id;
    expect((await k.t.http.get(`/projects/${id}`).set('Authorization', otherCommune)).status).toBe(404);
    expect((await sendProject(k, otherCommune, id, { type: 'SUBMIT' })).status).toBe(404);
    expect((await sendProject(k, otherCommune, id, { type: 'CANCEL', reason: 'x' })).status).toBe(404);
    const theirs = await k.t.http.get('/projects').set('Authorization', otherCommune);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual({ items: [], nextCursor: null });
    expect((await k.t.http.get(`/projects/${id}`).set('Authorization', province)).status).toBe(200);
    expect(
      (
        await k.t.http
          .get('/projects')
          .query({ unitId: k.unit('LS-TD-02').id })
          .set('Authorization', commune)
      ).status,
    ).toBe(404);
  });
});

import { startKit, type Kit } from './support/certification-kit.js';
import { createProject, fund, ledgerMismatches, sendProject } from './support/funding-kit.js';

/**
 * The money side of projects against real PostgreSQL and Redis: twenty ALLOCATEs at once on a fund that
 * covers seven, and the arithmetic of CANCEL and SETTLE, with the ledger always equal to the funds' columns.
 */
describe('project funding: allocation, cancellation, settlement', () => {
  let k: Kit;
  let commune: string;
  let reviewer: string;
  let province: string;
  let villageId: string;

  beforeAll(async () => {
    k = await startKit('funding_alloc');
    commune = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    reviewer = (await k.user('REVIEWER', 'LS-TD')).auth;
    province = (await k.user('PROVINCE_OFFICER', 'LS')).auth;
    villageId = k.unit('LS-TD-01-01').id;
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  /** A project through SUBMIT and APPROVE, waiting in province_review. */
  async function inProvinceReview(
    funding: { fundCode: string; amountVnd: number }[],
    costVnd: number,
    contributions = [{ kind: 'labor', quantity: 200, unit: 'ngày công', valueVnd: 40_000_000, pledgedBy: 'Nhân dân thôn' }],
  ): Promise<string> {
    const created = await createProject(k, commune, { villageId, estimatedCostVnd: costVnd, funding, contributions });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await sendProject(k, commune, id, { type: 'SUBMIT' })).body.state).toBe('review');
    const approved = await sendProject(k, reviewer, id, { type: 'APPROVE' });
    expect(approved.status).toBe(200);
    expect(approved.body.state).toBe('province_review');
    return id;
  }

  it('twenty concurrent ALLOCATEs on a fund that covers seven: exactly seven succeed, nothing goes below zero', async () => {
    const before = await fund(k, province, 'LOCAL_BUDGET');
    expect(before).toMatchObject({ plannedVnd: 10_000_000_000, allocatedVnd: 0, disbursedVnd: 0, availableVnd: 10_000_000_000 });
    const share = 1_400_000_000; // 7 × 1.4 bn = 9.8 bn ≤ 10 bn < 8 × 1.4 bn
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await inProvinceReview([{ fundCode: 'LOCAL_BUDGET', amountVnd: share }], 1_500_000_000, []));

    const results = await Promise.all(ids.map((id) => sendProject(k, province, id, { type: 'ALLOCATE' })));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 422);
    expect(ok).toHaveLength(7);
    expect(refused).toHaveLength(13);
    for (const r of refused) expect(r.body.rule).toBe('insufficient_funds');
    for (const r of ok) expect(r.body.state).toBe('approved');

    const after = await fund(k, province, 'LOCAL_BUDGET');
    expect(after).toMatchObject({ allocatedVnd: 7 * share, disbursedVnd: 0, availableVnd: 10_000_000_000 - 7 * share });
    expect(await ledgerMismatches(k)).toEqual([]);
    const { rows } = await k.db.query(`SELECT count(*)::int AS n FROM fund_ledger WHERE fund_code = 'LOCAL_BUDGET' AND kind = 'allocate'`);
    expect(rows[0].n).toBe(7);
    // The refused ones stay in province_review with nothing allocated.
    const refusedIds = ids.filter((_, i) => results[i].status === 422);
    for (const id of refusedIds) {
      const p = await k.t.http.get(`/projects/${id}`).set('Authorization', province);
      expect(p.body.state).toBe('province_review');
      expect(p.body.funding[0].allocatedVnd).toBe(0);
    }
    // Cancelling one approved project gives its share back; then one refused project fits.
    const approvedId = ids[results.findIndex((r) => r.status === 200)];
    const cancelled = await sendProject(k, province, approvedId, { type: 'CANCEL', reason: 'Đổi địa điểm' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    expect((await fund(k, province, 'LOCAL_BUDGET')).allocatedVnd).toBe(6 * share);
    expect((await sendProject(k, province, refusedIds[0], { type: 'ALLOCATE' })).status).toBe(200);
    expect((await sendProject(k, province, refusedIds[1], { type: 'ALLOCATE' })).body.rule).toBe('insufficient_funds');
    expect(await ledgerMismatches(k)).toEqual([]);
  }, 180_000);

  it('allocates all lines or none: a short second fund leaves the first untouched', async () => {
    const annual0 = await fund(k, province, 'NTM_ANNUAL');
    const poverty = await fund(k, province, 'POVERTY_2020');
    // Reserve most of POVERTY_2020 with projects under the cap, then ask for more than what is left.
    const big = 4_000_000_000;
    for (let i = 0; i < 2; i++) {
      const id = await inProvinceReview([{ fundCode: 'POVERTY_2020', amountVnd: big }], 4_900_000_000);
      expect((await sendProject(k, province, id, { type: 'ALLOCATE' })).status).toBe(200);
    }
    const left = poverty.availableVnd - 2 * big; // 4 bn
    const id = await inProvinceReview(
      [
        { fundCode: 'NTM_ANNUAL', amountVnd: 100_000_000 },
        { fundCode: 'POVERTY_2020', amountVnd: left + 1 },
      ],
      4_900_000_000,
    );
    const res = await sendProject(k, province, id, { type: 'ALLOCATE' });
    expect(res.status).toBe(422);
    expect(res.body.rule).toBe('insufficient_funds');
    expect(await fund(k, province, 'NTM_ANNUAL')).toEqual(annual0);
    expect((await fund(k, province, 'POVERTY_2020')).availableVnd).toBe(left);
    expect(await ledgerMismatches(k)).toEqual([]);
    // The refusal is recorded by the system and told to the province and the commune.
    const history = await k.t.http.get(`/projects/${id}/history`).set('Authorization', province);
    const { rows } = await k.db.query(
      `SELECT e.type, e.actor_role, e.to_state FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id WHERE i.subject_id = $1 ORDER BY e.seq`,
      [id],
    );
    expect(rows.map((r) => `${r.type} ${r.actor_role} ${r.to_state}`)).toEqual([
      'START COMMUNE_STAFF draft',
      'SUBMIT COMMUNE_STAFF review',
      'APPROVE REVIEWER province_review',
      'FUNDS_SHORT SYSTEM province_review',
    ]);
    expect(history.status).toBe(200);
    expect(history.body.at(-1)).toMatchObject({
      type: 'FUNDS_SHORT',
      actor: { id: null, role: 'SYSTEM' },
      payload: { reason: expect.stringContaining('POVERTY_2020') },
    });
    const outbox = await k.db.query(
      `SELECT o.payload->>'template' AS template, o.payload->'to' AS "to" FROM outbox o JOIN workflow_instances i ON i.id = o.instance_id WHERE i.subject_id = $1 ORDER BY o.seq`,
      [id],
    );
    expect(outbox.rows.at(-1)).toEqual({ template: 'insufficient_funds', to: ['province', 'commune'] });
  }, 60_000);

  it('CANCEL releases the allocation; SETTLE disburses the settled amount and releases the rest', async () => {
    const m0 = await fund(k, province, 'NTM_RESERVE_2020');
    const c0 = await fund(k, province, 'NTM_ANNUAL');
    const id = await inProvinceReview(
      [
        { fundCode: 'NTM_RESERVE_2020', amountVnd: 600_000_000 },
        { fundCode: 'NTM_ANNUAL', amountVnd: 300_000_000 },
      ],
      1_000_000_000,
    );
    const allocated = await sendProject(k, province, id, { type: 'ALLOCATE' });
    expect(allocated.status).toBe(200);
    expect(allocated.body.funding).toEqual([
      { fundCode: 'NTM_ANNUAL', amountVnd: 300_000_000, allocatedVnd: 300_000_000, disbursedVnd: 0 },
      { fundCode: 'NTM_RESERVE_2020', amountVnd: 600_000_000, allocatedVnd: 600_000_000, disbursedVnd: 0 },
    ]);
    expect(await fund(k, province, 'NTM_RESERVE_2020')).toMatchObject({
      allocatedVnd: m0.allocatedVnd + 600_000_000,
      availableVnd: m0.availableVnd - 600_000_000,
    });
    expect((await sendProject(k, commune, id, { type: 'START' })).body.state).toBe('in_progress');
    const progress = await sendProject(k, commune, id, { type: 'REPORT_PROGRESS', percent: 50, note: 'Đã đổ nền' });
    expect(progress.body).toMatchObject({ state: 'in_progress', progress: { percent: 50, note: 'Đã đổ nền' } });
    expect((await sendProject(k, commune, id, { type: 'REQUEST_ACCEPTANCE' })).body.state).toBe('acceptance');
    const accepted = await sendProject(k, reviewer, id, { type: 'ACCEPT', acceptedValueVnd: 880_000_000 });
    expect(accepted.body).toMatchObject({ state: 'accepted', acceptedValueVnd: 880_000_000 });
    // More than the allocation is refused, and nothing moves.
    const tooMuch = await sendProject(k, province, id, { type: 'SETTLE', settledVnd: 900_000_001 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.rule).toBe('settlement_exceeds_allocation');
    const settled = await sendProject(k, province, id, { type: 'SETTLE', settledVnd: '810000000' });
    expect(settled.status).toBe(200);
    expect(settled.body.state).toBe('settled');
    expect(settled.body.settledVnd).toBe(810_000_000);
    // 810 of 900 shared by allocation: NTM_RESERVE_2020 540, NTM_ANNUAL 270; the rest released.
    expect(settled.body.funding).toEqual([
      { fundCode: 'NTM_ANNUAL', amountVnd: 300_000_000, allocatedVnd: 0, disbursedVnd: 270_000_000 },
      { fundCode: 'NTM_RESERVE_2020', amountVnd: 600_000_000, allocatedVnd: 0, disbursedVnd: 540_000_000 },
    ]);
    expect(await fund(k, province, 'NTM_RESERVE_2020')).toMatchObject({
      allocatedVnd: m0.allocatedVnd,
      disbursedVnd: m0.disbursedVnd + 540_000_000,
      availableVnd: m0.availableVnd - 540_000_000,
    });
    expect(await fund(k, province, 'NTM_ANNUAL')).toMatchObject({
      allocatedVnd: c0.allocatedVnd,
      disbursedVnd: c0.disbursedVnd + 270_000_000,
      availableVnd: c0.availableVnd - 270_000_000,
    });
    const { rows } = await k.db.query(
      `SELECT fund_code, kind, amount_vnd::text AS amount FROM fund_ledger WHERE project_id = $1 ORDER BY at, fund_code, kind`,
      [id],
    );
    expect(rows.map((r) => `${r.kind} ${r.fund_code} ${r.amount}`).sort()).toEqual([
      'allocate NTM_ANNUAL 300000000',
      'allocate NTM_RESERVE_2020 600000000',
      'disburse NTM_ANNUAL 270000000',
      'disburse NTM_RESERVE_2020 540000000',
      'release NTM_ANNUAL 30000000',
      'release NTM_RESERVE_2020 60000000',
    ]);

    // Cancelling in progress (by the province) releases everything.
    const other = await inProvinceReview([{ fundCode: 'NTM_RESERVE_2020', amountVnd: 333_333_333 }], 500_000_000);
    const beforeAlloc = await fund(k, province, 'NTM_RESERVE_2020');
    expect((await sendProject(k, province, other, { type: 'ALLOCATE' })).status).toBe(200);
    expect((await sendProject(k, commune, other, { type: 'START' })).status).toBe(200);
    const cancelled = await sendProject(k, province, other, { type: 'CANCEL', reason: 'Thiên tai' });
    expect(cancelled.body.state).toBe('cancelled');
    expect(await fund(k, province, 'NTM_RESERVE_2020')).toEqual(beforeAlloc);
    expect(await ledgerMismatches(k)).toEqual([]);
  }, 60_000);
});

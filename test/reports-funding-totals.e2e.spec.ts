import { startKit, type Kit } from './support/certification-kit.js';
import { createProject, sendProject } from './support/funding-kit.js';
import { funding } from './support/reports-kit.js';

/**
 * The totals behind GET /reports/funding (issue 7): kept per commune by triggers in the transaction that writes
 * pledges, receipts and ledger rows, and a project's pledges voided when it is rejected or cancelled. Against
 * real PostgreSQL: the figures after each kind of write, the totals against a recomputation from the base
 * tables, and a village's report (computed live) against its commune's (read from the totals).
 */

/**
 * The totals recomputed from the base tables, independently of the triggers and of projects.pledges_void (a
 * project's pledges are void when its workflow ended rejected or cancelled): the rows that disagree.
 */
const MISMATCHES = `
  WITH x AS (
    SELECT p.commune_id, x.kind, x.quantity::numeric AS quantity, x.value_vnd, i.state IN ('rejected', 'cancelled') AS ended,
           (SELECT sum(r.quantity::numeric) FROM contribution_receipts r WHERE r.contribution_id = x.id) AS received_quantity,
           (SELECT sum(r.value_vnd) FROM contribution_receipts r WHERE r.contribution_id = x.id) AS received_vnd
      FROM project_contributions x
      JOIN projects p ON p.id = x.project_id
      JOIN workflow_instances i ON i.subject_type = 'project' AND i.subject_id = p.id
  ), by_kind AS (
    SELECT commune_id, kind, count(*) AS contributions,
           coalesce(sum(quantity) FILTER (WHERE NOT ended), 0) AS pledged_quantity,
           coalesce(sum(value_vnd) FILTER (WHERE NOT ended), 0) AS pledged_vnd,
           coalesce(sum(received_quantity), 0) AS received_quantity,
           coalesce(sum(received_vnd), 0) AS received_vnd
      FROM x GROUP BY commune_id, kind
  ), allocated AS (
    SELECT p.commune_id, sum(CASE l.kind WHEN 'allocate' THEN l.amount_vnd WHEN 'release' THEN -l.amount_vnd WHEN 'disburse' THEN -l.amount_vnd END) AS allocated_vnd
      FROM fund_ledger l JOIN projects p ON p.id = l.project_id
     GROUP BY p.commune_id
  ), by_commune AS (
    SELECT coalesce(k.commune_id, a.commune_id) AS commune_id, coalesce(k.pledged_vnd, 0) AS pledged_vnd,
           coalesce(k.received_vnd, 0) AS received_vnd, coalesce(a.allocated_vnd, 0) AS allocated_vnd
      FROM (SELECT commune_id, sum(pledged_vnd) AS pledged_vnd, sum(received_vnd) AS received_vnd FROM by_kind GROUP BY commune_id) k
      FULL JOIN allocated a ON a.commune_id = k.commune_id
  )
  SELECT 'by kind' AS totals, coalesce(e.commune_id, t.commune_id) AS commune_id, coalesce(e.kind, t.kind) AS kind,
         row(e.contributions, e.pledged_quantity, e.pledged_vnd, e.received_quantity, e.received_vnd)::text AS expected,
         row(t.contributions, t.pledged_quantity, t.pledged_vnd, t.received_quantity, t.received_vnd, t.commune_path)::text AS actual
    FROM by_kind e FULL JOIN commune_contribution_totals t ON t.commune_id = e.commune_id AND t.kind = e.kind
   WHERE coalesce(e.contributions, 0) <> coalesce(t.contributions, 0)
      OR coalesce(e.pledged_quantity, 0) <> coalesce(t.pledged_quantity, 0)
      OR coalesce(e.pledged_vnd, 0) <> coalesce(t.pledged_vnd, 0)
      OR coalesce(e.received_quantity, 0) <> coalesce(t.received_quantity, 0)
      OR coalesce(e.received_vnd, 0) <> coalesce(t.received_vnd, 0)
      OR t.commune_path IS DISTINCT FROM (SELECT path FROM units WHERE id = coalesce(e.commune_id, t.commune_id))
  UNION ALL
  SELECT 'by commune', coalesce(e.commune_id, t.commune_id), NULL,
         row(e.pledged_vnd, e.received_vnd, e.allocated_vnd)::text,
         row(t.pledged_vnd, t.received_vnd, t.allocated_vnd, t.commune_path)::text
    FROM by_commune e FULL JOIN commune_funding_totals t ON t.commune_id = e.commune_id
   WHERE coalesce(e.pledged_vnd, 0) <> coalesce(t.pledged_vnd, 0)
      OR coalesce(e.received_vnd, 0) <> coalesce(t.received_vnd, 0)
      OR coalesce(e.allocated_vnd, 0) <> coalesce(t.allocated_vnd, 0)
      OR t.commune_path IS DISTINCT FROM (SELECT path FROM units WHERE id = coalesce(e.commune_id, t.commune_id))
   ORDER BY 1, 2, 3`;

type Contribution = { kind: string; quantity: number; unit: string; valueVnd: number; pledgedBy: string };
const labor = (days: number, valueVnd: number): Contribution => ({
  kind: 'labor',
  quantity: days,
  unit: 'ngày công',
  valueVnd,
  pledgedBy: 'Nhân dân thôn',
});
const land = (m2: number, valueVnd: number): Contribution => ({
  kind: 'land',
  quantity: m2,
  unit: 'm2',
  valueVnd,
  pledgedBy: 'Hộ ông Hoàng Văn Bình',
});
const cash = (valueVnd: number): Contribution => ({
  kind: 'cash',
  quantity: valueVnd,
  unit: 'đồng',
  valueVnd,
  pledgedBy: 'Các hộ trong thôn',
});
/** Materials are counted by their value, in đồng. */
const materials = (valueVnd: number): Contribution => ({
  kind: 'materials',
  quantity: valueVnd,
  unit: 'đồng',
  valueVnd,
  pledgedBy: 'Nhân dân thôn',
});

describe('reports: funding totals kept in the writing transaction', () => {
  let k: Kit;
  let td01: string; // commune staff of LS-TD-01
  let td02: string; // commune staff of LS-TD-02
  let td03: string; // commune staff of LS-TD-03
  let reviewer: string;
  let province: string;

  beforeAll(async () => {
    k = await startKit('reports_funding_totals');
    td01 = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    td02 = (await k.user('COMMUNE_STAFF', 'LS-TD-02')).auth;
    td03 = (await k.user('COMMUNE_STAFF', 'LS-TD-03')).auth;
    reviewer = (await k.user('REVIEWER', 'LS-TD')).auth;
    province = (await k.user('PROVINCE_OFFICER', 'LS')).auth;
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  async function propose(
    auth: string,
    village: string,
    contributions: Contribution[],
    fundingLines: { fundCode: string; amountVnd: number }[] = [{ fundCode: 'LOCAL_BUDGET', amountVnd: 100_000_000 }],
    costVnd = 1_000_000_000,
  ): Promise<{ id: string; contributions: { id: string; kind: string }[] }> {
    const res = await createProject(k, auth, {
      villageId: k.unit(village).id,
      estimatedCostVnd: costVnd,
      funding: fundingLines,
      contributions,
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function receipt(auth: string, projectId: string, contributionId: string, quantity: number, valueVnd: number) {
    const res = await k.t.http
      .post(`/projects/${projectId}/contributions/${contributionId}/receipts`)
      .set('Authorization', auth)
      .send({ quantity, valueVnd, receivedAt: '2026-12-01' });
    expect(res.status).toBe(201);
  }

  async function send(auth: string, id: string, event: Record<string, unknown>, state: string) {
    const res = await sendProject(k, auth, id, event);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe(state);
  }

  async function allocated(communeAuth: string, id: string) {
    await send(communeAuth, id, { type: 'SUBMIT' }, 'review');
    await send(reviewer, id, { type: 'APPROVE' }, 'province_review');
    await send(province, id, { type: 'ALLOCATE' }, 'approved');
  }

  const kinds = (r: Record<string, any>) => Object.fromEntries(r.contributions.map((c: { kind: string }) => [c.kind, c]));
  const row = (r: Record<string, any>, code: string) => r.byUnit.find((u: { unitId: string }) => u.unitId === k.unit(code).id);
  const mismatches = async () => (await k.db.query(MISMATCHES)).rows;

  it('the figures move with pledges, receipts, allocation, settlement, cancellation and rejection', async () => {
    // A: pledged and partly received, allocated, then carried out and settled.
    const a = await propose(
      td01,
      'LS-TD-01-01',
      [labor(300, 60_000_000), land(120.5, 40_000_000)],
      [
        { fundCode: 'NTM_RESERVE_2020', amountVnd: 600_000_000 },
        { fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 },
      ],
    );
    let r = await funding(k, province);
    expect(r.contributions).toEqual([
      { kind: 'labor', pledgedQuantity: 300, pledgedVnd: 60_000_000, receivedQuantity: 0, receivedVnd: 0 },
      { kind: 'land', pledgedQuantity: 120.5, pledgedVnd: 40_000_000, receivedQuantity: 0, receivedVnd: 0 },
    ]);
    expect(row(r, 'LS-TD-01')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 0, allocatedVnd: 0 });
    expect(row(r, 'LS-TD')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 0, allocatedVnd: 0 });
    expect(row(r, 'LS-TD-02')).toMatchObject({ pledgedVnd: 0, receivedVnd: 0, allocatedVnd: 0 });

    await receipt(td01, a.id, a.contributions.find((c) => c.kind === 'labor')!.id, 100, 20_000_000);
    r = await funding(k, province);
    expect(kinds(r).labor).toEqual({
      kind: 'labor',
      pledgedQuantity: 300,
      pledgedVnd: 60_000_000,
      receivedQuantity: 100,
      receivedVnd: 20_000_000,
    });
    expect(row(r, 'LS-TD-01')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 20_000_000, allocatedVnd: 0 });

    await allocated(td01, a.id);
    r = await funding(k, province);
    expect(row(r, 'LS-TD-01')).toMatchObject({ allocatedVnd: 800_000_000 });
    expect(row(r, 'LS-TD')).toMatchObject({ allocatedVnd: 800_000_000 });
    expect(r.totals.allocatedVnd).toBe(800_000_000);

    // B: pledged, partly received, allocated, then cancelled by the province: the allocation is released and its
    // pledges no longer count; what was received still does.
    const b = await propose(
      td01,
      'LS-TD-01-02',
      [cash(50_000_000), labor(100, 20_000_000)],
      [{ fundCode: 'LOCAL_BUDGET', amountVnd: 300_000_000 }],
      500_000_000,
    );
    await receipt(td01, b.id, b.contributions.find((c) => c.kind === 'cash')!.id, 30_000_000, 30_000_000);
    await allocated(td01, b.id);
    r = await funding(k, province);
    expect(row(r, 'LS-TD-01')).toMatchObject({ pledgedVnd: 170_000_000, receivedVnd: 50_000_000, allocatedVnd: 1_100_000_000 });
    expect(kinds(r).cash).toEqual({
      kind: 'cash',
      pledgedQuantity: 50_000_000,
      pledgedVnd: 50_000_000,
      receivedQuantity: 30_000_000,
      receivedVnd: 30_000_000,
    });

    await send(province, b.id, { type: 'CANCEL', reason: 'Đổi địa điểm' }, 'cancelled');
    r = await funding(k, province);
    expect(row(r, 'LS-TD-01')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 50_000_000, allocatedVnd: 800_000_000 });
    expect(row(r, 'LS-TD')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 50_000_000, allocatedVnd: 800_000_000 });
    expect(r.contributions).toEqual([
      { kind: 'cash', pledgedQuantity: 0, pledgedVnd: 0, receivedQuantity: 30_000_000, receivedVnd: 30_000_000 },
      { kind: 'labor', pledgedQuantity: 300, pledgedVnd: 60_000_000, receivedQuantity: 100, receivedVnd: 20_000_000 },
      { kind: 'land', pledgedQuantity: 120.5, pledgedVnd: 40_000_000, receivedQuantity: 0, receivedVnd: 0 },
    ]);
    expect(r.totals.allocatedVnd).toBe(800_000_000);

    // A is carried out: SETTLE disburses 720 million and releases the rest of its 800 million.
    await send(td01, a.id, { type: 'START' }, 'in_progress');
    await send(td01, a.id, { type: 'REQUEST_ACCEPTANCE' }, 'acceptance');
    await send(reviewer, a.id, { type: 'ACCEPT', acceptedValueVnd: 780_000_000 }, 'accepted');
    await send(province, a.id, { type: 'SETTLE', settledVnd: 720_000_000 }, 'settled');
    r = await funding(k, province);
    expect(row(r, 'LS-TD-01')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 50_000_000, allocatedVnd: 0 });
    expect(r.totals).toMatchObject({ allocatedVnd: 0, disbursedVnd: 720_000_000 });

    // C: rejected by the province (REJECT, from province_review): its pledges no longer count.
    const c = await propose(
      td02,
      'LS-TD-02-01',
      [materials(15_000_000)],
      [{ fundCode: 'LOCAL_BUDGET', amountVnd: 100_000_000 }],
      200_000_000,
    );
    await send(td02, c.id, { type: 'SUBMIT' }, 'review');
    await send(reviewer, c.id, { type: 'APPROVE' }, 'province_review');
    r = await funding(k, province);
    expect(row(r, 'LS-TD-02')).toMatchObject({ pledgedVnd: 15_000_000 });
    expect(row(r, 'LS-TD')).toMatchObject({ pledgedVnd: 115_000_000 });
    await send(province, c.id, { type: 'REJECT', reason: 'Không phù hợp quy hoạch' }, 'rejected');
    r = await funding(k, province);
    expect(row(r, 'LS-TD-02')).toMatchObject({ pledgedVnd: 0, receivedVnd: 0, allocatedVnd: 0 });
    expect(row(r, 'LS-TD')).toMatchObject({ pledgedVnd: 100_000_000, receivedVnd: 50_000_000, allocatedVnd: 0 });
    expect(kinds(r).materials).toEqual({ kind: 'materials', pledgedQuantity: 0, pledgedVnd: 0, receivedQuantity: 0, receivedVnd: 0 });

    // D: a draft the commune cancels.
    const d = await propose(td01, 'LS-TD-01-03', [labor(10, 2_000_000)]);
    expect(row(await funding(k, province), 'LS-TD-01')).toMatchObject({ pledgedVnd: 102_000_000 });
    await send(td01, d.id, { type: 'CANCEL', reason: 'Thôn rút đề xuất' }, 'cancelled');
    expect(row(await funding(k, province), 'LS-TD-01')).toMatchObject({
      pledgedVnd: 100_000_000,
      receivedVnd: 50_000_000,
      allocatedVnd: 0,
    });

    // The commune sees the same figures for itself.
    const own = await funding(k, td01);
    expect(own.byUnit).toEqual([
      expect.objectContaining({ unitId: k.unit('LS-TD-01').id, pledgedVnd: 100_000_000, receivedVnd: 50_000_000, allocatedVnd: 0 }),
    ]);
    expect(await mismatches()).toEqual([]);
  }, 120_000);

  it('after concurrent proposals, receipts, allocations and cancellations the totals equal a recomputation from the base tables', async () => {
    // Proposals in one commune at once, with their kinds in opposite orders (the totals' rows are locked in key
    // order, so none deadlocks).
    const proposals = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const pledges = [labor(10 + i, 1_000_000 * (i + 1)), land(0.1 * (i + 1), 300_000 * (i + 1)), cash(100_000 * (i + 1))];
        return propose(
          td03,
          `LS-TD-03-0${1 + (i % 4)}`,
          i % 2 ? pledges.reverse() : pledges,
          [{ fundCode: 'LOCAL_BUDGET', amountVnd: 100_000_000 }],
          400_000_000,
        );
      }),
    );
    // Receipts on every pledge at once, twice.
    await Promise.all(
      proposals.flatMap((p) =>
        p.contributions.flatMap((x) => [
          // Cash is counted in đồng: its quantity is its value.
          receipt(td03, p.id, x.id, x.kind === 'cash' ? 100_000 : 0.1, 100_000),
          receipt(td03, p.id, x.id, x.kind === 'cash' ? 50_000 : 0.2, 50_000),
        ]),
      ),
    );
    // Half allocated (concurrently), then some cancelled from each side of the approval, while others get receipts.
    await Promise.all(proposals.slice(0, 4).map((p) => allocated(td03, p.id)));
    await Promise.all([
      send(province, proposals[0].id, { type: 'CANCEL', reason: 'Thiếu mặt bằng' }, 'cancelled'),
      send(province, proposals[1].id, { type: 'CANCEL', reason: 'Thiếu mặt bằng' }, 'cancelled'),
      send(td03, proposals[4].id, { type: 'CANCEL', reason: 'Thôn rút đề xuất' }, 'cancelled'),
      ...proposals
        .slice(5)
        .map((p) => receipt(td03, p.id, p.contributions[0].id, p.contributions[0].kind === 'cash' ? 700_000 : 1.5, 700_000)),
    ]);
    await send(td03, proposals[5].id, { type: 'SUBMIT' }, 'review');
    await send(reviewer, proposals[5].id, { type: 'APPROVE' }, 'province_review');
    await send(province, proposals[5].id, { type: 'REJECT', reason: 'Trùng danh mục' }, 'rejected');

    expect(await mismatches()).toEqual([]);
    const {
      rows: [n],
    } = await k.db.query(`SELECT count(*)::int AS void FROM projects WHERE pledges_void`);
    expect(n.void).toBe(7); // B, C and D above; 0, 1, 4 and 5 here
    // The comparison is not vacuous: a total off by one đồng is found.
    const client = await k.db.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE commune_contribution_totals SET received_vnd = received_vnd + 1 WHERE commune_id = $1 AND kind = 'land'`, [
        k.unit('LS-TD-03').id,
      ]);
      expect((await client.query(MISMATCHES)).rows).toEqual([
        expect.objectContaining({ totals: 'by kind', commune_id: k.unit('LS-TD-03').id, kind: 'land' }),
      ]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }, 180_000);

  it("a village's report, computed from its projects, agrees with its commune's, read from the totals", async () => {
    for (const commune of ['LS-TD-01', 'LS-TD-03']) {
      const whole = await funding(k, province, { unitId: k.unit(commune).id });
      const villages = [...k.units.keys()].filter((code) => code.startsWith(`${commune}-`));
      expect(villages.length).toBeGreaterThan(3);
      const sum = new Map<
        string,
        { kind: string; pledgedQuantity: number; pledgedVnd: number; receivedQuantity: number; receivedVnd: number }
      >();
      for (const village of villages) {
        const part = await funding(k, province, { unitId: k.unit(village).id });
        expect(part.byUnit).toEqual([]);
        for (const c of part.contributions) {
          const s = sum.get(c.kind) ?? { kind: c.kind, pledgedQuantity: 0, pledgedVnd: 0, receivedQuantity: 0, receivedVnd: 0 };
          sum.set(c.kind, {
            kind: c.kind,
            pledgedQuantity: s.pledgedQuantity + c.pledgedQuantity,
            pledgedVnd: s.pledgedVnd + c.pledgedVnd,
            receivedQuantity: s.receivedQuantity + c.receivedQuantity,
            receivedVnd: s.receivedVnd + c.receivedVnd,
          });
        }
      }
      const parts = [...sum.values()].sort((x, y) => (x.kind < y.kind ? -1 : 1));
      expect(parts.map((c) => c.kind)).toEqual(whole.contributions.map((c: { kind: string }) => c.kind));
      for (const [i, c] of whole.contributions.entries()) {
        expect(parts[i].pledgedVnd).toBe(c.pledgedVnd);
        expect(parts[i].receivedVnd).toBe(c.receivedVnd);
        // Quantities are sums of DOUBLE PRECISION values (each path sums them exactly, as NUMERIC).
        expect(parts[i].pledgedQuantity).toBeCloseTo(c.pledgedQuantity, 9);
        expect(parts[i].receivedQuantity).toBeCloseTo(c.receivedQuantity, 9);
      }
    }
    // B's village alone: the cancelled project's cash pledge is not counted, its receipt is (the same rule live).
    const b = await funding(k, province, { unitId: k.unit('LS-TD-01-02').id });
    expect(b.contributions).toEqual([
      { kind: 'cash', pledgedQuantity: 0, pledgedVnd: 0, receivedQuantity: 30_000_000, receivedVnd: 30_000_000 },
      { kind: 'labor', pledgedQuantity: 0, pledgedVnd: 0, receivedQuantity: 0, receivedVnd: 0 },
    ]);
    // A village with no project has nothing to list.
    expect((await funding(k, province, { unitId: k.unit('LS-TD-01-05').id })).contributions).toEqual([]);
  }, 120_000);
});

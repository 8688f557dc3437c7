import type { Response } from 'supertest';
import type { Kit } from './certification-kit.js';

/** Helpers shared by the funding e2e files (test/funding-*.e2e.spec.ts). A work is 1.5 km of canal in 2020 unless the body says otherwise. */

export interface ProjectBody {
  villageId: string;
  title?: string;
  criterionCode?: number;
  workType?: string;
  physicalQuantity?: number;
  year?: number;
  estimatedCostVnd: unknown;
  funding: { fundCode: string; amountVnd: unknown }[];
  contributions?: { kind: string; quantity?: unknown; unit?: string; valueVnd: unknown; pledgedBy: string }[];
}

export function createProject(k: Kit, auth: string, body: ProjectBody): Promise<Response> {
  return k.t.http
    .post('/projects')
    .set('Authorization', auth)
    .send({
      title: 'Bê tông hóa đường trục thôn',
      criterionCode: 2,
      workType: 'irrigation_canal',
      physicalQuantity: 1.5,
      year: 2020,
      contributions: [],
      ...body,
    });
}

export function sendProject(k: Kit, auth: string, id: string, body: Record<string, unknown>): Promise<Response> {
  return k.t.http.post(`/projects/${id}/events`).set('Authorization', auth).send(body);
}

export async function fund(
  k: Kit,
  auth: string,
  code: string,
): Promise<{ plannedVnd: number; allocatedVnd: number; disbursedVnd: number; availableVnd: number }> {
  const res = await k.t.http.get('/funds').set('Authorization', auth);
  expect(res.status).toBe(200);
  return res.body.find((f: { code: string }) => f.code === code);
}

/** Each fund's columns against its ledger's sums; returns the funds that disagree (none, always). */
export async function ledgerMismatches(k: Kit): Promise<unknown[]> {
  const { rows } = await k.db.query(
    `SELECT f.code, f.planned_vnd::text AS planned, f.allocated_vnd::text AS allocated, f.disbursed_vnd::text AS disbursed,
            coalesce(sum(CASE l.kind WHEN 'allocate' THEN l.amount_vnd ELSE -l.amount_vnd END), 0)::text AS ledger_allocated,
            coalesce(sum(l.amount_vnd) FILTER (WHERE l.kind = 'disburse'), 0)::text AS ledger_disbursed
       FROM funds f LEFT JOIN fund_ledger l ON l.fund_code = f.code GROUP BY f.code ORDER BY f.code`,
  );
  return rows.filter(
    (r) =>
      r.allocated !== r.ledger_allocated ||
      r.disbursed !== r.ledger_disbursed ||
      BigInt(r.allocated) < 0n ||
      BigInt(r.allocated) + BigInt(r.disbursed) > BigInt(r.planned),
  );
}

import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { ruleViolation } from '../common/http-errors.js';
import { PG_POOL } from '../database/pg-pool.js';

export interface FundRow {
  code: string;
  group: string;
  name_vi: string;
  name_en: string;
  central_budget: boolean;
  planned_vnd: string;
  allocated_vnd: string;
  disbursed_vnd: string;
}

type LedgerKind = 'allocate' | 'release' | 'disburse';

/**
 * The funds and their money ledger. Every move locks the fund rows it touches in code order
 * (`SELECT ... ORDER BY code FOR UPDATE`) inside the caller's transaction, updates the columns and writes the
 * ledger row, so the columns always equal the ledger's sums: allocated = allocate − release − disburse,
 * disbursed = disburse; available = planned − allocated − disbursed.
 */
@Injectable()
export class FundsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async list(): Promise<FundRow[]> {
    const { rows } = await this.pool.query<FundRow>('SELECT code, "group", name_vi, name_en, central_budget, planned_vnd, allocated_vnd, disbursed_vnd FROM funds ORDER BY code');
    return rows;
  }

  /** The funds of these codes; 400 naming any unknown one. */
  async known(codes: string[], client: pg.Pool | pg.PoolClient = this.pool): Promise<Map<string, FundRow>> {
    const { rows } = await client.query<FundRow>('SELECT code, "group", name_vi, name_en, central_budget, planned_vnd, allocated_vnd, disbursed_vnd FROM funds WHERE code = ANY($1)', [codes]);
    const found = new Map(rows.map((r) => [r.code, r]));
    const unknown = codes.filter((c) => !found.has(c));
    if (unknown.length) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `unknown fund code(s): ${unknown.join(', ')}` });
    return found;
  }

  private async lock(tx: pg.PoolClient, codes: string[]): Promise<Map<string, FundRow>> {
    const { rows } = await tx.query<FundRow>({
      name: 'funds-lock',
      text: 'SELECT code, "group", name_vi, name_en, central_budget, planned_vnd, allocated_vnd, disbursed_vnd FROM funds WHERE code = ANY($1) ORDER BY code FOR UPDATE',
      values: [[...codes].sort()],
    });
    return new Map(rows.map((r) => [r.code, r]));
  }

  private async move(tx: pg.PoolClient, fund: string, projectId: string, kind: LedgerKind, amount: bigint, actorId: string | null) {
    if (amount <= 0n) return;
    const [allocated, disbursed] = kind === 'allocate' ? [amount, 0n] : kind === 'release' ? [-amount, 0n] : [-amount, amount];
    await tx.query({
      name: 'funds-move',
      text: 'UPDATE funds SET allocated_vnd = allocated_vnd + $2::bigint, disbursed_vnd = disbursed_vnd + $3::bigint WHERE code = $1',
      values: [fund, allocated.toString(), disbursed.toString()],
    });
    await tx.query({
      name: 'funds-ledger-insert',
      text: 'INSERT INTO fund_ledger (id, fund_code, project_id, kind, amount_vnd, actor_id) VALUES (gen_random_uuid()::text, $1, $2, $3, $4::bigint, $5)',
      values: [fund, projectId, kind, amount.toString(), actorId],
    });
  }

  /** What the project holds allocated (not yet released or disbursed) per fund. */
  async outstanding(tx: pg.PoolClient, projectId: string): Promise<Map<string, bigint>> {
    const { rows } = await tx.query<{ fund_code: string; amount: string }>(
      `SELECT fund_code, sum(CASE kind WHEN 'allocate' THEN amount_vnd ELSE -amount_vnd END)::text AS amount
         FROM fund_ledger WHERE project_id = $1 GROUP BY fund_code ORDER BY fund_code`,
      [projectId],
    );
    return new Map(rows.map((r) => [r.fund_code, BigInt(r.amount)]).filter(([, a]) => (a as bigint) > 0n) as [string, bigint][]);
  }

  /** Reserves every line or nothing: 422 insufficient_funds when any fund's available amount is short. */
  async allocate(tx: pg.PoolClient, projectId: string, lines: Map<string, bigint>, actorId: string | null): Promise<void> {
    const funds = await this.lock(tx, [...lines.keys()]);
    const short = [...lines].filter(([code, amount]) => {
      const f = funds.get(code)!;
      return BigInt(f.planned_vnd) - BigInt(f.allocated_vnd) - BigInt(f.disbursed_vnd) < amount;
    });
    if (short.length) {
      throw ruleViolation('insufficient_funds', `not enough available in ${short.map(([c]) => c).join(', ')}; nothing was allocated`, {
        funds: short.map(([code, amount]) => {
          const f = funds.get(code)!;
          return { fundCode: code, requestedVnd: Number(amount), availableVnd: Number(BigInt(f.planned_vnd) - BigInt(f.allocated_vnd) - BigInt(f.disbursed_vnd)) };
        }),
      });
    }
    for (const [code, amount] of [...lines].sort(([a], [b]) => (a < b ? -1 : 1))) await this.move(tx, code, projectId, 'allocate', amount, actorId);
  }

  /** Gives back everything the project still holds. */
  async releaseAll(tx: pg.PoolClient, projectId: string, actorId: string | null): Promise<void> {
    const held = await this.outstanding(tx, projectId);
    if (!held.size) return;
    await this.lock(tx, [...held.keys()]);
    for (const [code, amount] of held) await this.move(tx, code, projectId, 'release', amount, actorId);
  }

  /**
   * Disburses `settled` from what the project holds, shared among its funds in proportion to their
   * allocations (remainder đồng to the first funds by code), and releases the rest. 422 when `settled` is
   * more than the allocation.
   */
  async settle(tx: pg.PoolClient, projectId: string, settled: bigint, actorId: string | null): Promise<void> {
    const held = await this.outstanding(tx, projectId);
    const total = [...held.values()].reduce((a, b) => a + b, 0n);
    if (settled > total) {
      throw ruleViolation('settlement_exceeds_allocation', `the settled amount ${settled} is more than the allocation ${total}`);
    }
    await this.lock(tx, [...held.keys()]);
    const shares = new Map<string, bigint>();
    let given = 0n;
    for (const [code, amount] of held) {
      const share = (settled * amount) / total;
      shares.set(code, share);
      given += share;
    }
    for (const [code, amount] of held) {
      if (given >= settled) break;
      const room = amount - shares.get(code)!;
      const extra = room < settled - given ? room : settled - given;
      shares.set(code, shares.get(code)! + extra);
      given += extra;
    }
    for (const [code, amount] of held) {
      await this.move(tx, code, projectId, 'disburse', shares.get(code)!, actorId);
      await this.move(tx, code, projectId, 'release', amount - shares.get(code)!, actorId);
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import { InsufficientFunds, InvalidInput, RuleViolation } from '../common/errors.js';
import { DB, type Db, type Tables } from '../database/db.js';

const FUND_COLUMNS = [
  'code',
  'group',
  'name_vi',
  'name_en',
  'central_budget',
  'kind',
  'year',
  'planned_vnd',
  'allocated_vnd',
  'disbursed_vnd',
] as const;
export type FundRow = Pick<Selectable<Tables['funds']>, (typeof FUND_COLUMNS)[number]>;

export type FundListRow = FundRow & {
  lent_vnd: string | null;
  households: number | null;
  enterprise_pledged_vnd: string | null;
  contributions_received_vnd: string;
};

type LedgerKind = 'allocate' | 'release' | 'disburse';

/**
 * The funds and their money ledger. Every move locks the fund rows it touches in code order
 * (`SELECT ... ORDER BY code FOR UPDATE`) inside the caller's transaction, updates the columns and writes the
 * ledger row, so the columns always equal the ledger's sums: allocated = allocate − release − disburse,
 * disbursed = disburse; available = planned − allocated − disbursed.
 */
@Injectable()
export class FundsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /**
   * Every fund with what its kind records beside the ledger: a credit fund's loans (amount, households), a
   * mobilised fund's enterprise pledges and the community contributions received (from the per-commune totals).
   */
  list(): Promise<FundListRow[]> {
    return this.db
      .selectFrom('funds as f')
      .select(FUND_COLUMNS.map((c) => `f.${c}` as const))
      .select((eb) => [
        eb
          .selectFrom('credit_loans as l')
          .select(sql<string>`coalesce(sum(l.amount_vnd), 0)::text`.as('v'))
          .whereRef('l.fund_code', '=', 'f.code')
          .as('lent_vnd'),
        eb
          .selectFrom('credit_loans as l')
          .select(sql<number>`coalesce(sum(l.households), 0)::int`.as('n'))
          .whereRef('l.fund_code', '=', 'f.code')
          .as('households'),
        eb
          .selectFrom('enterprise_pledges as p')
          .select(sql<string>`coalesce(sum(p.amount_vnd), 0)::text`.as('v'))
          .whereRef('p.fund_code', '=', 'f.code')
          .as('enterprise_pledged_vnd'),
        sql<string>`CASE WHEN f.kind = 'mobilised' THEN (SELECT coalesce(sum(received_vnd), 0) FROM commune_contribution_totals) ELSE 0 END::text`.as(
          'contributions_received_vnd',
        ),
      ])
      .orderBy('f.code')
      .execute() as Promise<FundListRow[]>;
  }

  /** One fund by its code (its own columns, none of `list`'s sums), or null. */
  async byCode(code: string, db: Db = this.db): Promise<FundRow | null> {
    return (await db.selectFrom('funds').select(FUND_COLUMNS).where('code', '=', code).executeTakeFirst()) ?? null;
  }

  /** The funds of these codes; InvalidInput naming any unknown one. */
  async known(codes: string[], db: Db = this.db): Promise<Map<string, FundRow>> {
    const rows = codes.length ? await db.selectFrom('funds').select(FUND_COLUMNS).where('code', 'in', codes).execute() : [];
    const found = new Map(rows.map((r) => [r.code, r]));
    const unknown = codes.filter((c) => !found.has(c));
    if (unknown.length) throw new InvalidInput('fund_unknown', { funds: unknown.join(', ') });
    return found;
  }

  private async lock(db: Db, codes: string[]): Promise<Map<string, FundRow>> {
    if (!codes.length) return new Map();
    const rows = await db
      .selectFrom('funds')
      .select(FUND_COLUMNS)
      .where('code', 'in', [...codes].sort())
      .orderBy('code')
      .forUpdate()
      .execute();
    return new Map(rows.map((r) => [r.code, r]));
  }

  private async move(db: Db, fund: string, projectId: string, kind: LedgerKind, amount: bigint, actorId: string | null) {
    if (amount <= 0n) return;
    const [allocated, disbursed] = kind === 'allocate' ? [amount, 0n] : kind === 'release' ? [-amount, 0n] : [-amount, amount];
    await db
      .updateTable('funds')
      .set({
        allocated_vnd: sql`allocated_vnd + ${allocated.toString()}::bigint`,
        disbursed_vnd: sql`disbursed_vnd + ${disbursed.toString()}::bigint`,
      })
      .where('code', '=', fund)
      .execute();
    await db
      .insertInto('fund_ledger')
      .values({
        id: sql`gen_random_uuid()::text`,
        fund_code: fund,
        project_id: projectId,
        kind,
        amount_vnd: amount.toString(),
        actor_id: actorId,
      })
      .execute();
  }

  /** What the project holds allocated (not yet released or disbursed) per fund. */
  async outstanding(db: Db, projectId: string): Promise<Map<string, bigint>> {
    const rows = await db
      .selectFrom('fund_ledger')
      .select(['fund_code', sql<string>`sum(CASE kind WHEN 'allocate' THEN amount_vnd ELSE -amount_vnd END)::text`.as('amount')])
      .where('project_id', '=', projectId)
      .groupBy('fund_code')
      .orderBy('fund_code')
      .execute();
    return new Map(rows.map((r) => [r.fund_code, BigInt(r.amount)]).filter(([, a]) => (a as bigint) > 0n) as [string, bigint][]);
  }

  /** Reserves every line or nothing: 422 insufficient_funds when any fund's available amount is short. */
  async allocate(tx: Db, projectId: string, lines: Map<string, bigint>, actorId: string | null): Promise<void> {
    const funds = await this.lock(tx, [...lines.keys()]);
    const short = [...lines].filter(([code, amount]) => {
      const f = funds.get(code)!;
      return BigInt(f.planned_vnd) - BigInt(f.allocated_vnd) - BigInt(f.disbursed_vnd) < amount;
    });
    if (short.length) {
      throw new InsufficientFunds(
        short.map(([code, amount]) => {
          const f = funds.get(code)!;
          return {
            fundCode: code,
            requestedVnd: Number(amount),
            availableVnd: Number(BigInt(f.planned_vnd) - BigInt(f.allocated_vnd) - BigInt(f.disbursed_vnd)),
          };
        }),
      );
    }
    for (const [code, amount] of [...lines].sort(([a], [b]) => (a < b ? -1 : 1)))
      await this.move(tx, code, projectId, 'allocate', amount, actorId);
  }

  /** Gives back everything the project still holds. */
  async releaseAll(tx: Db, projectId: string, actorId: string | null): Promise<void> {
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
  async settle(tx: Db, projectId: string, settled: bigint, actorId: string | null): Promise<void> {
    const held = await this.outstanding(tx, projectId);
    const total = [...held.values()].reduce((a, b) => a + b, 0n);
    if (settled > total) {
      throw new RuleViolation('settlement_exceeds_allocation', 'settlement_exceeds_allocation', {
        settled: settled.toString(),
        allocated: total.toString(),
      });
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

import { Inject, Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import { InsufficientFunds } from '../common/errors.js';
import { DB, pathsUnder, type Db, type Tables } from '../database/db.js';

type Loan = Selectable<Tables['credit_loans']>;
type Pledge = Selectable<Tables['enterprise_pledges']>;
type UnitName = Selectable<Tables['units']>['name'];

/** A loan as `loans` selects it: its commune's name joined, its date as text (`to_char`). */
export type LoanRow = Pick<Loan, 'id' | 'fund_code' | 'commune_id' | 'households' | 'amount_vnd' | 'note'> & {
  commune_name: UnitName;
  disbursed_on: string;
};

/** A pledge as `pledges` selects it: its unit's name joined, its date as text (`to_char`). */
export type PledgeRow = Pick<Pledge, 'id' | 'fund_code' | 'enterprise' | 'unit_id' | 'amount_vnd' | 'note'> & {
  unit_name: UnitName;
  pledged_on: string;
};

/**
 * What credit and mobilised funds record instead of allocations to works: loans disbursed to households of a
 * commune (credit), enterprises' pledges (mobilised). Loans count against the credit fund's plan, checked under
 * the fund row's lock so that concurrent loans cannot lend beyond it.
 */
@Injectable()
export class FundRecordsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insertLoan(
    tx: Db,
    l: {
      id: string;
      fundCode: string;
      communeId: string;
      communePath: string;
      households: number;
      amountVnd: bigint;
      disbursedOn: string;
      note: string | null;
      recordedBy: string;
    },
  ): Promise<void> {
    const fund = await tx
      .selectFrom('funds')
      .select(['planned_vnd', 'allocated_vnd', 'disbursed_vnd'])
      .where('code', '=', l.fundCode)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const lent = await tx
      .selectFrom('credit_loans')
      .select(sql<string>`coalesce(sum(amount_vnd), 0)::text`.as('lent'))
      .where('fund_code', '=', l.fundCode)
      .executeTakeFirstOrThrow();
    const available = BigInt(fund.planned_vnd) - BigInt(fund.allocated_vnd) - BigInt(fund.disbursed_vnd) - BigInt(lent.lent);
    if (l.amountVnd > available) {
      throw new InsufficientFunds([{ fundCode: l.fundCode, requestedVnd: Number(l.amountVnd), availableVnd: Number(available) }]);
    }
    await tx
      .insertInto('credit_loans')
      .values({
        id: l.id,
        fund_code: l.fundCode,
        commune_id: l.communeId,
        commune_path: l.communePath,
        households: l.households,
        amount_vnd: l.amountVnd.toString(),
        disbursed_on: l.disbursedOn,
        note: l.note,
        recorded_by: l.recordedBy,
      })
      .execute();
  }

  async insertPledge(p: {
    id: string;
    fundCode: string;
    enterprise: string;
    unitId: string;
    unitPath: string;
    amountVnd: bigint;
    pledgedOn: string;
    note: string | null;
    recordedBy: string;
  }): Promise<void> {
    await this.db
      .insertInto('enterprise_pledges')
      .values({
        id: p.id,
        fund_code: p.fundCode,
        enterprise: p.enterprise,
        unit_id: p.unitId,
        unit_path: p.unitPath,
        amount_vnd: p.amountVnd.toString(),
        pledged_on: p.pledgedOn,
        note: p.note,
        recorded_by: p.recordedBy,
      })
      .execute();
  }

  /** `limit + 1` loans of the fund in scope, in id order after `afterId`. */
  loans(fundCode: string, scope: string, limit: number, afterId?: string): Promise<LoanRow[]> {
    let q = this.db
      .selectFrom('credit_loans as l')
      .innerJoin('units as c', 'c.id', 'l.commune_id')
      .select([
        'l.id',
        'l.fund_code',
        'l.commune_id',
        'c.name as commune_name',
        'l.households',
        sql<string>`l.amount_vnd::text`.as('amount_vnd'),
        sql<string>`to_char(l.disbursed_on, 'YYYY-MM-DD')`.as('disbursed_on'),
        'l.note',
      ])
      .where('l.fund_code', '=', fundCode)
      .where('l.commune_path', 'like', pathsUnder(scope));
    if (afterId) q = q.where('l.id', '>', afterId);
    return q
      .orderBy('l.id')
      .limit(limit + 1)
      .execute();
  }

  /** `limit + 1` enterprises' pledges to the fund in scope, in id order after `afterId`. */
  pledges(fundCode: string, scope: string, limit: number, afterId?: string): Promise<PledgeRow[]> {
    let q = this.db
      .selectFrom('enterprise_pledges as p')
      .innerJoin('units as u', 'u.id', 'p.unit_id')
      .select([
        'p.id',
        'p.fund_code',
        'p.enterprise',
        'p.unit_id',
        'u.name as unit_name',
        sql<string>`p.amount_vnd::text`.as('amount_vnd'),
        sql<string>`to_char(p.pledged_on, 'YYYY-MM-DD')`.as('pledged_on'),
        'p.note',
      ])
      .where('p.fund_code', '=', fundCode)
      .where('p.unit_path', 'like', pathsUnder(scope));
    if (afterId) q = q.where('p.id', '>', afterId);
    return q
      .orderBy('p.id')
      .limit(limit + 1)
      .execute();
  }
}

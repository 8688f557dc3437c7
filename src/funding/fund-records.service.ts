import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { pastDay } from '../common/calendar-day.js';
import { NotFound, RuleViolation } from '../common/errors.js';
import { decodeCursor, toPage, type PageQuery } from '../common/pagination.js';
import { Clock } from '../engine/clock.js';
import { EngineService } from '../engine/engine.service.js';
import { UnitsRepository } from '../units/units.repository.js';
import { FundRecordsRepository, type LoanRow, type PledgeRow } from './fund-records.repository.js';
import { FundsRepository, type FundRow } from './funds.repository.js';
import { toBig, type EnterprisePledgeDto, type LoanDto } from './projects.dto.js';

/** Loans of credit funds by commune, and enterprises' pledges to mobilised funds. */
@Injectable()
export class FundRecordsService {
  constructor(
    private readonly records: FundRecordsRepository,
    private readonly funds: FundsRepository,
    private readonly units: UnitsRepository,
    private readonly engine: EngineService,
    private readonly clock: Clock,
  ) {}

  private async fundOfKind(code: string, kind: 'credit' | 'mobilised'): Promise<FundRow> {
    const fund = await this.funds.byCode(code);
    if (!fund) throw new NotFound('fund');
    if (fund.kind !== kind) {
      const rule = kind === 'credit' ? 'fund_not_credit' : 'fund_not_mobilised';
      throw new RuleViolation(rule, rule, { fund: code }, { fundCode: code, kind: fund.kind });
    }
    return fund;
  }

  /** A loan disbursement to households of a commune in the caller's scope (422 insufficient_funds past the plan). */
  async addLoan(actor: Actor, code: string, dto: LoanDto) {
    await this.fundOfKind(code, 'credit');
    const commune = await this.units.findById(dto.communeId, scopePath(actor));
    if (!commune || commune.level !== 'COMMUNE') throw new NotFound('unit');
    const disbursedOn = pastDay(dto.disbursedOn, 'disbursedOn', this.clock.now());
    const id = randomUUID();
    await this.engine.transaction((tx) =>
      this.records.insertLoan(tx, {
        id,
        fundCode: code,
        communeId: commune.id,
        communePath: commune.path,
        households: dto.households,
        amountVnd: toBig(dto.amountVnd),
        disbursedOn,
        note: dto.note ?? null,
        recordedBy: actor.id,
      }),
    );
    return loanView({
      id,
      fund_code: code,
      commune_id: commune.id,
      commune_name: commune.name,
      households: dto.households,
      amount_vnd: String(dto.amountVnd),
      disbursed_on: disbursedOn,
      note: dto.note ?? null,
    });
  }

  async loans(actor: Actor, code: string, query: PageQuery) {
    await this.fundOfKind(code, 'credit');
    const limit = query.limit ?? 50;
    return toPage((await this.records.loans(code, scopePath(actor), limit, decodeCursor(query.cursor))).map(loanView), limit, (l) => l.id);
  }

  /** An enterprise's pledge to a commune in the caller's scope, or (no commune) to the caller's own unit. */
  async addPledge(actor: Actor, code: string, dto: EnterprisePledgeDto) {
    await this.fundOfKind(code, 'mobilised');
    const unit = await this.units.findById(dto.communeId ?? actor.unitId, scopePath(actor));
    if (!unit || (unit.level !== 'COMMUNE' && unit.level !== 'PROVINCE')) throw new NotFound('unit');
    const pledgedOn = pastDay(dto.pledgedOn, 'pledgedOn', this.clock.now());
    const id = randomUUID();
    await this.records.insertPledge({
      id,
      fundCode: code,
      enterprise: dto.enterprise,
      unitId: unit.id,
      unitPath: unit.path,
      amountVnd: toBig(dto.amountVnd),
      pledgedOn,
      note: dto.note ?? null,
      recordedBy: actor.id,
    });
    return pledgeView({
      id,
      fund_code: code,
      enterprise: dto.enterprise,
      unit_id: unit.id,
      unit_name: unit.name,
      amount_vnd: String(dto.amountVnd),
      pledged_on: pledgedOn,
      note: dto.note ?? null,
    });
  }

  async pledges(actor: Actor, code: string, query: PageQuery) {
    await this.fundOfKind(code, 'mobilised');
    const limit = query.limit ?? 50;
    return toPage(
      (await this.records.pledges(code, scopePath(actor), limit, decodeCursor(query.cursor))).map(pledgeView),
      limit,
      (p) => p.id,
    );
  }
}

function loanView(l: LoanRow) {
  return {
    id: l.id,
    fundCode: l.fund_code,
    communeId: l.commune_id,
    communeName: l.commune_name,
    households: l.households,
    amountVnd: Number(l.amount_vnd),
    disbursedOn: l.disbursed_on,
    note: l.note,
  };
}

function pledgeView(p: PledgeRow) {
  return {
    id: p.id,
    fundCode: p.fund_code,
    enterprise: p.enterprise,
    unitId: p.unit_id,
    unitName: p.unit_name,
    amountVnd: Number(p.amount_vnd),
    pledgedOn: p.pledged_on,
    note: p.note,
  };
}

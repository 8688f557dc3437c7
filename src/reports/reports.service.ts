import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { InvalidInput, NotFound } from '../common/errors.js';
import { ReportsRepository } from './reports.repository.js';

export interface ProgressReport {
  villages: { total: number; certified: number; certifiedByYear: Record<string, number> };
  averageCriteriaMet: number;
  criteria: { code: number; name: string; baseline: number; met: number; target: number }[];
  byUnit: { unitId: string; name: string; level: string; villages: number; certified: number; averageCriteriaMet: number }[];
  distribution: { criteriaMet: number; villages: number }[];
  targets: Record<string, unknown>;
}

export interface FundingReport {
  funds: {
    code: string;
    name: string;
    centralBudget: boolean;
    plannedVnd: number;
    allocatedVnd: number;
    disbursedVnd: number;
    availableVnd: number;
  }[];
  totals: { plannedVnd: number; allocatedVnd: number; disbursedVnd: number; availableVnd: number };
  contributions: { kind: string; pledgedQuantity: number; pledgedVnd: number; receivedQuantity: number; receivedVnd: number }[];
  byUnit: { unitId: string; name: string; level: string; pledgedVnd: number; receivedVnd: number; allocatedVnd: number }[];
}

export const CRITERIA_COUNT = 16;

/** Reports against plan 136/KH-UBND, scoped to the caller's unit (or a unit inside it). */
@Injectable()
export class ReportsService {
  constructor(private readonly repo: ReportsRepository) {}

  /**
   * The path prefix the report covers: the caller's scope, narrowed to `unitId` when given (404 outside), and
   * whether it is a village's (no role works at a village, so only `unitId` gives one).
   */
  private async scope(actor: Actor, unitId?: string): Promise<{ path: string; village: boolean }> {
    const own = scopePath(actor);
    if (!unitId) return { path: own, village: false };
    const unit = await this.repo.unitInScope(unitId, own);
    if (!unit) throw new NotFound('unit');
    return { path: unit.path, village: unit.level === 'VILLAGE' };
  }

  static parseYear(year?: string): number | null {
    if (year === undefined || year === '') return null;
    if (!/^\d{4}$/.test(year)) {
      throw new InvalidInput('year_integer', {}, [{ field: 'year', messages: ['year must be an integer'] }]);
    }
    return Number(year);
  }

  async progress(actor: Actor, query: { year?: string; unitId?: string }): Promise<ProgressReport> {
    const year = ReportsService.parseYear(query.year);
    const { path: scope } = await this.scope(actor, query.unitId);
    const [summary, criteria, certified, byUnit, targets] = await Promise.all([
      this.repo.villageSummary(scope),
      this.repo.criteria(scope),
      this.repo.certifiedByYear(scope, year),
      this.repo.progressByUnit(scope, year),
      this.repo.planTargets(),
    ]);
    return {
      villages: { total: summary.total, certified: certified.total, certifiedByYear: certified.byYear },
      averageCriteriaMet: summary.total === 0 ? 0 : Math.round((summary.metSum / summary.total) * 100) / 100,
      criteria,
      byUnit,
      distribution: Array.from({ length: CRITERIA_COUNT + 1 }, (_, n) => ({ criteriaMet: n, villages: summary.distribution.get(n) ?? 0 })),
      targets,
    };
  }

  async funding(actor: Actor, query: { unitId?: string } = {}): Promise<FundingReport> {
    const scope = await this.scope(actor, query.unitId);
    const [funds, contributions, byUnit] = await Promise.all([
      this.repo.funds(),
      this.repo.contributions(scope.path, scope.village),
      this.repo.fundingByUnit(scope.path),
    ]);
    const sum = (f: (x: (typeof funds)[number]) => number) => funds.reduce((s, x) => s + f(x), 0);
    return {
      funds,
      totals: {
        plannedVnd: sum((f) => f.plannedVnd),
        allocatedVnd: sum((f) => f.allocatedVnd),
        disbursedVnd: sum((f) => f.disbursedVnd),
        availableVnd: sum((f) => f.availableVnd),
      },
      contributions,
      byUnit,
    };
  }
}

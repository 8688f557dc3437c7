import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { InvalidInput, NotFound } from '../common/errors.js';
import { ReportsRepository } from './reports.repository.js';
import { FLAG_SOURCES, type FlagSource } from '../villages/village-criteria.repository.js';

/** What the reports say while seeded flags remain (the plan 136 gives counts per criterion, not per village). */
export const ESTIMATE_NOTE = {
  vi: 'Số liệu tiêu chí theo từng thôn là số ước tính khi khởi tạo (kế hoạch chỉ nêu số thôn đạt theo từng tiêu chí), chưa phải số liệu thực tế của từng thôn; cần nhập số liệu thực tế hoặc xác nhận kết quả đánh giá của từng thôn.',
  en: "The per-village criteria are the seed's estimate (the plan gives counts per criterion, not per village), not each village's real status, until the real figures are imported or assessments confirmed.",
};

export interface ProgressReport {
  villages: { total: number; certified: number; certifiedByYear: Record<string, number> };
  averageCriteriaMet: number;
  /** The scope's average at the baseline: the plan's (7.66) for the province, its villages' baseline flags below. */
  baselineAverageCriteriaMet: number;
  /** Where the flags in scope come from, counted: seed-estimate (a stand-in), assessment, certification, import. */
  flagSources: Record<FlagSource, number>;
  /** Whether some flags in scope are still the seed's estimate, and the note that says so (Vietnamese, English). */
  estimated: boolean;
  note: { vi: string; en: string } | null;
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
  private async scope(actor: Actor, unitId?: string): Promise<{ path: string; village: boolean; whole: boolean }> {
    const own = scopePath(actor);
    // The province (the tree's root) or the whole tree: the plan's own figures are its baseline.
    const whole = (path: string) => path.split('/').filter(Boolean).length <= 1;
    if (!unitId) return { path: own, village: false, whole: whole(own) };
    const unit = await this.repo.unitInScope(unitId, own);
    if (!unit) throw new NotFound('unit');
    return { path: unit.path, village: unit.level === 'VILLAGE', whole: whole(unit.path) };
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
    const { path: scope, whole } = await this.scope(actor, query.unitId);
    const [summary, criteria, certified, byUnit, targets, baseline, sources] = await Promise.all([
      this.repo.villageSummary(scope),
      this.repo.criteria(scope),
      this.repo.certifiedByYear(scope, year),
      this.repo.progressByUnit(scope, year),
      this.repo.planTargets(),
      this.repo.baselineOf(scope),
      this.repo.flagSources(scope),
    ]);
    const average = (sum: number) => (summary.total === 0 ? 0 : Math.round((sum / summary.total) * 100) / 100);
    const planAverage = (targets.averageCriteriaPerVillage as { baseline?: number } | undefined)?.baseline;
    const flagSources = Object.fromEntries(FLAG_SOURCES.map((s) => [s, sources[s] ?? 0])) as Record<FlagSource, number>;
    const estimated = flagSources['seed-estimate'] > 0;
    return {
      villages: { total: summary.total, certified: certified.total, certifiedByYear: certified.byYear },
      averageCriteriaMet: average(summary.metSum),
      // Below the province the plan has no figures: the scope's own villages at the baseline.
      baselineAverageCriteriaMet: whole && typeof planAverage === 'number' ? planAverage : average(baseline.sum),
      flagSources,
      estimated,
      note: estimated ? ESTIMATE_NOTE : null,
      criteria: whole ? criteria : criteria.map((c) => ({ ...c, baseline: baseline.byCode.get(c.code) ?? 0 })),
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

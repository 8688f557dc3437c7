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
import { PHYSICAL_TARGETS, WORK_TYPES } from '../../workflows/funding/works.js';

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
  /** The plan's physical targets (roads, canals, irrigation works) against what was accepted in scope. */
  physical: { workType: string; name: string; measure: string; target: number; accepted: number; works: number }[];
}

export type FundKind = 'grant' | 'credit' | 'mobilised';

export interface FundingReport {
  funds: {
    code: string;
    name: string;
    kind: string;
    year: number | null;
    centralBudget: boolean;
    plannedVnd: number;
    allocatedVnd: number;
    disbursedVnd: number;
    availableVnd: number;
    /** Credit funds: lent to households of communes in scope. */
    lentVnd?: number;
    households?: number;
    /** Mobilised funds: community contributions received in scope plus enterprises' pledges in scope. */
    contributionsReceivedVnd?: number;
    enterprisePledgedVnd?: number;
    mobilisedVnd?: number;
  }[];
  /** Each kind as what it is: grants allocated to works, credit lent to households, resources mobilised. */
  byKind: {
    grant: { plannedVnd: number; allocatedVnd: number; disbursedVnd: number; availableVnd: number };
    credit: { plannedVnd: number; lentVnd: number; households: number; byCommune: CreditByCommune[] };
    mobilised: { plannedVnd: number; contributionsReceivedVnd: number; enterprisePledgedVnd: number; mobilisedVnd: number };
  };
  totals: { plannedVnd: number; allocatedVnd: number; disbursedVnd: number; availableVnd: number };
  contributions: { kind: string; pledgedQuantity: number; pledgedVnd: number; receivedQuantity: number; receivedVnd: number }[];
  byUnit: { unitId: string; name: string; level: string; pledgedVnd: number; receivedVnd: number; allocatedVnd: number }[];
}

export interface CreditByCommune {
  fundCode: string;
  unitId: string;
  name: string;
  loans: number;
  households: number;
  lentVnd: number;
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
    const [summary, criteria, certified, byUnit, targets, baseline, sources, accepted] = await Promise.all([
      this.repo.villageSummary(scope),
      this.repo.criteria(scope),
      this.repo.certifiedByYear(scope, year),
      this.repo.progressByUnit(scope, year),
      this.repo.planTargets(),
      this.repo.baselineOf(scope),
      this.repo.flagSources(scope),
      this.repo.acceptedWorks(scope),
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
      physical: PHYSICAL_TARGETS.map((t) => {
        const done = accepted.get(t.workType);
        return {
          workType: t.workType,
          name: t.words.vi,
          measure: WORK_TYPES[t.workType].measure,
          target: t.target,
          accepted: done?.quantity ?? 0,
          works: done?.works ?? 0,
        };
      }),
    };
  }

  async funding(actor: Actor, query: { unitId?: string } = {}): Promise<FundingReport> {
    const scope = await this.scope(actor, query.unitId);
    const [rows, contributions, byUnit, loans, pledges] = await Promise.all([
      this.repo.funds(),
      this.repo.contributions(scope.path, scope.village),
      this.repo.fundingByUnit(scope.path),
      this.repo.loansByCommune(scope.path),
      this.repo.enterprisePledges(scope.path),
    ]);
    const received = contributions.reduce((a, c) => a + c.receivedVnd, 0);
    const funds: FundingReport['funds'] = rows.map((f) => {
      if (f.kind === 'credit') {
        const own = loans.filter((l) => l.fundCode === f.code);
        const lentVnd = own.reduce((a, l) => a + l.lentVnd, 0);
        return { ...f, lentVnd, households: own.reduce((a, l) => a + l.households, 0), availableVnd: f.availableVnd - lentVnd };
      }
      if (f.kind === 'mobilised') {
        // The community's contributions count against the mobilised fund (the plan has one).
        const enterprisePledgedVnd = pledges.get(f.code) ?? 0;
        return { ...f, contributionsReceivedVnd: received, enterprisePledgedVnd, mobilisedVnd: received + enterprisePledgedVnd };
      }
      return f;
    });
    const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);
    const ofKind = (kind: FundKind) => funds.filter((f) => f.kind === kind);
    const grants = ofKind('grant');
    const credit = ofKind('credit');
    const mobilised = ofKind('mobilised');
    return {
      funds,
      byKind: {
        grant: {
          plannedVnd: sum(grants, (f) => f.plannedVnd),
          allocatedVnd: sum(grants, (f) => f.allocatedVnd),
          disbursedVnd: sum(grants, (f) => f.disbursedVnd),
          availableVnd: sum(grants, (f) => f.availableVnd),
        },
        credit: {
          plannedVnd: sum(credit, (f) => f.plannedVnd),
          lentVnd: sum(credit, (f) => f.lentVnd ?? 0),
          households: sum(credit, (f) => f.households ?? 0),
          byCommune: loans,
        },
        mobilised: {
          plannedVnd: sum(mobilised, (f) => f.plannedVnd),
          contributionsReceivedVnd: received,
          enterprisePledgedVnd: sum(mobilised, (f) => f.enterprisePledgedVnd ?? 0),
          mobilisedVnd: received + sum(mobilised, (f) => f.enterprisePledgedVnd ?? 0),
        },
      },
      totals: {
        plannedVnd: sum(funds, (f) => f.plannedVnd),
        allocatedVnd: sum(funds, (f) => f.allocatedVnd),
        disbursedVnd: sum(funds, (f) => f.disbursedVnd),
        availableVnd: sum(funds, (f) => f.availableVnd),
      },
      contributions,
      byUnit,
    };
  }
}

import { InvalidInput, RuleViolation } from '../common/errors.js';
import { statesTagged } from '../engine/machine.js';
import { fundingMachine } from '../../workflows/funding/v2.js';
import type { FundRow } from './funds.repository.js';
import { typeOfCriterion, WORK_TYPES, type WorkTypeCode } from '../../workflows/funding/works.js';
import { toBig, type FundingLineDto } from './projects.dto.js';

/** States before the province allocates (the machine's `before_approval`): the commune may cancel; after, only the province. */
export const BEFORE_APPROVAL = statesTagged(fundingMachine, 'before_approval');
/** Final states in which the work was not carried out (`not_carried_out`): its pledges no longer count. */
export const NOT_CARRIED_OUT = statesTagged(fundingMachine, 'not_carried_out');

/** Who may cancel a work in `state`: the commune before approval, the province after. */
export function mayCancel(role: string, state: string): boolean {
  return BEFORE_APPROVAL.includes(state) ? role === 'COMMUNE_STAFF' : role === 'PROVINCE_OFFICER';
}

/** Funding lines as fund code → amount; InvalidInput on a fund named twice. */
export function linesOf(funding: readonly Pick<FundingLineDto, 'fundCode' | 'amountVnd'>[]): Map<string, bigint> {
  const lines = new Map<string, bigint>();
  for (const l of funding) {
    if (lines.has(l.fundCode)) throw new InvalidInput('fund_repeated', { fund: l.fundCode });
    lines.set(l.fundCode, toBig(l.amountVnd));
  }
  return lines;
}

/** What a work is, as far as its funding lines' rules go. */
export interface WorkFacts {
  cost: bigint;
  pledges: number;
  pledgedVnd: bigint;
  year: number;
  /** Null only for a work proposed before types existed. */
  workType: string | null;
}

/**
 * A proposed work's type and criterion: the type given (its criterion, if also given, must be the type's), else
 * the only type serving the criterion given; a criterion served by several types, or by none of the plan's, is
 * refused. A work counted in works is one work unless it says otherwise; a length in km must be given.
 */
export function resolveWork(given: { workType?: WorkTypeCode; criterionCode?: number; physicalQuantity?: number }) {
  let workType = given.workType;
  if (!workType) {
    if (given.criterionCode === undefined) {
      throw new InvalidInput('work_type_required', {}, [{ field: 'workType', messages: ['workType (or criterionCode) is required'] }]);
    }
    const only = typeOfCriterion(given.criterionCode);
    if (!only) {
      const served = Object.entries(WORK_TYPES).filter(([, t]) => t.criterion === given.criterionCode);
      if (served.length) {
        throw new RuleViolation(
          'work_type_ambiguous',
          'work_type_ambiguous',
          { criterion: given.criterionCode, types: served.map(([c]) => c) },
          { criterionCode: given.criterionCode, workTypes: served.map(([c]) => c) },
        );
      }
      throw new RuleViolation(
        'criterion_not_eligible',
        'criterion_not_eligible',
        { criterion: given.criterionCode },
        { criterionCode: given.criterionCode },
      );
    }
    workType = only;
  }
  const type = WORK_TYPES[workType];
  if (given.criterionCode !== undefined && given.criterionCode !== type.criterion) {
    throw new RuleViolation(
      'work_type_criterion_mismatch',
      'work_type_criterion_mismatch',
      { type: type.words, criterion: given.criterionCode, expected: type.criterion },
      { workType, criterionCode: given.criterionCode, expectedCriterionCode: type.criterion },
    );
  }
  const physicalQuantity = given.physicalQuantity ?? (type.measure === 'works' ? 1 : undefined);
  if (physicalQuantity === undefined) {
    throw new InvalidInput('physical_quantity_required', { type: type.words }, [
      { field: 'physicalQuantity', messages: [`physicalQuantity (km) is required for ${workType}`] },
    ]);
  }
  return { workType, criterionCode: type.criterion, physicalQuantity };
}

/**
 * Only budget grants are allocated to works (credit is lent to households, mobilised resources are what the
 * community and enterprises give), and a year-bound fund only to works of its year. Checked when the lines are
 * set and again at ALLOCATE, for lines set before these rules existed.
 */
export function checkFundsAllocatable(lines: Map<string, bigint>, funds: Map<string, FundRow>, year: number): void {
  for (const code of [...lines.keys()].sort()) {
    const f = funds.get(code)!;
    if (f.kind === 'credit')
      throw new RuleViolation('credit_not_allocatable', 'credit_not_allocatable', { fund: code }, { fundCode: code });
    if (f.kind === 'mobilised') {
      throw new RuleViolation('mobilised_not_allocatable', 'mobilised_not_allocatable', { fund: code }, { fundCode: code });
    }
    if (f.year !== null && f.year !== year) {
      throw new RuleViolation(
        'fund_year_mismatch',
        'fund_year_mismatch',
        { fund: code, fundYear: f.year, year },
        { fundCode: code, fundYear: f.year, year },
      );
    }
  }
}

/** The rules every set of funding lines obeys, at creation and when reviewers adjust them. */
export function checkFundingRules(lines: Map<string, bigint>, funds: Map<string, FundRow>, work: WorkFacts): void {
  const { cost, pledges, pledgedVnd } = work;
  checkFundsAllocatable(lines, funds, work.year);
  const central = [...lines.keys()].filter((c) => funds.get(c)?.central_budget).sort();
  const type = work.workType === null ? null : WORK_TYPES[work.workType as WorkTypeCode];
  if (central.length && type && !type.essential) {
    throw new RuleViolation(
      'central_budget_essential_only',
      'central_budget_essential_only',
      { fund: central[0], type: type.words },
      { fundCode: central[0], workType: work.workType },
    );
  }
  if (pledges === 0 && [...lines.keys()].some((c) => funds.get(c)?.central_budget)) {
    throw new RuleViolation('community_contribution_required', 'community_contribution_required');
  }
  const funded = [...lines.values()].reduce((a, b) => a + b, 0n);
  if (funded + pledgedVnd > cost) {
    throw new RuleViolation('funding_exceeds_cost', 'funding_exceeds_cost', {
      funded: funded.toString(),
      pledged: pledgedVnd.toString(),
      cost: cost.toString(),
    });
  }
}

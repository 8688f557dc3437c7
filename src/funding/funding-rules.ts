import { InvalidInput, RuleViolation } from '../common/errors.js';
import { statesTagged } from '../engine/machine.js';
import { fundingMachine } from '../../workflows/funding/v1.js';
import type { FundRow } from './funds.repository.js';
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

/** The rules every set of funding lines obeys, at creation and when reviewers adjust them. */
export function checkFundingRules(
  lines: Map<string, bigint>,
  funds: Map<string, FundRow>,
  cost: bigint,
  pledges: number,
  pledgedVnd: bigint,
): void {
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

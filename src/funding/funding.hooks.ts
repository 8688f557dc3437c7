import { Injectable, OnModuleInit } from '@nestjs/common';
import { NotPermitted, RuleViolation } from '../common/errors.js';
import { EngineService } from '../engine/engine.service.js';
import { BEFORE_APPROVAL, checkFundingRules, checkFundsAllocatable, linesOf, mayCancel, NOT_CARRIED_OUT } from './funding-rules.js';
import { FundsRepository } from './funds.repository.js';
import { toBig } from './projects.dto.js';
import { ProjectsRepository } from './projects.repository.js';

/**
 * The funding module's part in every applied funding event: money moves in the event's transaction, so that a
 * shortfall (InsufficientFunds) refuses the whole event. Who may cancel depends on the state (the commune before
 * approval, the province after); the pledges of a work that ends without being carried out stop counting.
 */
@Injectable()
export class FundingHooks implements OnModuleInit {
  constructor(
    private readonly engine: EngineService,
    private readonly projects: ProjectsRepository,
    private readonly funds: FundsRepository,
  ) {}

  onModuleInit(): void {
    this.engine.use('funding', {
      repeatable: true,
      afterTransition: async (tx, { subject: { id }, event, actor, fromState, toState, context }) => {
        if (event.type === 'CANCEL' && !mayCancel(actor.role, fromState)) {
          throw new NotPermitted(BEFORE_APPROVAL.includes(fromState) ? 'cancel_before_approval' : 'cancel_after_allocation');
        }
        if (event.type === 'APPROVE' && Array.isArray(event.funding)) {
          // The reviewers' adjusted lines (checked for known funds and repeats before the event was sent).
          const lines = linesOf(event.funding as { fundCode: string; amountVnd: string }[]);
          checkFundingRules(lines, await this.funds.known([...lines.keys()], tx), await this.projects.money(tx, id));
          await this.projects.replaceFunding(tx, id, lines);
        } else if (event.type === 'ALLOCATE') {
          const lines = await this.projects.funding(tx, id);
          // Lines set before funds had kinds and years are held to the same rules before any money moves.
          checkFundsAllocatable(lines, await this.funds.known([...lines.keys()], tx), (await this.projects.money(tx, id)).year);
          await this.funds.allocate(tx, id, lines, actor.id);
        } else if (event.type === 'CANCEL') {
          await this.funds.releaseAll(tx, id, actor.id);
        } else if (event.type === 'ACCEPT') {
          await this.projects.accept(tx, id, event.acceptedQuantity as number | undefined);
        } else if (event.type === 'SETTLE') {
          const settled = toBig(event.settledVnd as string | number);
          await this.funds.settle(tx, id, settled, actor.id);
          // Refused after the allocation's own check (both roll the whole event back).
          const accepted = context.acceptedValueVnd == null ? null : BigInt(context.acceptedValueVnd as string);
          if (accepted !== null && settled > accepted) {
            throw new RuleViolation(
              'settlement_exceeds_accepted_value',
              'settlement_exceeds_accepted_value',
              { settled: settled.toString(), accepted: accepted.toString() },
              { settledVnd: settled.toString(), acceptedValueVnd: accepted.toString() },
            );
          }
        }
        // By the state reached, not the event: CANCEL (from any open state) and REJECT (province_review) end here.
        if (NOT_CARRIED_OUT.includes(toState)) await this.projects.voidPledges(tx, id);
      },
    });
  }
}

import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Db } from '../database/db.js';
import { todayInVietnam } from '../common/calendar-day.js';
import { Clock } from '../engine/clock.js';
import { EngineService } from '../engine/engine.service.js';
import type { DossierFacts } from '../../workflows/certification/v2.js';
import { DOSSIER_DETAIL, DossiersRepository } from './dossiers.repository.js';
import { VillageCriteriaRepository } from '../villages/village-criteria.repository.js';
import { CRITERIA_CODES } from '../../workflows/certification/v2.js';

const REVIEW_CRITERION = 'certification.review-criterion';

/**
 * The certification module's part in every applied certification event, the system's included: the facts the
 * machine's rules read (the self-assessment, the kinds of document attached), read under the instance's lock so that a
 * criterion edit or an upload cannot slip in between; and the dossier's read model, kept in the event's
 * transaction (review decisions, criteria sent back, the village's 16 flags on certification and revocation,
 * the dossier closing when its workflow ends).
 */
@Injectable()
export class CertificationHooks implements OnModuleInit {
  constructor(
    private readonly engine: EngineService,
    private readonly dossiers: DossiersRepository,
    private readonly flags: VillageCriteriaRepository,
    private readonly clock: Clock,
  ) {}

  /** A certification's or a revocation's facts are of the day it happens (in Vietnam, by the engine's clock). */
  private today(): string {
    return todayInVietnam(this.clock.now());
  }

  onModuleInit(): void {
    this.engine.statement(
      REVIEW_CRITERION,
      `UPDATE dossier_criteria SET review_status = $3, review_comment = $4, reviewed_by = $5, reviewed_at = now() WHERE dossier_id = $1 AND code = $2`,
    );
    this.engine.statement(DOSSIER_DETAIL.name, DOSSIER_DETAIL.text);
    this.engine.use('certification', {
      repeatable: true,
      facts: {
        OPEN_CONSULTATION: (tx, { id }) => this.selfAssessment(tx, id),
        RESUBMIT: (tx, { id }) => this.selfAssessment(tx, id),
        SUBMIT: (tx, { id }) => this.documents(tx, id),
        APPROVE: (tx, { id }) => this.documents(tx, id),
        SIGN_OFF: (tx, { id }) => this.documents(tx, id),
      },
      afterTransition: async (tx, { subject, event, actor, fromState, toState, open, defer }) => {
        const id = subject.id;
        if (event.type === 'REVIEW_CRITERION') {
          // The hot path (parallel reviewers): sent with the commit rather than in a round trip of its own.
          defer(REVIEW_CRITERION, [
            id,
            event.code,
            event.decision === 'approve' ? 'approved' : 'revision_requested',
            event.comment ?? null,
            actor.id,
          ]);
        } else if (event.type === 'RESUBMIT') {
          await this.dossiers.reopenReturnedCriteria(tx, id);
        }
        if (toState === 'certified' && fromState !== 'certified') {
          await this.dossiers.setCertified(tx, id, true);
          const villageId = await this.dossiers.villageOf(tx, id);
          const all = CRITERIA_CODES.map((code) => ({ villageId, code, met: true }));
          await this.flags.apply(tx, all, 'certification', { kind: 'certification', id, by: actor.id, factsOn: this.today() });
        }
        if (fromState === 'certified' && toState !== 'certified') await this.dossiers.setCertified(tx, id, false);
        if (toState === 'revoked' && Array.isArray(event.criteriaNoLongerMet)) {
          const villageId = await this.dossiers.villageOf(tx, id);
          const lost = (event.criteriaNoLongerMet as number[]).map((code) => ({ villageId, code, met: false }));
          await this.flags.apply(tx, lost, 'certification', { kind: 'revocation', id, by: actor.id, factsOn: this.today() });
        }
        if (!open) await this.dossiers.close(tx, id);
      },
    });
  }

  private async selfAssessment(tx: Db, id: string): Promise<DossierFacts> {
    const criteria = await this.dossiers.selfAssessment(id, tx);
    return {
      unassessed: criteria.filter((c) => c.met === null).map((c) => c.code),
      notMet: criteria.filter((c) => c.met === false).map((c) => c.code),
    };
  }

  private async documents(tx: Db, id: string): Promise<DossierFacts> {
    return { documents: await this.dossiers.attachmentKinds(id, tx) };
  }
}

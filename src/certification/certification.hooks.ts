import { Injectable, OnModuleInit } from '@nestjs/common';
import { EngineService } from '../engine/engine.service.js';
import { DOSSIER_DETAIL } from './dossiers.repository.js';

const REVIEW_CRITERION = 'certification.review-criterion';

/**
 * The dossier's read model and the village's criteria, kept in the engine's transaction for every applied
 * certification event, the system's included: review decisions, criteria sent back, the village's 16 flags
 * on certification and revocation, and the dossier closing when its workflow ends.
 */
@Injectable()
export class CertificationHooks implements OnModuleInit {
  constructor(private readonly engine: EngineService) {}

  onModuleInit(): void {
    this.engine.statement(REVIEW_CRITERION,
      `UPDATE dossier_criteria SET review_status = $3, review_comment = $4, reviewed_by = $5, reviewed_at = now() WHERE dossier_id = $1 AND code = $2`);
    this.engine.statement(DOSSIER_DETAIL.name, DOSSIER_DETAIL.text);
    this.engine.onTransition('certification', async (tx, { subject, event, actor, fromState, toState, open, defer }) => {
      const id = subject.id;
      if (event.type === 'REVIEW_CRITERION') {
        // The hot path (parallel reviewers): sent with the commit rather than in a round trip of its own.
        defer(REVIEW_CRITERION, [id, event.code, event.decision === 'approve' ? 'approved' : 'revision_requested', event.comment ?? null, actor.id]);
      } else if (event.type === 'RESUBMIT') {
        await tx.query(
          `UPDATE dossier_criteria SET review_status = 'pending', assignee_id = NULL WHERE dossier_id = $1 AND review_status = 'revision_requested'`,
          [id],
        );
      }
      if (toState === 'certified' && fromState !== 'certified') {
        await tx.query('UPDATE dossiers SET certified = true WHERE id = $1', [id]);
        await tx.query(
          `UPDATE village_criteria SET met = true, updated_at = now() WHERE village_id = (SELECT village_id FROM dossiers WHERE id = $1)`,
          [id],
        );
      }
      if (fromState === 'certified' && toState !== 'certified') await tx.query('UPDATE dossiers SET certified = false WHERE id = $1', [id]);
      if (toState === 'revoked' && Array.isArray(event.criteriaNoLongerMet)) {
        await tx.query(
          `UPDATE village_criteria SET met = false, updated_at = now()
            WHERE village_id = (SELECT village_id FROM dossiers WHERE id = $1) AND criterion_code = ANY($2::smallint[])`,
          [id, event.criteriaNoLongerMet],
        );
      }
      if (!open) await tx.query('UPDATE dossiers SET open = false WHERE id = $1 AND open', [id]);
    });
  }
}

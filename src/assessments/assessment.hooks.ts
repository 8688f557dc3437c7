import { Injectable, OnModuleInit } from '@nestjs/common';
import { EngineService } from '../engine/engine.service.js';
import { VillageCriteriaRepository } from '../villages/village-criteria.repository.js';
import type { AssessmentFacts } from '../../workflows/assessment/v1.js';
import { ASSESSMENT_DETAIL, AssessmentsRepository } from './assessments.repository.js';

/**
 * The assessments module's part in every applied assessment event: the facts SUBMIT's rules read (how many
 * criteria it records, the kinds of file attached), under the instance's lock; and, when it is confirmed, the
 * village's flags set to what it records as of its date (newer facts win), with the change record, in the
 * CONFIRM's transaction.
 */
@Injectable()
export class AssessmentHooks implements OnModuleInit {
  constructor(
    private readonly engine: EngineService,
    private readonly assessments: AssessmentsRepository,
    private readonly flags: VillageCriteriaRepository,
  ) {}

  onModuleInit(): void {
    this.engine.statement(ASSESSMENT_DETAIL.name, ASSESSMENT_DETAIL.text);
    this.engine.use('assessment', {
      repeatable: true,
      facts: {
        SUBMIT: async (tx, { id }): Promise<AssessmentFacts> => ({
          criteria: (await this.assessments.criteria(id, tx)).length,
          documents: await this.assessments.attachmentKinds(id, tx),
        }),
      },
      afterTransition: async (tx, { subject, actor, fromState, toState, open }) => {
        if (toState === 'confirmed' && fromState !== 'confirmed') {
          // The assessment's date is the date of its facts: a flag set since by newer facts keeps its value.
          const { villageId, assessedOn } = await this.assessments.villageAndDate(tx, subject.id);
          const recorded = await this.assessments.criteria(subject.id, tx);
          await this.flags.apply(
            tx,
            recorded.map((c) => ({ villageId, code: c.code, met: c.met })),
            'assessment',
            { kind: 'assessment', id: subject.id, by: actor.id, factsOn: assessedOn },
          );
        }
        if (!open) await this.assessments.close(tx, subject.id);
      },
    });
  }
}

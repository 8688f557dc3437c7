import { and, assign, setup } from 'xstate';
import type { Words } from '../../src/common/messages.js';
import { deadline, defineWorkflow, delaysOf } from '../../src/engine/definition.js';
import { notify, notifyAction, NOTIFY } from '../common/effects.js';
import { PARTIES } from '../common/parties.js';
import { ASSESSMENT_LABELS } from './labels.js';

/**
 * A village's assessment of one or more of its 16 criteria between certifications: the commune records, at a
 * date, which criteria are met or not, with a note and evidence, and submits it; the reviewers of the commune's
 * parent unit (as for a dossier) confirm it or return it with a reason. Only a confirmed assessment changes the
 * village's flags (the assessments module, in the CONFIRM's transaction).
 */
export interface AssessmentContext {
  overdue: boolean;
  returnReason: string | null;
}

/** Facts the assessments module states about the assessment when it is submitted (never taken from the client). */
export interface AssessmentFacts {
  /** How many criteria it records. */
  criteria?: number;
  /** The kinds of file attached. */
  documents?: string[];
}

export type AssessmentEvent =
  | { type: 'SUBMIT'; facts: AssessmentFacts }
  | { type: 'CONFIRM'; comment?: string }
  | { type: 'RETURN'; reason: string }
  | { type: 'WITHDRAW' };

/** The kinds of file an assessment carries, and who attaches them (in the states tagged `commune_attaches`). */
export const ASSESSMENT_DOCUMENT_KINDS = {
  evidence: { vi: 'Tài liệu minh chứng', en: 'Evidence', by: 'commune' },
} as const satisfies Record<string, Words & { by: 'commune' }>;
export type AssessmentDocumentKind = keyof typeof ASSESSMENT_DOCUMENT_KINDS;

export const ASSESSMENT_DEADLINES = [
  deadline('assessment.review', { days: 7, calendar: 'working', reminderBefore: 2 }, { due: 'reviewDue', reminder: 'reviewReminder' }),
  deadline(
    'assessment.revision',
    { days: 10, calendar: 'working', reminderBefore: 3 },
    { due: 'revisionDue', reminder: 'revisionReminder' },
  ),
];

/**
 * Tags the assessments module reads instead of naming states: `assessment_editable` (the commune may change
 * the date, note and criteria) and `commune_attaches` (it may attach evidence).
 */
export const assessmentMachine = setup({
  types: {} as { context: AssessmentContext; events: AssessmentEvent },
  delays: delaysOf(ASSESSMENT_DEADLINES),
  actions: { notify: notifyAction },
  guards: {
    criteria_recorded: ({ event }) => event.type === 'SUBMIT' && (event.facts.criteria ?? 0) > 0,
    evidence_attached: ({ event }) => event.type === 'SUBMIT' && (event.facts.documents ?? []).includes('evidence'),
  },
}).createMachine({
  id: 'assessment',
  initial: 'draft',
  context: () => ({ overdue: false, returnReason: null }),
  states: {
    draft: {
      tags: ['assessment_editable', 'commune_attaches'],
      meta: { tasks: { COMMUNE_STAFF: 'submit_assessment' } },
      on: {
        SUBMIT: {
          guard: and(['criteria_recorded', 'evidence_attached']),
          target: 'review',
          actions: notify('assessment_submitted', ['reviewers']),
        },
        WITHDRAW: 'withdrawn',
      },
    },
    review: {
      meta: { tasks: { REVIEWER: 'confirm_assessment' } },
      entry: assign({ overdue: false }),
      after: {
        reviewReminder: { actions: notify('reminder', ['reviewers']) },
        reviewDue: { actions: [assign({ overdue: true }), notify('overdue', ['reviewers', 'province'])] },
      },
      on: {
        CONFIRM: { target: 'confirmed', actions: notify('assessment_confirmed', ['commune']) },
        RETURN: {
          target: 'returned',
          actions: [
            assign({ returnReason: ({ event }) => (event.type === 'RETURN' ? event.reason : null) }),
            notify('assessment_returned', ['commune']),
          ],
        },
      },
    },
    returned: {
      tags: ['assessment_editable', 'commune_attaches'],
      meta: { tasks: { COMMUNE_STAFF: 'revise_assessment' } },
      entry: assign({ overdue: false }),
      after: {
        revisionReminder: { actions: notify('reminder', ['commune']) },
        revisionDue: { target: 'lapsed', actions: notify('overdue', ['commune', 'reviewers']) },
      },
      on: {
        SUBMIT: {
          guard: and(['criteria_recorded', 'evidence_attached']),
          target: 'review',
          actions: notify('assessment_submitted', ['reviewers']),
        },
        WITHDRAW: 'withdrawn',
      },
    },
    confirmed: { type: 'final' },
    withdrawn: { type: 'final' },
    lapsed: { type: 'final' },
  },
});

const { commune: COMMUNE, reviewers: REVIEWERS } = PARTIES;

export const assessmentV1 = defineWorkflow({
  key: 'assessment',
  version: 1,
  machine: assessmentMachine,
  deadlines: ASSESSMENT_DEADLINES,
  effects: { notify: NOTIFY },
  permissions: {
    SUBMIT: COMMUNE,
    WITHDRAW: COMMUNE,
    CONFIRM: REVIEWERS,
    RETURN: REVIEWERS,
  },
  rules: {
    criteria_recorded: {
      rule: 'assessment_criteria_required',
      message: {
        en: 'record at least one criterion (met or not met) before submitting the assessment',
        vi: 'Vui lòng ghi kết quả đánh giá (đạt hoặc chưa đạt) của ít nhất một tiêu chí trước khi gửi',
      },
    },
    evidence_attached: {
      rule: 'assessment_evidence_required',
      message: {
        en: 'attach at least one piece of evidence (kind evidence) before submitting the assessment',
        vi: 'Vui lòng đính kèm ít nhất một tài liệu minh chứng trước khi gửi kết quả đánh giá',
      },
    },
  },
  labels: ASSESSMENT_LABELS,
});

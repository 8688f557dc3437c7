import { and, assign, setup } from 'xstate';
import { deadline, defineWorkflow, delaysOf } from '../../src/engine/definition.js';
import { notify, notifyAction, NOTIFY } from '../common/effects.js';
import { PARTIES } from '../common/parties.js';
import { missingDocuments } from './documents.js';
import { CERTIFICATION_LABELS } from './labels.js';

/** The 16 criteria codes of a village (Quyết định 738/QĐ-UBND, 2019). */
export const CRITERIA_CODES = Array.from({ length: 16 }, (_, i) => i + 1);

export type ReviewStatus = 'pending' | 'approved' | 'revision_requested';

export interface CertificationContext {
  /** Share of households agreeing at the village meeting that SUBMIT needs (percent). */
  requiredAgreement: number;
  reviews: Record<string, ReviewStatus>;
  agreementPercent: number | null;
  /** The village meeting's households, when the commune gave them (the share is computed from them). */
  households: { represented: number; agreeing: number } | null;
  overdue: boolean;
  decision: { number: string; date: string } | null;
}

/** Facts the domain module states about the dossier when it sends an event (never taken from the client). */
export interface DossierFacts {
  unassessed?: number[];
  notMet?: number[];
  /** The kinds of document attached to the dossier (documents.ts). */
  documents?: string[];
}

export type CertificationEvent =
  | { type: 'OPEN_CONSULTATION'; facts: DossierFacts }
  | {
      type: 'SUBMIT';
      agreementPercent: number;
      households?: { represented: number; agreeing: number };
      facts: DossierFacts;
    }
  | { type: 'REVIEW_CRITERION'; code: number; decision: 'approve' | 'request_revision'; comment?: string }
  | { type: 'RETURN'; comment: string }
  | { type: 'RESUBMIT'; facts: DossierFacts }
  | { type: 'APPROVE'; facts: DossierFacts }
  | { type: 'SIGN_OFF'; decisionNumber: string; decisionDate: string; facts: DossierFacts }
  | { type: 'REJECT'; reason: string }
  | { type: 'WITHDRAW' }
  | { type: 'REVOKE'; reason: string; criteriaNoLongerMet: number[] };

/** Assign each pending criterion to a reviewer of the unit (review-steps queue). */
const assignReviewers = { type: 'assignReviewers' } as const;

/** The deadlines, each with the delays of the machine that stand for its due time and reminder. */
export const CERTIFICATION_DEADLINES = [
  deadline('certification.consultation', { days: 10, calendar: 'calendar' }, { due: 'consultationEnds' }),
  deadline('certification.review', { days: 10, calendar: 'working', reminderBefore: 2 }, { due: 'reviewDue', reminder: 'reviewReminder' }),
  deadline(
    'certification.revision',
    { days: 15, calendar: 'working', reminderBefore: 3 },
    { due: 'revisionDue', reminder: 'revisionReminder' },
  ),
  deadline(
    'certification.provinceReview',
    { days: 10, calendar: 'working', reminderBefore: 2 },
    { due: 'provinceDue', reminder: 'provinceReminder' },
  ),
];

/**
 * State tags the certification module reads instead of naming states: `criteria_editable` (the commune may
 * edit its self-assessment), `commune_attaches`, `reviewers_attach` and `province_attaches` (who may add files). A state's `meta.tasks`
 * names, per role, what the inbox asks of it there.
 */
export const certificationMachine = setup({
  types: {} as { context: CertificationContext; events: CertificationEvent; input: { requiredAgreement?: number } | undefined },
  delays: delaysOf(CERTIFICATION_DEADLINES),
  actions: {
    notify: notifyAction,
    assignReviewers: () => undefined,
  },
  guards: {
    self_assessment_complete: ({ event }) =>
      (event.type === 'OPEN_CONSULTATION' || event.type === 'RESUBMIT') && !event.facts.unassessed?.length && !event.facts.notMet?.length,
    agreement_reached: ({ context, event }) => event.type === 'SUBMIT' && event.agreementPercent >= context.requiredAgreement,
    submission_documents_attached: ({ event }) =>
      event.type === 'SUBMIT' && !missingDocuments('SUBMIT', event.facts.documents ?? []).length,
    appraisal_attached: ({ event }) => event.type === 'APPROVE' && !missingDocuments('APPROVE', event.facts.documents ?? []).length,
    decision_attached: ({ event }) => event.type === 'SIGN_OFF' && !missingDocuments('SIGN_OFF', event.facts.documents ?? []).length,
    some_revision_requested: ({ context }) => Object.values(context.reviews).includes('revision_requested'),
    all_approved: ({ context }) => CRITERIA_CODES.every((c) => context.reviews[c] === 'approved'),
  },
}).createMachine({
  id: 'certification',
  initial: 'draft',
  context: ({ input }) => ({
    requiredAgreement: input?.requiredAgreement ?? 90,
    reviews: Object.fromEntries(CRITERIA_CODES.map((c) => [c, 'pending' as ReviewStatus])),
    agreementPercent: null,
    households: null,
    overdue: false,
    decision: null,
  }),
  states: {
    draft: {
      tags: ['criteria_editable', 'commune_attaches'],
      meta: { tasks: { COMMUNE_STAFF: 'complete_self_assessment' } },
      on: {
        OPEN_CONSULTATION: { guard: 'self_assessment_complete', target: 'consultation' },
        WITHDRAW: 'withdrawn',
      },
    },
    consultation: {
      tags: ['commune_attaches'],
      after: { consultationEnds: { target: 'ready_to_submit', actions: notify('consultation_ended', ['commune']) } },
      on: { WITHDRAW: 'withdrawn' },
    },
    ready_to_submit: {
      tags: ['commune_attaches'],
      meta: { tasks: { COMMUNE_STAFF: 'submit' } },
      on: {
        SUBMIT: {
          guard: and(['submission_documents_attached', 'agreement_reached']),
          target: 'review',
          actions: assign({
            agreementPercent: ({ event }) => (event.type === 'SUBMIT' ? event.agreementPercent : null),
            households: ({ event }) => (event.type === 'SUBMIT' ? (event.households ?? null) : null),
          }),
        },
        WITHDRAW: 'withdrawn',
      },
    },
    review: {
      tags: ['reviewers_attach'],
      meta: { tasks: { REVIEWER: 'review_criteria' } },
      entry: [assign({ overdue: false }), assignReviewers, notify('dossier_arrived', ['reviewers'])],
      after: {
        reviewReminder: { actions: notify('review_reminder', ['reviewers']) },
        reviewDue: { actions: [assign({ overdue: true }), notify('review_overdue', ['reviewers', 'province'])] },
      },
      on: {
        REVIEW_CRITERION: {
          actions: assign({
            reviews: ({ context, event }) =>
              event.type === 'REVIEW_CRITERION'
                ? { ...context.reviews, [event.code]: event.decision === 'approve' ? 'approved' : 'revision_requested' }
                : context.reviews,
          }),
        },
        RETURN: { guard: 'some_revision_requested', target: 'revision_requested', actions: notify('dossier_returned', ['commune']) },
        APPROVE: {
          guard: and(['all_approved', 'appraisal_attached']),
          target: 'province_review',
          actions: notify('dossier_forwarded', ['province', 'commune']),
        },
      },
    },
    revision_requested: {
      tags: ['criteria_editable', 'commune_attaches'],
      meta: { tasks: { COMMUNE_STAFF: 'revise_and_resubmit' } },
      entry: assign({ overdue: false }),
      after: {
        revisionReminder: { actions: notify('revision_reminder', ['commune']) },
        revisionDue: { target: 'lapsed', actions: notify('dossier_lapsed', ['commune', 'reviewers']) },
      },
      on: {
        RESUBMIT: {
          guard: 'self_assessment_complete',
          target: 'review',
          // Criteria sent back are reviewed again; approved ones stay approved.
          actions: assign({
            reviews: ({ context }) =>
              Object.fromEntries(Object.entries(context.reviews).map(([c, s]) => [c, s === 'approved' ? s : 'pending'])),
          }),
        },
        WITHDRAW: 'withdrawn',
      },
    },
    province_review: {
      tags: ['province_attaches'],
      meta: { tasks: { PROVINCE_OFFICER: 'sign_off' } },
      entry: assign({ overdue: false }),
      after: {
        provinceReminder: { actions: notify('signoff_reminder', ['province']) },
        provinceDue: { actions: [assign({ overdue: true }), notify('signoff_overdue', ['reviewers', 'province'])] },
      },
      on: {
        SIGN_OFF: {
          guard: 'decision_attached',
          target: 'certified',
          actions: [
            assign({
              decision: ({ event }) => (event.type === 'SIGN_OFF' ? { number: event.decisionNumber, date: event.decisionDate } : null),
            }),
            notify('dossier_certified', ['commune', 'reviewers']),
          ],
        },
        REJECT: { target: 'rejected', actions: notify('dossier_rejected', ['commune', 'reviewers']) },
      },
    },
    certified: {
      tags: ['province_attaches'],
      on: { REVOKE: { target: 'revoked', actions: notify('title_revoked', ['commune', 'reviewers']) } },
    },
    rejected: { type: 'final' },
    withdrawn: { type: 'final' },
    lapsed: { type: 'final' },
    revoked: { type: 'final' },
  },
});

const { commune: COMMUNE, reviewers: REVIEWERS, province: PROVINCE } = PARTIES;

/**
 * Village certification, version 2: RESUBMIT needs the self-assessment complete and met, like
 * OPEN_CONSULTATION; SUBMIT, APPROVE and SIGN_OFF need their documents (documents.ts); the village meeting is
 * recorded as households. Version 1's instances move to this version on their next event, as they are: the
 * states are the same and the households are unknown for them.
 */
export const certificationV2 = defineWorkflow({
  key: 'certification',
  version: 2,
  machine: certificationMachine,
  deadlines: CERTIFICATION_DEADLINES,
  effects: {
    notify: NOTIFY,
    assignReviewers: { queue: 'review-steps', job: 'assign-reviewers' },
  },
  permissions: {
    OPEN_CONSULTATION: COMMUNE,
    SUBMIT: COMMUNE,
    RESUBMIT: COMMUNE,
    WITHDRAW: COMMUNE,
    REVIEW_CRITERION: REVIEWERS,
    RETURN: REVIEWERS,
    APPROVE: REVIEWERS,
    SIGN_OFF: PROVINCE,
    REJECT: PROVINCE,
    REVOKE: PROVINCE,
  },
  rules: {
    self_assessment_complete: {
      rule: 'self_assessment_incomplete',
      message: {
        en: 'every criterion must be assessed and met before the consultation opens or the dossier is resubmitted',
        vi: 'Phải tự đánh giá đủ 16 tiêu chí và tất cả đều đạt trước khi niêm yết lấy ý kiến nhân dân hoặc nộp lại hồ sơ',
      },
    },
    agreement_reached: {
      rule: 'agreement_below_threshold',
      message: {
        en: "the village meeting's agreement is below the required share",
        vi: 'Tỷ lệ hộ đồng thuận tại cuộc họp thôn thấp hơn mức yêu cầu',
      },
    },
    submission_documents_attached: {
      rule: 'submission_documents_required',
      message: {
        en: "attach the commune's submission letter, the self-assessment report and the village meeting's minutes (kinds submission_letter, self_assessment_report, meeting_minutes) before submitting",
        vi: 'Vui lòng đính kèm tờ trình của UBND xã, báo cáo tự đánh giá và biên bản họp thôn trước khi nộp hồ sơ',
      },
    },
    appraisal_attached: {
      rule: 'appraisal_report_required',
      message: {
        en: 'attach the appraisal report (kind appraisal_report) before approving',
        vi: 'Vui lòng đính kèm báo cáo thẩm định trước khi đề nghị công nhận',
      },
    },
    decision_attached: {
      rule: 'decision_required',
      message: {
        en: 'attach the signed certification decision (kind decision) before signing off',
        vi: 'Vui lòng đính kèm quyết định công nhận đã ký trước khi ban hành',
      },
    },
    some_revision_requested: {
      rule: 'no_criterion_returned',
      message: {
        en: 'RETURN needs at least one criterion marked request_revision',
        vi: 'Cần ít nhất một tiêu chí được yêu cầu bổ sung mới trả lại hồ sơ',
      },
    },
    all_approved: {
      rule: 'criteria_not_all_approved',
      message: { en: 'APPROVE needs all 16 criteria approved', vi: 'Cần thẩm định đạt cả 16 tiêu chí mới đề nghị công nhận' },
    },
  },
  labels: CERTIFICATION_LABELS,
  migrations: [{ from: 1, up: (s) => ({ ...s, context: { households: null, ...s.context } }) }],
});

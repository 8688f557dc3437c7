import { and, assign, setup } from 'xstate';
import { defineWorkflow } from '../../src/engine/definition.js';

/** The 16 criteria codes of a village (Quyết định 738/QĐ-UBND, 2019). */
export const CRITERIA_CODES = Array.from({ length: 16 }, (_, i) => i + 1);

export type ReviewStatus = 'pending' | 'approved' | 'revision_requested';
export type Party = 'commune' | 'reviewers' | 'province';

export interface CertificationContext {
  /** Share of residents agreeing at the village meeting that SUBMIT needs (percent). */
  requiredAgreement: number;
  reviews: Record<string, ReviewStatus>;
  agreementPercent: number | null;
  overdue: boolean;
  decision: { number: string; date: string } | null;
}

/** Facts the domain module states about the dossier when it sends an event (never taken from the client). */
export interface DossierFacts {
  unassessed?: number[];
  notMet?: number[];
  meetingMinutes?: boolean;
}

export type CertificationEvent =
  | { type: 'OPEN_CONSULTATION'; facts: DossierFacts }
  | { type: 'SUBMIT'; agreementPercent: number; facts: DossierFacts }
  | { type: 'REVIEW_CRITERION'; code: number; decision: 'approve' | 'request_revision'; comment?: string }
  | { type: 'RETURN'; comment: string }
  | { type: 'RESUBMIT' }
  | { type: 'APPROVE' }
  | { type: 'SIGN_OFF'; decisionNumber: string; decisionDate: string }
  | { type: 'REJECT'; reason: string }
  | { type: 'WITHDRAW' }
  | { type: 'REVOKE'; reason: string; criteriaNoLongerMet: number[] };

/** Who is emailed: an effect (outbox row) delivered by the notifications queue. */
const notify = (template: string, to: Party[]) => ({ type: 'notify', params: { template, to } }) as const;
/** Assign each pending criterion to a reviewer of the unit (review-steps queue). */
const assignReviewers = { type: 'assignReviewers' } as const;

export const certificationMachine = setup({
  types: {} as { context: CertificationContext; events: CertificationEvent; input: { requiredAgreement?: number } | undefined },
  // The engine computes due times from the definition's deadlines; these values only make the delays known.
  delays: {
    consultationEnds: 10 * 86_400_000,
    reviewReminder: 8 * 86_400_000,
    reviewDue: 10 * 86_400_000,
    revisionReminder: 12 * 86_400_000,
    revisionDue: 15 * 86_400_000,
    provinceReminder: 8 * 86_400_000,
    provinceDue: 10 * 86_400_000,
  },
  actions: {
    notify: (_: unknown, _params: { template: string; to: Party[] }) => undefined,
    assignReviewers: () => undefined,
  },
  guards: {
    self_assessment_complete: ({ event }) =>
      event.type === 'OPEN_CONSULTATION' && !event.facts.unassessed?.length && !event.facts.notMet?.length,
    agreement_reached: ({ context, event }) => event.type === 'SUBMIT' && event.agreementPercent >= context.requiredAgreement,
    meeting_minutes_attached: ({ event }) => event.type === 'SUBMIT' && event.facts.meetingMinutes === true,
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
    overdue: false,
    decision: null,
  }),
  states: {
    draft: {
      on: {
        OPEN_CONSULTATION: { guard: 'self_assessment_complete', target: 'consultation' },
        WITHDRAW: 'withdrawn',
      },
    },
    consultation: {
      after: { consultationEnds: { target: 'ready_to_submit', actions: notify('consultation_ended', ['commune']) } },
      on: { WITHDRAW: 'withdrawn' },
    },
    ready_to_submit: {
      on: {
        SUBMIT: {
          guard: and(['agreement_reached', 'meeting_minutes_attached']),
          target: 'review',
          actions: assign({ agreementPercent: ({ event }) => (event.type === 'SUBMIT' ? event.agreementPercent : null) }),
        },
        WITHDRAW: 'withdrawn',
      },
    },
    review: {
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
        APPROVE: { guard: 'all_approved', target: 'province_review', actions: notify('dossier_forwarded', ['province', 'commune']) },
      },
    },
    revision_requested: {
      entry: assign({ overdue: false }),
      after: {
        revisionReminder: { actions: notify('revision_reminder', ['commune']) },
        revisionDue: { target: 'lapsed', actions: notify('dossier_lapsed', ['commune', 'reviewers']) },
      },
      on: {
        RESUBMIT: {
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
      entry: assign({ overdue: false }),
      after: {
        provinceReminder: { actions: notify('signoff_reminder', ['province']) },
        provinceDue: { actions: [assign({ overdue: true }), notify('signoff_overdue', ['reviewers', 'province'])] },
      },
      on: {
        SIGN_OFF: {
          target: 'certified',
          actions: [
            assign({ decision: ({ event }) => (event.type === 'SIGN_OFF' ? { number: event.decisionNumber, date: event.decisionDate } : null) }),
            notify('dossier_certified', ['commune', 'reviewers']),
          ],
        },
        REJECT: { target: 'rejected', actions: notify('dossier_rejected', ['commune', 'reviewers']) },
      },
    },
    certified: {
      on: { REVOKE: { target: 'revoked', actions: notify('title_revoked', ['commune', 'reviewers']) } },
    },
    rejected: { type: 'final' },
    withdrawn: { type: 'final' },
    lapsed: { type: 'final' },
    revoked: { type: 'final' },
  },
});

const COMMUNE = { roles: ['COMMUNE_STAFF'], unit: 'ancestor:1' } as const;
const REVIEWERS = { roles: ['REVIEWER'], unit: 'ancestor:2' } as const;
const PROVINCE = { roles: ['PROVINCE_OFFICER'], unit: 'root' } as const;

/** Village certification, version 1 (DESIGN.md "The two workflows"; API.md "Village certification dossiers"). */
export const certificationV1 = defineWorkflow({
  key: 'certification',
  version: 1,
  machine: certificationMachine,
  deadlines: {
    'certification.consultation': { days: 10, calendar: 'calendar' },
    'certification.review': { days: 10, calendar: 'working', reminderBefore: 2 },
    'certification.revision': { days: 15, calendar: 'working', reminderBefore: 3 },
    'certification.provinceReview': { days: 10, calendar: 'working', reminderBefore: 2 },
  },
  delays: {
    consultationEnds: { deadline: 'certification.consultation', kind: 'due' },
    reviewReminder: { deadline: 'certification.review', kind: 'reminder' },
    reviewDue: { deadline: 'certification.review', kind: 'due' },
    revisionReminder: { deadline: 'certification.revision', kind: 'reminder' },
    revisionDue: { deadline: 'certification.revision', kind: 'due' },
    provinceReminder: { deadline: 'certification.provinceReview', kind: 'reminder' },
    provinceDue: { deadline: 'certification.provinceReview', kind: 'due' },
  },
  effects: {
    notify: { queue: 'notifications', job: 'notify' },
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
    self_assessment_complete: { rule: 'self_assessment_incomplete', message: 'every criterion must be assessed and met before the consultation opens' },
    agreement_reached: { rule: 'agreement_below_threshold', message: 'the village meeting\'s agreement is below the required share' },
    meeting_minutes_attached: { rule: 'meeting_minutes_required', message: 'attach the village meeting\'s minutes (kind meeting_minutes) before submitting' },
    some_revision_requested: { rule: 'no_criterion_returned', message: 'RETURN needs at least one criterion marked request_revision' },
    all_approved: { rule: 'criteria_not_all_approved', message: 'APPROVE needs all 16 criteria approved' },
  },
});

import { assign, setup } from 'xstate';
import { defineWorkflow } from '../../src/engine/definition.js';

export type Party = 'commune' | 'reviewers' | 'province';

export interface FundingContext {
  overdue: boolean;
  progress: { percent: number; note: string | null } | null;
  acceptedValueVnd: string | null;
  settledVnd: string | null;
}

/**
 * Money never lives in the machine: the funding service moves it in the event's transaction (ALLOCATE,
 * CANCEL, SETTLE) and refuses there (insufficient_funds) so that the whole event rolls back.
 */
export type FundingEvent =
  | { type: 'SUBMIT' }
  | { type: 'RETURN'; comment: string }
  | { type: 'APPROVE'; funding?: { fundCode: string; amountVnd: number | string }[] }
  | { type: 'ALLOCATE' }
  | { type: 'REJECT'; reason: string }
  | { type: 'START' }
  | { type: 'REPORT_PROGRESS'; percent: number; note?: string }
  | { type: 'REQUEST_ACCEPTANCE' }
  | { type: 'ACCEPT'; acceptedValueVnd: number | string }
  | { type: 'SETTLE'; settledVnd: number | string }
  | { type: 'CANCEL'; reason: string }
  /** Sent by the system when ALLOCATE was refused for want of funds (the refused event itself left no trace). */
  | { type: 'FUNDS_SHORT'; reason: string };

const notify = (template: string, to: Party[]) => ({ type: 'notify', params: { template, to } }) as const;

export const fundingMachine = setup({
  types: {} as { context: FundingContext; events: FundingEvent },
  // The engine computes due times from the definition's deadlines; these values only make the delays known.
  delays: {
    reviewReminder: 8 * 86_400_000,
    reviewDue: 10 * 86_400_000,
    provinceReminder: 8 * 86_400_000,
    provinceDue: 10 * 86_400_000,
    acceptanceReminder: 8 * 86_400_000,
    acceptanceDue: 10 * 86_400_000,
  },
  actions: {
    notify: (_: unknown, _params: { template: string; to: Party[] }) => undefined,
  },
}).createMachine({
  id: 'funding',
  initial: 'draft',
  context: () => ({ overdue: false, progress: null, acceptedValueVnd: null, settledVnd: null }),
  states: {
    draft: {
      on: {
        SUBMIT: { target: 'review', actions: notify('project_submitted', ['reviewers']) },
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers']) },
      },
    },
    review: {
      entry: assign({ overdue: false }),
      after: {
        reviewReminder: { actions: notify('reminder', ['reviewers']) },
        reviewDue: { actions: [assign({ overdue: true }), notify('overdue', ['reviewers', 'province'])] },
      },
      on: {
        RETURN: { target: 'draft', actions: notify('project_returned', ['commune']) },
        APPROVE: { target: 'province_review', actions: notify('project_approved', ['province', 'commune']) },
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers']) },
      },
    },
    province_review: {
      entry: assign({ overdue: false }),
      after: {
        provinceReminder: { actions: notify('reminder', ['province']) },
        provinceDue: { actions: [assign({ overdue: true }), notify('overdue', ['reviewers', 'province'])] },
      },
      on: {
        ALLOCATE: { target: 'approved', actions: notify('funds_allocated', ['commune', 'reviewers']) },
        REJECT: { target: 'rejected', actions: notify('project_rejected', ['commune', 'reviewers']) },
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers']) },
        // Stays, clock running: the province changes the lines or finds money, then allocates again.
        FUNDS_SHORT: { actions: notify('insufficient_funds', ['province', 'commune']) },
      },
    },
    approved: {
      entry: assign({ overdue: false }),
      on: {
        START: 'in_progress',
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers', 'province']) },
      },
    },
    in_progress: {
      on: {
        REPORT_PROGRESS: {
          actions: assign({
            progress: ({ event }) => (event.type === 'REPORT_PROGRESS' ? { percent: event.percent, note: event.note ?? null } : null),
          }),
        },
        REQUEST_ACCEPTANCE: { target: 'acceptance', actions: notify('acceptance_requested', ['reviewers']) },
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers', 'province']) },
      },
    },
    acceptance: {
      entry: assign({ overdue: false }),
      after: {
        acceptanceReminder: { actions: notify('reminder', ['reviewers']) },
        acceptanceDue: { actions: [assign({ overdue: true }), notify('overdue', ['reviewers', 'province'])] },
      },
      on: {
        ACCEPT: {
          target: 'accepted',
          actions: assign({
            overdue: false,
            acceptedValueVnd: ({ event }) => (event.type === 'ACCEPT' ? String(event.acceptedValueVnd) : null),
          }),
        },
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers', 'province']) },
      },
    },
    accepted: {
      on: {
        SETTLE: {
          target: 'settled',
          actions: [
            assign({ settledVnd: ({ event }) => (event.type === 'SETTLE' ? String(event.settledVnd) : null) }),
            notify('project_settled', ['commune', 'reviewers']),
          ],
        },
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers', 'province']) },
      },
    },
    settled: { type: 'final' },
    rejected: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** States before the province allocates: the commune may cancel; from `approved` on only the province may. */
export const BEFORE_APPROVAL = ['draft', 'review', 'province_review'];

/** Final states in which the work was not carried out: its pledges no longer count as pledged (the reports). */
export const NOT_CARRIED_OUT = ['rejected', 'cancelled'];

const COMMUNE = { roles: ['COMMUNE_STAFF'], unit: 'ancestor:1' } as const;
const REVIEWERS = { roles: ['REVIEWER'], unit: 'ancestor:2' } as const;
const PROVINCE = { roles: ['PROVINCE_OFFICER'], unit: 'root' } as const;

/** Project funding under the special mechanism, version 1 (DESIGN.md "The two workflows"; API.md "Funds and projects"). */
export const fundingV1 = defineWorkflow({
  key: 'funding',
  version: 1,
  machine: fundingMachine,
  deadlines: {
    'funding.review': { days: 10, calendar: 'working', reminderBefore: 2 },
    'funding.provinceReview': { days: 10, calendar: 'working', reminderBefore: 2 },
    'funding.acceptance': { days: 10, calendar: 'working', reminderBefore: 2 },
  },
  delays: {
    reviewReminder: { deadline: 'funding.review', kind: 'reminder' },
    reviewDue: { deadline: 'funding.review', kind: 'due' },
    provinceReminder: { deadline: 'funding.provinceReview', kind: 'reminder' },
    provinceDue: { deadline: 'funding.provinceReview', kind: 'due' },
    acceptanceReminder: { deadline: 'funding.acceptance', kind: 'reminder' },
    acceptanceDue: { deadline: 'funding.acceptance', kind: 'due' },
  },
  effects: {
    notify: { queue: 'notifications', job: 'notify' },
  },
  permissions: {
    SUBMIT: COMMUNE,
    RETURN: REVIEWERS,
    APPROVE: REVIEWERS,
    ALLOCATE: PROVINCE,
    REJECT: PROVINCE,
    START: COMMUNE,
    REPORT_PROGRESS: COMMUNE,
    REQUEST_ACCEPTANCE: COMMUNE,
    ACCEPT: REVIEWERS,
    SETTLE: PROVINCE,
    // The commune before approval, the province after: the state decides (the funding service checks it in
    // the event's transaction and answers 403); both parties contain the village.
    CANCEL: { roles: ['COMMUNE_STAFF', 'PROVINCE_OFFICER'], unit: 'within' },
  },
});

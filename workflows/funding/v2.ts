import { assign, setup } from 'xstate';
import { deadline, defineWorkflow, delaysOf } from '../../src/engine/definition.js';
import { notify, notifyAction, NOTIFY } from '../common/effects.js';
import { PARTIES } from '../common/parties.js';
import { FUNDING_LABELS } from './labels.js';

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
  | { type: 'ACCEPT'; acceptedValueVnd: number | string; acceptedQuantity?: number }
  | { type: 'REFUSE_ACCEPTANCE'; reason: string }
  | { type: 'SETTLE'; settledVnd: number | string }
  | { type: 'CANCEL'; reason: string }
  /** Sent by the system when ALLOCATE was refused for want of funds (the refused event itself left no trace). */
  | { type: 'FUNDS_SHORT'; reason: string };

/** The deadlines, each with the delays of the machine that stand for its due time and reminder. */
export const FUNDING_DEADLINES = [
  deadline('funding.review', { days: 10, calendar: 'working', reminderBefore: 2 }, { due: 'reviewDue', reminder: 'reviewReminder' }),
  deadline(
    'funding.provinceReview',
    { days: 10, calendar: 'working', reminderBefore: 2 },
    { due: 'provinceDue', reminder: 'provinceReminder' },
  ),
  deadline(
    'funding.acceptance',
    { days: 10, calendar: 'working', reminderBefore: 2 },
    { due: 'acceptanceDue', reminder: 'acceptanceReminder' },
  ),
  deadline(
    'funding.settlement',
    { days: 20, calendar: 'working', reminderBefore: 3 },
    { due: 'settlementDue', reminder: 'settlementReminder' },
  ),
];

/**
 * State tags the funding module reads instead of naming states: `before_approval` (the commune may still
 * cancel; from `approved` on only the province may), `closed` (no receipts any more), `not_carried_out` (a
 * final state whose pledges no longer count). A state's `meta.tasks` names, per role, what the inbox asks of it there.
 */
export const fundingMachine = setup({
  types: {} as { context: FundingContext; events: FundingEvent },
  delays: delaysOf(FUNDING_DEADLINES),
  actions: {
    notify: notifyAction,
  },
}).createMachine({
  id: 'funding',
  initial: 'draft',
  context: () => ({ overdue: false, progress: null, acceptedValueVnd: null, settledVnd: null }),
  states: {
    draft: {
      tags: ['before_approval'],
      meta: { tasks: { COMMUNE_STAFF: 'submit' } },
      on: {
        SUBMIT: { target: 'review', actions: notify('project_submitted', ['reviewers']) },
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers']) },
      },
    },
    review: {
      tags: ['before_approval'],
      meta: { tasks: { REVIEWER: 'review_project' } },
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
      tags: ['before_approval'],
      meta: { tasks: { PROVINCE_OFFICER: 'allocate' } },
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
      meta: { tasks: { COMMUNE_STAFF: 'start' } },
      entry: assign({ overdue: false }),
      on: {
        START: 'in_progress',
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers', 'province']) },
      },
    },
    in_progress: {
      meta: { tasks: { COMMUNE_STAFF: 'report_progress' } },
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
      meta: { tasks: { REVIEWER: 'accept' } },
      entry: assign({ overdue: false }),
      after: {
        acceptanceReminder: { actions: notify('reminder', ['reviewers']) },
        acceptanceDue: { actions: [assign({ overdue: true }), notify('overdue', ['reviewers', 'province'])] },
      },
      on: {
        ACCEPT: {
          target: 'accepted',
          actions: [
            assign({
              overdue: false,
              acceptedValueVnd: ({ event }) => (event.type === 'ACCEPT' ? String(event.acceptedValueVnd) : null),
            }),
            notify('project_accepted', ['province', 'commune']),
          ],
        },
        // Not ready: back to the works, with the reviewers' reason; the commune requests acceptance again.
        REFUSE_ACCEPTANCE: { target: 'in_progress', actions: [assign({ overdue: false }), notify('acceptance_refused', ['commune'])] },
        CANCEL: { target: 'cancelled', actions: notify('project_cancelled', ['commune', 'reviewers', 'province']) },
      },
    },
    accepted: {
      meta: { tasks: { PROVINCE_OFFICER: 'settle' } },
      entry: assign({ overdue: false }),
      after: {
        settlementReminder: { actions: notify('reminder', ['province']) },
        settlementDue: { actions: [assign({ overdue: true }), notify('overdue', ['province', 'reviewers'])] },
      },
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
    settled: { type: 'final', tags: ['closed'] },
    rejected: { type: 'final', tags: ['closed', 'not_carried_out'] },
    cancelled: { type: 'final', tags: ['closed', 'not_carried_out'] },
  },
});

const { commune: COMMUNE, reviewers: REVIEWERS, province: PROVINCE } = PARTIES;

/**
 * Project funding under the special mechanism, version 2: reviewers may refuse acceptance and send the work back
 * (REFUSE_ACCEPTANCE), and an accepted work waits for the province's settlement with a deadline and a reminder.
 * Version 1's open projects move to it on their next event, as they are (the states are the same; one accepted
 * before has no settlement deadline, since its state was entered under version 1).
 */
export const fundingV2 = defineWorkflow({
  key: 'funding',
  version: 2,
  machine: fundingMachine,
  deadlines: FUNDING_DEADLINES,
  effects: { notify: NOTIFY },
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
    REFUSE_ACCEPTANCE: REVIEWERS,
    SETTLE: PROVINCE,
    // The commune before approval, the province after: the state decides (the funding module's hook checks it in
    // the event's transaction and refuses); both parties contain the village.
    CANCEL: { roles: ['COMMUNE_STAFF', 'PROVINCE_OFFICER'], unit: 'within' },
  },
  labels: FUNDING_LABELS,
  migrations: [{ from: 1, up: (s) => s }],
});

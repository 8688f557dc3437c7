import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { WorkflowRegistry } from '../../src/engine/registry.js';
import { fundingMachine, fundingV2, type FundingEvent } from './v2.js';

/** The funding machine driven purely through initialTransition()/transition(): actions come back as data. */
type Action = { type: string; params?: Record<string, unknown> };
const DAY = 86_400_000;
const after = (delay: string, state: string) => `xstate.after.${delay}.funding.${state}`;

function drive(events: FundingEvent[]): { snapshot: AnyMachineSnapshot; actions: Action[] } {
  let [snapshot, actions] = initialTransition(fundingMachine) as [AnyMachineSnapshot, Action[]];
  for (const e of events) [snapshot, actions] = transition(fundingMachine, snapshot, e as never) as [AnyMachineSnapshot, Action[]];
  return { snapshot, actions };
}
const notifies = (actions: Action[]) => actions.filter((a) => a.type === 'notify').map((a) => a.params);
const raises = (actions: Action[]) =>
  actions
    .filter((a) => a.type === 'xstate.raise')
    .map((a) => ({ event: (a.params!.event as { type: string }).type, delay: a.params!.delay }));

const TO_ACCEPTED: FundingEvent[] = [
  { type: 'SUBMIT' },
  { type: 'APPROVE' },
  { type: 'ALLOCATE' },
  { type: 'START' },
  { type: 'REPORT_PROGRESS', percent: 60, note: 'đổ bê tông' },
  { type: 'REQUEST_ACCEPTANCE' },
  { type: 'ACCEPT', acceptedValueVnd: 850_000_000 },
];

describe('funding machine v2', () => {
  it('starts in draft with a clean context', () => {
    const { snapshot } = drive([]);
    expect(snapshot.value).toBe('draft');
    expect(snapshot.context).toEqual({ overdue: false, progress: null, acceptedValueVnd: null, settledVnd: null });
  });

  it('goes draft → review → province_review → approved → in_progress → acceptance → accepted → settled', () => {
    const states: unknown[] = [];
    let [snapshot] = initialTransition(fundingMachine) as [AnyMachineSnapshot, Action[]];
    for (const e of [...TO_ACCEPTED, { type: 'SETTLE', settledVnd: '800000000' } as FundingEvent]) {
      [snapshot] = transition(fundingMachine, snapshot, e as never) as [AnyMachineSnapshot, Action[]];
      states.push(snapshot.value);
    }
    expect(states).toEqual(['review', 'province_review', 'approved', 'in_progress', 'in_progress', 'acceptance', 'accepted', 'settled']);
    expect(snapshot.status).toBe('done');
    expect(snapshot.context).toMatchObject({
      progress: { percent: 60, note: 'đổ bê tông' },
      acceptedValueVnd: '850000000',
      settledVnd: '800000000',
    });
  });

  it('schedules the review, province and acceptance deadlines with named delays (reminder and due)', () => {
    expect(raises(drive([{ type: 'SUBMIT' }]).actions)).toEqual([
      { event: after('reviewReminder', 'review'), delay: 8 * DAY },
      { event: after('reviewDue', 'review'), delay: 10 * DAY },
    ]);
    expect(raises(drive([{ type: 'SUBMIT' }, { type: 'APPROVE' }]).actions).map((r) => r.event)).toEqual([
      after('provinceReminder', 'province_review'),
      after('provinceDue', 'province_review'),
    ]);
    expect(raises(drive(TO_ACCEPTED.slice(0, 6)).actions).map((r) => r.event)).toEqual([
      after('acceptanceReminder', 'acceptance'),
      after('acceptanceDue', 'acceptance'),
    ]);
    expect(fundingMachine.implementations.delays).toMatchObject({ reviewDue: 10 * DAY, provinceDue: 10 * DAY, acceptanceDue: 10 * DAY });
  });

  it('marks overdue and escalates when the review passes its due time; reminds before', () => {
    const inReview = drive([{ type: 'SUBMIT' }]).snapshot;
    const [reminded, reminderActions] = transition(fundingMachine, inReview, { type: after('reviewReminder', 'review') } as never);
    expect(notifies(reminderActions as Action[])).toEqual([{ template: 'reminder', to: ['reviewers'] }]);
    const [late, dueActions] = transition(fundingMachine, reminded, { type: after('reviewDue', 'review') } as never);
    expect(late.value).toBe('review');
    expect(late.context.overdue).toBe(true);
    expect(notifies(dueActions as Action[])).toEqual([{ template: 'overdue', to: ['reviewers', 'province'] }]);
    const [forwarded] = transition(fundingMachine, late, { type: 'APPROVE' } as never);
    expect(forwarded.context.overdue).toBe(false);
  });

  it('notifies with the funding templates', () => {
    expect(notifies(drive([{ type: 'SUBMIT' }]).actions)).toEqual([{ template: 'project_submitted', to: ['reviewers'] }]);
    expect(notifies(drive([{ type: 'SUBMIT' }, { type: 'RETURN', comment: 'x' }]).actions)).toEqual([
      { template: 'project_returned', to: ['commune'] },
    ]);
    expect(notifies(drive([{ type: 'SUBMIT' }, { type: 'APPROVE' }]).actions)).toEqual([
      { template: 'project_approved', to: ['province', 'commune'] },
    ]);
    expect(notifies(drive([{ type: 'SUBMIT' }, { type: 'APPROVE' }, { type: 'ALLOCATE' }]).actions)).toEqual([
      { template: 'funds_allocated', to: ['commune', 'reviewers'] },
    ]);
    expect(notifies(drive([...TO_ACCEPTED, { type: 'SETTLE', settledVnd: 1 }]).actions)).toEqual([
      { template: 'project_settled', to: ['commune', 'reviewers'] },
    ]);
  });

  it('FUNDS_SHORT (the system, after a refused ALLOCATE) stays in province_review and tells the province and the commune', () => {
    const { snapshot, actions } = drive([{ type: 'SUBMIT' }, { type: 'APPROVE' }, { type: 'FUNDS_SHORT', reason: 'LOCAL_BUDGET short' }]);
    expect(snapshot.value).toBe('province_review');
    expect(notifies(actions)).toEqual([{ template: 'insufficient_funds', to: ['province', 'commune'] }]);
    expect(raises(actions)).toEqual([]);
    expect(fundingV2.permissions.FUNDS_SHORT).toBeUndefined();
  });

  it('RETURN goes back to draft; REJECT ends in rejected; CANCEL ends every open state in cancelled', () => {
    expect(drive([{ type: 'SUBMIT' }, { type: 'RETURN', comment: 'bổ sung' }]).snapshot.value).toBe('draft');
    expect(drive([{ type: 'SUBMIT' }, { type: 'APPROVE' }, { type: 'REJECT', reason: 'r' }]).snapshot.value).toBe('rejected');
    for (let n = 0; n <= TO_ACCEPTED.length; n++) {
      const { snapshot } = drive([...TO_ACCEPTED.slice(0, n), { type: 'CANCEL', reason: 'thôi' }]);
      expect(snapshot.value).toBe('cancelled');
      expect(snapshot.status).toBe('done');
    }
  });

  it('ignores events out of order', () => {
    expect(drive([{ type: 'ALLOCATE' }]).snapshot.value).toBe('draft');
    expect(drive([{ type: 'SUBMIT' }, { type: 'SETTLE', settledVnd: 1 }]).snapshot.value).toBe('review');
    expect(
      drive([{ type: 'SUBMIT' }, { type: 'APPROVE' }, { type: 'ALLOCATE' }, { type: 'ACCEPT', acceptedValueVnd: 1 }]).snapshot.value,
    ).toBe('approved');
  });

  it('registers with the engine: every delay and effect declared, every event permitted to someone', () => {
    expect(() => new WorkflowRegistry().register(fundingV2)).not.toThrow();
    expect(Object.keys(fundingV2.permissions).sort()).toEqual([
      'ACCEPT',
      'ALLOCATE',
      'APPROVE',
      'CANCEL',
      'REFUSE_ACCEPTANCE',
      'REJECT',
      'REPORT_PROGRESS',
      'REQUEST_ACCEPTANCE',
      'RETURN',
      'SETTLE',
      'START',
      'SUBMIT',
    ]);
    expect(fundingV2.permissions.ALLOCATE).toEqual({ roles: ['PROVINCE_OFFICER'], unit: 'root' });
  });

  it('REFUSE_ACCEPTANCE sends the work back to in_progress and tells the commune', () => {
    const { snapshot, actions } = drive([...TO_ACCEPTED.slice(0, -1), { type: 'REFUSE_ACCEPTANCE', reason: 'chưa đạt' }]);
    expect(snapshot.value).toBe('in_progress');
    expect(notifies(actions)).toEqual([expect.objectContaining({ template: 'acceptance_refused', to: ['commune'] })]);
  });

  it('ACCEPT tells the province and the commune and starts the settlement deadline with its reminder', () => {
    const { actions } = drive(TO_ACCEPTED);
    expect(notifies(actions)).toEqual([expect.objectContaining({ template: 'project_accepted', to: ['province', 'commune'] })]);
    expect(raises(actions)).toEqual([
      { event: after('settlementReminder', 'accepted'), delay: 17 * DAY },
      { event: after('settlementDue', 'accepted'), delay: 20 * DAY },
    ]);
  });

  it("migrates version 1's snapshots as they are", () => {
    expect(fundingV2.migrations?.map((m) => m.from)).toEqual([1]);
  });
});

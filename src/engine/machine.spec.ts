import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { testMachine } from '../../test/support/test-workflow.js';

/** The test workflow's machine, driven purely through transition(): nothing runs, actions come back as data. */
type Action = { type: string; params?: Record<string, unknown> };
const summary = (actions: unknown[]) =>
  (actions as Action[]).map((a) =>
    a.type === 'xstate.raise'
      ? { type: a.type, event: (a.params!.event as { type: string }).type, id: a.params!.id, delay: a.params!.delay }
      : a.type === 'xstate.cancel'
        ? { type: a.type, sendId: a.params!.sendId }
        : { type: a.type, params: a.params },
  );

const DUE = 'xstate.after.reviewDue.t.review';
const REMINDER = 'xstate.after.reviewReminder.t.review';

describe('test workflow machine through transition()', () => {
  const machine = testMachine();

  function inReview(required = 2): AnyMachineSnapshot {
    const [start] = initialTransition(machine, { required });
    const [review] = transition(machine, start, { type: 'SUBMIT' });
    return review;
  }

  it('starts in draft with its context from the input, and no actions', () => {
    const [snapshot, actions] = initialTransition(machine, { required: 3 });
    expect(snapshot.value).toBe('draft');
    expect(snapshot.context).toEqual({ reviews: 0, required: 3 });
    expect(actions).toEqual([]);
  });

  it('entering review returns the entry effect and two delayed raises, and executes nothing', () => {
    const [start] = initialTransition(machine, {});
    const [review, actions] = transition(machine, start, { type: 'SUBMIT' });
    expect(review.value).toBe('review');
    expect(review.status).toBe('active');
    expect(summary(actions)).toEqual([
      // The nominal lengths delaysOf() gives the machine (10 days, the reminder 2 before); the engine uses the calendar.
      { type: 'notify', params: { template: 'arrived' } },
      { type: 'xstate.raise', event: REMINDER, id: REMINDER, delay: 8 * 86_400_000 },
      { type: 'xstate.raise', event: DUE, id: DUE, delay: 10 * 86_400_000 },
    ]);
    // The input snapshot is untouched.
    expect(start.value).toBe('draft');
  });

  it('an event the state does not take changes nothing', () => {
    const [start] = initialTransition(machine, {});
    expect(start.can({ type: 'APPROVE' })).toBe(false);
    const [next, actions] = transition(machine, start, { type: 'APPROVE' });
    expect(next.value).toBe('draft');
    expect(actions).toEqual([]);
  });

  it('REVIEW counts without leaving the state or touching its timers', () => {
    const [once, actions] = transition(machine, inReview(), { type: 'REVIEW' });
    expect(once.value).toBe('review');
    expect(once.context.reviews).toBe(1);
    expect(actions.filter((a) => a.type.startsWith('xstate.'))).toEqual([]);
  });

  it('the all_reviewed guard refuses APPROVE until enough reviews, then approval cancels both timers', () => {
    let s = inReview(2);
    expect(s.can({ type: 'APPROVE' })).toBe(false);
    [s] = transition(machine, s, { type: 'REVIEW' });
    expect(s.can({ type: 'APPROVE' })).toBe(false);
    const [refused] = transition(machine, s, { type: 'APPROVE' });
    expect(refused.value).toBe('review');
    [s] = transition(machine, s, { type: 'REVIEW' });
    expect(s.can({ type: 'APPROVE' })).toBe(true);
    const [done, actions] = transition(machine, s, { type: 'APPROVE' });
    expect(done.value).toBe('approved');
    expect(done.status).toBe('done');
    expect(summary(actions)).toEqual([
      { type: 'xstate.cancel', sendId: REMINDER },
      { type: 'xstate.cancel', sendId: DUE },
    ]);
  });

  it('the reminder raises its effect and stays in review; the due event goes to overdue and cancels the reminder', () => {
    const [reminded, reminderActions] = transition(machine, inReview(), { type: REMINDER });
    expect(reminded.value).toBe('review');
    expect(summary(reminderActions)).toEqual([{ type: 'notify', params: { template: 'reminder' } }]);
    const [overdue, dueActions] = transition(machine, reminded, { type: DUE });
    expect(overdue.value).toBe('overdue');
    expect(summary(dueActions)).toEqual([
      { type: 'xstate.cancel', sendId: REMINDER },
      { type: 'xstate.cancel', sendId: DUE },
      { type: 'notify', params: { template: 'overdue' } },
    ]);
  });

  it('a snapshot restored with resolveState takes a delayed event as the engine sends it', () => {
    const restored = machine.resolveState({ value: 'review', context: { reviews: 1, required: 2 } });
    const [next] = transition(machine, restored, { type: DUE, deadline: 't.review', kind: 'due' } as never);
    expect(next.value).toBe('overdue');
    expect(next.context).toEqual({ reviews: 1, required: 2 });
  });

  it('a stale delayed event (the state was left) is not taken', () => {
    const restored = machine.resolveState({ value: 'overdue', context: { reviews: 0, required: 2 } });
    expect(restored.can({ type: DUE } as never)).toBe(false);
    const [next, actions] = transition(machine, restored, { type: DUE } as never);
    expect(next.value).toBe('overdue');
    expect(actions).toEqual([]);
  });

  it('the v2 machine goes through signoff', () => {
    const v2 = testMachine({ variant: 'v2' });
    let s = v2.resolveState({ value: 'review', context: { reviews: 2, required: 2 } });
    [s] = transition(v2, s, { type: 'APPROVE' });
    expect(s.value).toBe('signoff');
    [s] = transition(v2, s, { type: 'SIGN_OFF' });
    expect(s.value).toBe('approved');
    expect(s.status).toBe('done');
  });
});

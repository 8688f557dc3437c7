import { initialTransition, transition } from 'xstate';
import { assessmentMachine, assessmentV1 } from './v1.js';

/** The assessment machine through initialTransition()/transition(): nothing runs, actions come back as data. */
const facts = { criteria: 2, documents: ['evidence'] };
const notified = (actions: unknown[]) =>
  (actions as { type: string; params?: { template?: string } }[]).filter((a) => a.type === 'notify').map((a) => a.params!.template);

describe('assessment workflow v1', () => {
  it('draft → review (reviewers told) → confirmed (commune told)', () => {
    const [draft] = initialTransition(assessmentMachine);
    expect(draft.value).toBe('draft');
    const [review, a1] = transition(assessmentMachine, draft, { type: 'SUBMIT', facts });
    expect(review.value).toBe('review');
    expect(notified(a1)).toEqual(['assessment_submitted']);
    const [confirmed, a2] = transition(assessmentMachine, review, { type: 'CONFIRM' });
    expect(confirmed.value).toBe('confirmed');
    expect(confirmed.status).toBe('done');
    expect(notified(a2)).toEqual(['assessment_confirmed']);
  });

  it('SUBMIT needs a criterion and evidence', () => {
    const [draft] = initialTransition(assessmentMachine);
    expect(transition(assessmentMachine, draft, { type: 'SUBMIT', facts: { criteria: 0, documents: ['evidence'] } })[0].value).toBe(
      'draft',
    );
    expect(transition(assessmentMachine, draft, { type: 'SUBMIT', facts: { criteria: 1, documents: [] } })[0].value).toBe('draft');
    expect(Object.values(assessmentV1.rules!).map((r) => r.rule)).toEqual(['assessment_criteria_required', 'assessment_evidence_required']);
  });

  it('RETURN keeps the reason; the commune resubmits or withdraws', () => {
    const [draft] = initialTransition(assessmentMachine);
    const [review] = transition(assessmentMachine, draft, { type: 'SUBMIT', facts });
    const [returned, actions] = transition(assessmentMachine, review, { type: 'RETURN', reason: 'Thiếu ảnh' });
    expect(returned.value).toBe('returned');
    expect(returned.context.returnReason).toBe('Thiếu ảnh');
    expect(notified(actions)).toEqual(['assessment_returned']);
    expect(transition(assessmentMachine, returned, { type: 'SUBMIT', facts })[0].value).toBe('review');
    expect(transition(assessmentMachine, returned, { type: 'WITHDRAW' })[0].value).toBe('withdrawn');
    // Reviewers cannot confirm what is with the commune.
    expect(transition(assessmentMachine, returned, { type: 'CONFIRM' })[0].value).toBe('returned');
  });

  it('the commune submits and withdraws, the reviewers confirm and return', () => {
    expect(assessmentV1.permissions.SUBMIT).toEqual({ roles: ['COMMUNE_STAFF'], unit: 'ancestor:1' });
    expect(assessmentV1.permissions.CONFIRM).toEqual({ roles: ['REVIEWER'], unit: 'ancestor:2' });
    expect(assessmentV1.permissions.RETURN).toEqual({ roles: ['REVIEWER'], unit: 'ancestor:2' });
    expect(assessmentV1.deadlines.map((d) => d.id)).toEqual(['assessment.review', 'assessment.revision']);
  });
});

import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { certificationMachine, certificationV2, CRITERIA_CODES, type CertificationEvent } from './v2.js';

/**
 * The certification machine driven purely through initialTransition()/transition(): nothing runs, actions
 * come back as data. Checks every state, event and guard of the certification workflow (docs/workflows/certification-v2.md).
 */
type Action = { type: string; params?: Record<string, unknown> };
type Summary =
  | { type: 'xstate.raise'; event: string; id: unknown; delay: unknown }
  | { type: 'xstate.cancel'; sendId: unknown }
  | { type: string; params: unknown };

const summary = (actions: unknown[]): Summary[] =>
  (actions as Action[]).map((a) =>
    a.type === 'xstate.raise'
      ? { type: a.type, event: (a.params!.event as { type: string }).type, id: a.params!.id, delay: a.params!.delay }
      : a.type === 'xstate.cancel'
        ? { type: a.type, sendId: a.params!.sendId }
        : { type: a.type, params: a.params },
  );

const DAY = 86_400_000;
const after = (delay: string, state: string) => `xstate.after.${delay}.certification.${state}`;
const T = {
  consultationEnds: after('consultationEnds', 'consultation'),
  reviewReminder: after('reviewReminder', 'review'),
  reviewDue: after('reviewDue', 'review'),
  revisionReminder: after('revisionReminder', 'revision_requested'),
  revisionDue: after('revisionDue', 'revision_requested'),
  provinceReminder: after('provinceReminder', 'province_review'),
  provinceDue: after('provinceDue', 'province_review'),
};
const raise = (event: string, delay: number) => ({ type: 'xstate.raise', event, id: event, delay });
const cancel = (sendId: string) => ({ type: 'xstate.cancel', sendId });
const notify = (template: string, to: string[]) => ({ type: 'notify', params: { template, to } });

const ALL_EVENTS = [
  'OPEN_CONSULTATION',
  'SUBMIT',
  'REVIEW_CRITERION',
  'RETURN',
  'RESUBMIT',
  'APPROVE',
  'SIGN_OFF',
  'REJECT',
  'WITHDRAW',
  'REVOKE',
] as const;

/** The documents SUBMIT needs, as the certification module states them. */
const SUBMIT_FACTS = { documents: ['submission_letter', 'self_assessment_report', 'meeting_minutes'] };

/** A valid instance of each event type, so that "ignored" means the state does not take it, not a bad payload. */
const SAMPLE: Record<(typeof ALL_EVENTS)[number], CertificationEvent> = {
  OPEN_CONSULTATION: { type: 'OPEN_CONSULTATION', facts: { unassessed: [], notMet: [] } },
  SUBMIT: { type: 'SUBMIT', agreementPercent: 100, facts: SUBMIT_FACTS },
  REVIEW_CRITERION: { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' },
  RETURN: { type: 'RETURN', comment: 'bổ sung' },
  RESUBMIT: { type: 'RESUBMIT', facts: { unassessed: [], notMet: [] } },
  APPROVE: { type: 'APPROVE', facts: { documents: ['appraisal_report'] } },
  SIGN_OFF: { type: 'SIGN_OFF', decisionNumber: '12/QĐ-UBND', decisionDate: '2026-12-01', facts: { documents: ['decision'] } },
  REJECT: { type: 'REJECT', reason: 'không đạt' },
  WITHDRAW: { type: 'WITHDRAW' },
  REVOKE: { type: 'REVOKE', reason: 'không còn đạt', criteriaNoLongerMet: [3] },
};

/** The user events a state takes (guards aside), as the engine computes them for allowedEvents. */
function ownEvents(snapshot: AnyMachineSnapshot): string[] {
  const events = new Set<string>();
  for (const node of snapshot._nodes) for (const e of node.ownEvents) if (!e.startsWith('xstate.')) events.add(e);
  return [...events].sort();
}

function send(snapshot: AnyMachineSnapshot, event: CertificationEvent | { type: string }) {
  return transition(certificationMachine, snapshot, event as never);
}

// ---- walking to each state, through transition() only ----

function draft(input: { requiredAgreement?: number } = {}): AnyMachineSnapshot {
  return initialTransition(certificationMachine, input)[0];
}
function consultation(input?: { requiredAgreement?: number }) {
  return send(draft(input), SAMPLE.OPEN_CONSULTATION)[0];
}
function readyToSubmit(input?: { requiredAgreement?: number }) {
  return send(consultation(input), { type: T.consultationEnds })[0];
}
function review(input?: { requiredAgreement?: number }) {
  return send(readyToSubmit(input), { type: 'SUBMIT', agreementPercent: 95, facts: SUBMIT_FACTS })[0];
}
function decide(snapshot: AnyMachineSnapshot, decisions: Record<number, 'approve' | 'request_revision'>) {
  let s = snapshot;
  for (const [code, decision] of Object.entries(decisions)) s = send(s, { type: 'REVIEW_CRITERION', code: Number(code), decision })[0];
  return s;
}
const allApprove = () => Object.fromEntries(CRITERIA_CODES.map((c) => [c, 'approve' as const]));
/** In review with criteria 1..5 approved and 6, 7 sent back, the rest pending. */
function reviewedWithReturns() {
  return decide(review(), {
    1: 'approve',
    2: 'approve',
    3: 'approve',
    4: 'approve',
    5: 'approve',
    6: 'request_revision',
    7: 'request_revision',
  });
}
function revisionRequested() {
  return send(reviewedWithReturns(), { type: 'RETURN', comment: 'Bổ sung minh chứng tiêu chí 6, 7' })[0];
}
function provinceReview() {
  return send(decide(review(), allApprove()), SAMPLE.APPROVE)[0];
}
function certified() {
  return send(provinceReview(), SAMPLE.SIGN_OFF)[0];
}

/** Asserts that `event` leaves the snapshot as it was and does nothing. */
function expectIgnored(snapshot: AnyMachineSnapshot, event: CertificationEvent | { type: string }) {
  expect(snapshot.can(event as never)).toBe(false);
  const [next, actions] = send(snapshot, event);
  expect(next.value).toEqual(snapshot.value);
  expect(next.context).toEqual(snapshot.context);
  expect(actions).toEqual([]);
}

describe('certification machine v2 (pure transitions)', () => {
  describe('start', () => {
    it('starts in draft with all 16 reviews pending, the default 90% agreement, and no actions', () => {
      const [s, actions] = initialTransition(certificationMachine, {});
      expect(s.value).toBe('draft');
      expect(s.status).toBe('active');
      expect(actions).toEqual([]);
      expect(s.context).toEqual({
        requiredAgreement: 90,
        reviews: Object.fromEntries(CRITERIA_CODES.map((c) => [String(c), 'pending'])),
        agreementPercent: null,
        households: null,
        overdue: false,
        decision: null,
      });
      expect(Object.keys(s.context.reviews)).toHaveLength(16);
    });

    it('takes the required agreement from its input', () => {
      expect(draft({ requiredAgreement: 75 }).context.requiredAgreement).toBe(75);
      expect(draft({}).context.requiredAgreement).toBe(90);
    });
  });

  describe('the events each state takes (what allowedEvents is built from)', () => {
    const table: [string, () => AnyMachineSnapshot, string[]][] = [
      ['draft', () => draft(), ['OPEN_CONSULTATION', 'WITHDRAW']],
      ['consultation', () => consultation(), ['WITHDRAW']],
      ['ready_to_submit', () => readyToSubmit(), ['SUBMIT', 'WITHDRAW']],
      ['review', () => review(), ['APPROVE', 'RETURN', 'REVIEW_CRITERION']],
      ['revision_requested', () => revisionRequested(), ['RESUBMIT', 'WITHDRAW']],
      ['province_review', () => provinceReview(), ['REJECT', 'SIGN_OFF']],
      ['certified', () => certified(), ['REVOKE']],
    ];
    it.each(table)('%s takes exactly the events of the table', (state, make, events) => {
      const s = make();
      expect(s.value).toBe(state);
      expect(ownEvents(s)).toEqual([...events].sort());
    });

    it.each(table)('%s ignores every other event and changes nothing', (_state, make, events) => {
      const s = make();
      for (const type of ALL_EVENTS) if (!events.includes(type)) expectIgnored(s, SAMPLE[type]);
    });

    it.each([
      ['rejected', () => send(provinceReview(), SAMPLE.REJECT)[0]],
      ['withdrawn', () => send(draft(), SAMPLE.WITHDRAW)[0]],
      ['lapsed', () => send(revisionRequested(), { type: T.revisionDue })[0]],
      ['revoked', () => send(certified(), SAMPLE.REVOKE)[0]],
    ] as [string, () => AnyMachineSnapshot][])('%s is final and takes nothing', (state, make) => {
      const s = make();
      expect(s.value).toBe(state);
      expect(s.status).toBe('done');
      for (const type of ALL_EVENTS) {
        expect(s.can(SAMPLE[type] as never)).toBe(false);
        const [next, actions] = send(s, SAMPLE[type]);
        expect(next.value).toBe(state);
        expect(actions).toEqual([]);
      }
    });
  });

  describe('draft', () => {
    it('OPEN_CONSULTATION with every criterion assessed and met opens the consultation and schedules its end (10 days)', () => {
      const [s, actions] = send(draft(), { type: 'OPEN_CONSULTATION', facts: { unassessed: [], notMet: [] } });
      expect(s.value).toBe('consultation');
      expect(summary(actions)).toEqual([raise(T.consultationEnds, 10 * DAY)]);
      // facts may also simply be absent lists
      expect(send(draft(), { type: 'OPEN_CONSULTATION', facts: {} })[0].value).toBe('consultation');
    });

    it.each([
      ['an unassessed criterion', { unassessed: [4] }],
      ['a criterion not met', { notMet: [16] }],
      ['both', { unassessed: [1, 2], notMet: [3] }],
    ])('self_assessment_complete refuses OPEN_CONSULTATION with %s', (_what, facts) => {
      const s = draft();
      const event = { type: 'OPEN_CONSULTATION', facts } as CertificationEvent;
      expect(ownEvents(s)).toContain('OPEN_CONSULTATION'); // the state takes it: a rule (422), not a conflict (409)
      expectIgnored(s, event);
    });

    it('WITHDRAW ends the dossier', () => {
      const [s, actions] = send(draft(), SAMPLE.WITHDRAW);
      expect(s.value).toBe('withdrawn');
      expect(s.status).toBe('done');
      expect(actions).toEqual([]);
    });
  });

  describe('consultation', () => {
    it('its timer comes back as a delayed xstate.raise of the consultationEnds event, which moves to ready_to_submit', () => {
      const [, actions] = send(draft(), SAMPLE.OPEN_CONSULTATION);
      const [r] = actions as Action[];
      expect(r.type).toBe('xstate.raise');
      expect((r.params!.event as { type: string }).type).toBe(T.consultationEnds);
      const [s, ended] = send(consultation(), { type: T.consultationEnds });
      expect(s.value).toBe('ready_to_submit');
      expect(summary(ended)).toEqual([cancel(T.consultationEnds), notify('consultation_ended', ['commune'])]);
    });

    it('WITHDRAW during the posting cancels its timer', () => {
      const [s, actions] = send(consultation(), SAMPLE.WITHDRAW);
      expect(s.value).toBe('withdrawn');
      expect(summary(actions)).toEqual([cancel(T.consultationEnds)]);
    });

    it("no other state's timer event moves it", () => {
      for (const type of [T.reviewDue, T.revisionDue, T.provinceDue]) expectIgnored(consultation(), { type });
    });
  });

  describe('ready_to_submit', () => {
    it('SUBMIT with enough agreement and the meeting minutes enters review: agreement kept, reviewers assigned and told, two review timers', () => {
      const [s, actions] = send(readyToSubmit(), { type: 'SUBMIT', agreementPercent: 92.5, facts: SUBMIT_FACTS });
      expect(s.value).toBe('review');
      expect(s.context.agreementPercent).toBe(92.5);
      expect(s.context.overdue).toBe(false);
      expect(summary(actions)).toEqual([
        { type: 'assignReviewers', params: undefined },
        notify('dossier_arrived', ['reviewers']),
        raise(T.reviewReminder, 8 * DAY),
        raise(T.reviewDue, 10 * DAY),
      ]);
    });

    it('agreement_reached: exactly the required share passes, just below does not', () => {
      const minutes = SUBMIT_FACTS;
      expect(send(readyToSubmit(), { type: 'SUBMIT', agreementPercent: 90, facts: minutes })[0].value).toBe('review');
      expectIgnored(readyToSubmit(), { type: 'SUBMIT', agreementPercent: 89.99, facts: minutes });
      expectIgnored(readyToSubmit(), { type: 'SUBMIT', agreementPercent: 0, facts: minutes });
    });

    it('agreement_reached follows the configured share', () => {
      const minutes = SUBMIT_FACTS;
      expect(send(readyToSubmit({ requiredAgreement: 80 }), { type: 'SUBMIT', agreementPercent: 80, facts: minutes })[0].value).toBe(
        'review',
      );
      expectIgnored(readyToSubmit({ requiredAgreement: 95 }), { type: 'SUBMIT', agreementPercent: 94, facts: minutes });
    });

    it('meeting_minutes_attached: SUBMIT without the minutes is refused whatever the agreement', () => {
      const s = readyToSubmit();
      expect(ownEvents(s)).toContain('SUBMIT');
      expectIgnored(s, { type: 'SUBMIT', agreementPercent: 100, facts: { documents: ['meeting_minutes', 'submission_letter'] } });
      expectIgnored(s, { type: 'SUBMIT', agreementPercent: 100, facts: {} });
    });

    it('WITHDRAW ends the dossier', () => {
      expect(send(readyToSubmit(), SAMPLE.WITHDRAW)[0].value).toBe('withdrawn');
    });
  });

  describe('review', () => {
    it('REVIEW_CRITERION records each decision and stays, touching no timer', () => {
      let s = review();
      let actions: unknown[];
      [s, actions] = send(s, { type: 'REVIEW_CRITERION', code: 3, decision: 'approve', comment: 'đạt' });
      expect(s.value).toBe('review');
      expect(actions).toEqual([]);
      [s, actions] = send(s, { type: 'REVIEW_CRITERION', code: 9, decision: 'request_revision' });
      expect(actions).toEqual([]);
      expect(s.context.reviews['3']).toBe('approved');
      expect(s.context.reviews['9']).toBe('revision_requested');
      expect(Object.values(s.context.reviews).filter((v) => v === 'pending')).toHaveLength(14);
      // A later decision on the same criterion replaces the earlier one.
      [s] = send(s, { type: 'REVIEW_CRITERION', code: 9, decision: 'approve' });
      expect(s.context.reviews['9']).toBe('approved');
    });

    it('some_revision_requested refuses RETURN when no criterion was sent back', () => {
      expectIgnored(review(), SAMPLE.RETURN);
      expectIgnored(decide(review(), allApprove()), SAMPLE.RETURN);
    });

    it('RETURN with a criterion sent back goes to revision_requested: review timers cancelled, commune told, revision timers (15 days, reminder at 12)', () => {
      const [s, actions] = send(reviewedWithReturns(), SAMPLE.RETURN);
      expect(s.value).toBe('revision_requested');
      expect(summary(actions)).toEqual([
        cancel(T.reviewReminder),
        cancel(T.reviewDue),
        notify('dossier_returned', ['commune']),
        raise(T.revisionReminder, 12 * DAY),
        raise(T.revisionDue, 15 * DAY),
      ]);
    });

    it('all_approved refuses APPROVE with one criterion pending or sent back', () => {
      const fifteen = Object.fromEntries(CRITERIA_CODES.slice(0, 15).map((c) => [c, 'approve' as const]));
      expectIgnored(review(), SAMPLE.APPROVE);
      expectIgnored(decide(review(), fifteen), SAMPLE.APPROVE);
      expectIgnored(decide(review(), { ...allApprove(), 16: 'request_revision' }), SAMPLE.APPROVE);
    });

    it('APPROVE with all 16 approved forwards to the province: timers cancelled, province and commune told, province timers', () => {
      const [s, actions] = send(decide(review(), allApprove()), SAMPLE.APPROVE);
      expect(s.value).toBe('province_review');
      expect(summary(actions)).toEqual([
        cancel(T.reviewReminder),
        cancel(T.reviewDue),
        notify('dossier_forwarded', ['province', 'commune']),
        raise(T.provinceReminder, 8 * DAY),
        raise(T.provinceDue, 10 * DAY),
      ]);
    });

    it('the reminder notifies the reviewers and stays; the due time marks it overdue and escalates; neither leaves review', () => {
      let [s, actions] = send(review(), { type: T.reviewReminder });
      expect(s.value).toBe('review');
      expect(s.context.overdue).toBe(false);
      expect(summary(actions)).toEqual([notify('review_reminder', ['reviewers'])]);
      [s, actions] = send(s, { type: T.reviewDue });
      expect(s.value).toBe('review');
      expect(s.context.overdue).toBe(true);
      expect(summary(actions)).toEqual([notify('review_overdue', ['reviewers', 'province'])]);
      // Still decidable when overdue.
      expect(ownEvents(s)).toEqual(['APPROVE', 'RETURN', 'REVIEW_CRITERION']);
    });

    it('WITHDRAW is not taken while the reviewers have the dossier', () => {
      expectIgnored(review(), SAMPLE.WITHDRAW);
    });
  });

  describe('revision_requested', () => {
    it('RESUBMIT sends the returned criteria back to pending, keeps approved ones, and starts a fresh review period', () => {
      const before = revisionRequested();
      expect(before.context.reviews).toMatchObject({
        1: 'approved',
        5: 'approved',
        6: 'revision_requested',
        7: 'revision_requested',
        8: 'pending',
      });
      const [s, actions] = send(before, SAMPLE.RESUBMIT);
      expect(s.value).toBe('review');
      const reviews = s.context.reviews as Record<string, string>;
      for (const c of [1, 2, 3, 4, 5]) expect(reviews[c]).toBe('approved');
      for (const c of [6, 7]) expect(reviews[c]).toBe('pending');
      for (const c of CRITERIA_CODES.slice(7)) expect(reviews[c]).toBe('pending');
      expect(Object.values(reviews)).not.toContain('revision_requested');
      expect(summary(actions)).toEqual([
        cancel(T.revisionReminder),
        cancel(T.revisionDue),
        { type: 'assignReviewers', params: undefined },
        notify('dossier_arrived', ['reviewers']),
        raise(T.reviewReminder, 8 * DAY),
        raise(T.reviewDue, 10 * DAY),
      ]);
    });

    it('an overdue review is no longer overdue after RETURN and RESUBMIT', () => {
      let [s] = send(reviewedWithReturns(), { type: T.reviewDue });
      expect(s.context.overdue).toBe(true);
      [s] = send(s, SAMPLE.RETURN);
      expect(s.context.overdue).toBe(false);
      [s] = send(s, SAMPLE.RESUBMIT);
      expect(s.context.overdue).toBe(false);
    });

    it('after RESUBMIT the approved criteria need no second decision: deciding the returned ones allows APPROVE', () => {
      let [s] = send(revisionRequested(), SAMPLE.RESUBMIT);
      expectIgnored(s, SAMPLE.APPROVE);
      s = decide(s, Object.fromEntries(CRITERIA_CODES.slice(5).map((c) => [c, 'approve' as const])));
      expect(send(s, SAMPLE.APPROVE)[0].value).toBe('province_review');
    });

    it('the reminder notifies the commune; the due time lapses the dossier', () => {
      const [reminded, actions] = send(revisionRequested(), { type: T.revisionReminder });
      expect(reminded.value).toBe('revision_requested');
      expect(summary(actions)).toEqual([notify('revision_reminder', ['commune'])]);
      const [lapsed, due] = send(reminded, { type: T.revisionDue });
      expect(lapsed.value).toBe('lapsed');
      expect(lapsed.status).toBe('done');
      expect(summary(due)).toEqual([cancel(T.revisionReminder), cancel(T.revisionDue), notify('dossier_lapsed', ['commune', 'reviewers'])]);
    });

    it('WITHDRAW ends it and cancels the revision timers', () => {
      const [s, actions] = send(revisionRequested(), SAMPLE.WITHDRAW);
      expect(s.value).toBe('withdrawn');
      expect(summary(actions)).toEqual([cancel(T.revisionReminder), cancel(T.revisionDue)]);
    });
  });

  describe('province_review', () => {
    it('SIGN_OFF certifies with the decision number and date', () => {
      const [s, actions] = send(provinceReview(), {
        type: 'SIGN_OFF',
        decisionNumber: '1234/QĐ-UBND',
        decisionDate: '2026-12-01',
        facts: { documents: ['decision'] },
      });
      expect(s.value).toBe('certified');
      expect(s.status).toBe('active');
      expect(s.context.decision).toEqual({ number: '1234/QĐ-UBND', date: '2026-12-01' });
      expect(summary(actions)).toEqual([
        cancel(T.provinceReminder),
        cancel(T.provinceDue),
        notify('dossier_certified', ['commune', 'reviewers']),
      ]);
    });

    it('REJECT ends it', () => {
      const [s, actions] = send(provinceReview(), SAMPLE.REJECT);
      expect(s.value).toBe('rejected');
      expect(s.status).toBe('done');
      expect(summary(actions)).toEqual([
        cancel(T.provinceReminder),
        cancel(T.provinceDue),
        notify('dossier_rejected', ['commune', 'reviewers']),
      ]);
    });

    it('reminder and overdue escalation stay in province_review', () => {
      let [s, actions] = send(provinceReview(), { type: T.provinceReminder });
      expect(s.value).toBe('province_review');
      expect(summary(actions)).toEqual([notify('signoff_reminder', ['province'])]);
      [s, actions] = send(s, { type: T.provinceDue });
      expect(s.value).toBe('province_review');
      expect(s.context.overdue).toBe(true);
      expect(summary(actions)).toEqual([notify('signoff_overdue', ['reviewers', 'province'])]);
    });

    it('an overdue review does not carry over into province_review', () => {
      let [s] = send(decide(review(), allApprove()), { type: T.reviewDue });
      expect(s.context.overdue).toBe(true);
      [s] = send(s, SAMPLE.APPROVE);
      expect(s.value).toBe('province_review');
      expect(s.context.overdue).toBe(false);
    });
  });

  describe('certified', () => {
    it('REVOKE ends the title and notifies commune and reviewers', () => {
      const [s, actions] = send(certified(), { type: 'REVOKE', reason: 'Tiêu chí môi trường không còn đạt', criteriaNoLongerMet: [16, 3] });
      expect(s.value).toBe('revoked');
      expect(s.status).toBe('done');
      expect(summary(actions)).toEqual([notify('title_revoked', ['commune', 'reviewers'])]);
      expect(s.context.decision).toEqual({ number: '12/QĐ-UBND', date: '2026-12-01' });
    });

    it('has no timers left', () => {
      // Nothing raised in certified: the timer events of the earlier states do nothing.
      for (const type of Object.values(T)) expectIgnored(certified(), { type });
    });
  });

  describe('timers are delayed raises, none executed', () => {
    it('every after-delay comes back as an xstate.raise whose event type names its delay and state, with the delay of setup()', () => {
      const seen = new Map<string, number>();
      const collect = (actions: unknown[]) => {
        for (const a of actions as Action[]) {
          if (a.type !== 'xstate.raise') continue;
          const ev = (a.params!.event as { type: string }).type;
          expect(a.params!.id).toBe(ev);
          seen.set(ev, a.params!.delay as number);
        }
      };
      collect(send(draft(), SAMPLE.OPEN_CONSULTATION)[1]);
      collect(send(readyToSubmit(), SAMPLE.SUBMIT)[1]);
      collect(send(reviewedWithReturns(), SAMPLE.RETURN)[1]);
      collect(send(decide(review(), allApprove()), SAMPLE.APPROVE)[1]);
      expect(Object.fromEntries(seen)).toEqual({
        [T.consultationEnds]: 10 * DAY,
        [T.reviewReminder]: 8 * DAY,
        [T.reviewDue]: 10 * DAY,
        [T.revisionReminder]: 12 * DAY,
        [T.revisionDue]: 15 * DAY,
        [T.provinceReminder]: 8 * DAY,
        [T.provinceDue]: 10 * DAY,
      });
      // The engine reads the delay name back from the event type: each must be a delay of the definition.
      for (const ev of seen.keys()) {
        const name = ev.slice('xstate.after.'.length).split('.')[0];
        expect(certificationV2.deadlines.some((d) => Object.values(d.delays).includes(name))).toBe(true);
      }
    });
  });
});

describe('certification definition v2', () => {
  it('is key certification, version 1, on this machine', () => {
    expect(certificationV2.key).toBe('certification');
    expect(certificationV2.version).toBe(2);
    expect(certificationV2.machine).toBe(certificationMachine);
  });

  it("permissions: commune at the village's commune, reviewers at its grandparent, the province at the root", () => {
    const commune = { roles: ['COMMUNE_STAFF'], unit: 'ancestor:1' };
    const reviewers = { roles: ['REVIEWER'], unit: 'ancestor:2' };
    const province = { roles: ['PROVINCE_OFFICER'], unit: 'root' };
    expect(certificationV2.permissions).toEqual({
      OPEN_CONSULTATION: commune,
      SUBMIT: commune,
      RESUBMIT: commune,
      WITHDRAW: commune,
      REVIEW_CRITERION: reviewers,
      RETURN: reviewers,
      APPROVE: reviewers,
      SIGN_OFF: province,
      REJECT: province,
      REVOKE: province,
    });
  });

  it('RESUBMIT is refused while a criterion is unassessed or not met, like OPEN_CONSULTATION', () => {
    expectIgnored(revisionRequested(), { type: 'RESUBMIT', facts: { unassessed: [], notMet: [4] } });
    expectIgnored(revisionRequested(), { type: 'RESUBMIT', facts: { unassessed: [7], notMet: [] } });
    expect(send(revisionRequested(), SAMPLE.RESUBMIT)[0].value).toBe('review');
  });

  it('APPROVE needs the appraisal report and SIGN_OFF the signed decision attached', () => {
    expectIgnored(decide(review(), allApprove()), { type: 'APPROVE', facts: { documents: ['evidence'] } });
    expectIgnored(provinceReview(), { ...SAMPLE.SIGN_OFF, facts: { documents: ['appraisal_report'] } } as CertificationEvent);
    expect(send(provinceReview(), SAMPLE.SIGN_OFF)[0].value).toBe('certified');
  });

  it('version 1 snapshots move to version 2 as they are, their households unknown', () => {
    const up = certificationV2.migrations![0];
    expect(up.from).toBe(1);
    const v1 = { value: 'review', status: 'active', context: { agreementPercent: 95, reviews: {} } };
    expect(up.up(v1)).toEqual({ ...v1, context: { ...v1.context, households: null } });
  });

  it('every guard of the machine reports its API rule', () => {
    const guards = Object.keys(certificationMachine.implementations.guards).sort();
    expect(Object.keys(certificationV2.rules ?? {}).sort()).toEqual(guards);
    expect(Object.fromEntries(Object.entries(certificationV2.rules!).map(([g, r]) => [g, r.rule]))).toEqual({
      self_assessment_complete: 'self_assessment_incomplete',
      agreement_reached: 'agreement_below_threshold',
      submission_documents_attached: 'submission_documents_required',
      appraisal_attached: 'appraisal_report_required',
      decision_attached: 'decision_required',
      some_revision_requested: 'no_criterion_returned',
      all_approved: 'criteria_not_all_approved',
    });
  });

  it("every delay of the machine stands for a deadline of the definition, with the plan's lengths", () => {
    const delays = Object.keys(certificationMachine.implementations.delays).sort();
    expect(certificationV2.deadlines.flatMap((d) => Object.values(d.delays).filter(Boolean)).sort()).toEqual(delays);
    expect(certificationV2.deadlines).toEqual([
      { id: 'certification.consultation', days: 10, calendar: 'calendar', delays: { due: 'consultationEnds' } },
      {
        id: 'certification.review',
        days: 10,
        calendar: 'working',
        reminderBefore: 2,
        delays: { due: 'reviewDue', reminder: 'reviewReminder' },
      },
      {
        id: 'certification.revision',
        days: 15,
        calendar: 'working',
        reminderBefore: 3,
        delays: { due: 'revisionDue', reminder: 'revisionReminder' },
      },
      {
        id: 'certification.provinceReview',
        days: 10,
        calendar: 'working',
        reminderBefore: 2,
        delays: { due: 'provinceDue', reminder: 'provinceReminder' },
      },
    ]);
  });

  it('the named actions are the two effects: notify (notifications) and assignReviewers (review-steps)', () => {
    expect(certificationV2.effects).toEqual({
      notify: { queue: 'notifications', job: 'notify' },
      assignReviewers: { queue: 'review-steps', job: 'assign-reviewers' },
    });
    expect(Object.keys(certificationMachine.implementations.actions).sort()).toEqual(['assignReviewers', 'notify']);
  });
});

describe('certification: what the pages read of the machine', () => {
  it("the step bar's states are the machine's, each in one step, and every open state is in one", async () => {
    const { CERTIFICATION_STEPS } = await import('./steps.js');
    const states = Object.keys(certificationMachine.root.states);
    const stepped = CERTIFICATION_STEPS.flatMap((s) => [...s.states]);
    for (const s of stepped) expect(states).toContain(s);
    expect(new Set(stepped).size).toBe(stepped.length);
    for (const s of ['draft', 'consultation', 'ready_to_submit', 'review', 'revision_requested', 'province_review'])
      expect(stepped).toContain(s);
  });

  it('the inbox tasks name the states where reviewers review and the province signs off', () => {
    const tasks = Object.entries(certificationMachine.root.states).flatMap(([state, node]) =>
      Object.entries(((node.meta as { tasks?: Record<string, string> } | undefined)?.tasks ?? {}) as Record<string, string>).map(
        ([role, task]) => `${role}:${task}@${state}`,
      ),
    );
    expect(tasks).toEqual(expect.arrayContaining(['REVIEWER:review_criteria@review', 'PROVINCE_OFFICER:sign_off@province_review']));
  });
});

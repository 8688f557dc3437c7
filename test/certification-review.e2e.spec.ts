import {
  CODES,
  assignmentSettled,
  draftDossier,
  expectUrgencyOrder,
  getDossier,
  attachDocument,
  inReview,
  putCriterion,
  readyToSubmit,
  sendEvent,
  startKit,
  tasks,
  type Kit,
  type TaskItem,
} from './support/certification-kit.js';

/**
 * Review of certification dossiers (issue 4, items 5 and 6, "parallel reviewers"): assignment of each pending
 * criterion through the review-steps queue by speciality and load, a criterion nobody specialises in left to
 * every reviewer of the unit, reviewers deciding different criteria at the same time, and GET /tasks per role.
 */
describe('certification dossiers: reviewers, assignment and the task inbox', () => {
  let k: Kit;
  let staffA: { id: string; auth: string }; // LS-LB-01
  let staffB: { id: string; auth: string }; // LS-LB-02
  let staffCL: { id: string; auth: string }; // LS-CL-01
  let rev1: { id: string; auth: string }; // LS-LB, criteria 1–8
  let rev2: { id: string; auth: string }; // LS-LB, criteria 9–15
  let revVL: { id: string; auth: string }; // LS-VL, all criteria
  let revCLx: { id: string; auth: string }; // LS-CL, all criteria
  let province: { id: string; auth: string };
  let d1: string; // LS-LB-01-01: assignment, return, resubmit
  let d2: string; // LS-LB-01-02: parallel decisions

  // Lộc Bình (LS-LB), not Tràng Định: the first start creates a demo reviewer covering all criteria in the seed's
  // first district, which would take criterion 16 and share the load.
  beforeAll(async () => {
    k = await startKit('cert_review', { DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    [staffA, staffB, staffCL, rev1, rev2, revVL, revCLx, province] = await Promise.all([
      k.user('COMMUNE_STAFF', 'LS-LB-01'),
      k.user('COMMUNE_STAFF', 'LS-LB-02'),
      k.user('COMMUNE_STAFF', 'LS-CL-01'),
      k.user('REVIEWER', 'LS-LB', { criteria: [1, 2, 3, 4, 5, 6, 7, 8] }),
      k.user('REVIEWER', 'LS-LB', { criteria: [9, 10, 11, 12, 13, 14, 15] }),
      k.user('REVIEWER', 'LS-VL'),
      k.user('REVIEWER', 'LS-CL'),
      k.user('PROVINCE_OFFICER', 'LS'),
    ]);
    [d1, d2] = await Promise.all([inReview(k, staffA.auth, 'LS-LB-01-01'), inReview(k, staffA.auth, 'LS-LB-01-02')]);
  }, 120_000);
  afterAll(async () => k?.close());

  const ids = (items: TaskItem[]) => items.map((t) => t.subjectId);
  const decide = (auth: string, id: string, code: number, decision: 'approve' | 'request_revision', comment?: string) =>
    sendEvent(k, auth, id, { type: 'REVIEW_CRITERION', code, decision, ...(comment ? { comment } : {}) });

  describe('assignment through the review-steps queue', () => {
    it('after SUBMIT each criterion goes to the reviewer of the district who specialises in it; criterion 16 stays unassigned', async () => {
      const criteria = await assignmentSettled(k, d1);
      const byCode = Object.fromEntries(criteria.map((c) => [c.code, c.assignee]));
      for (const code of [1, 2, 3, 4, 5, 6, 7, 8]) expect({ code, assignee: byCode[code] }).toEqual({ code, assignee: rev1.id });
      for (const code of [9, 10, 11, 12, 13, 14, 15]) expect({ code, assignee: byCode[code] }).toEqual({ code, assignee: rev2.id });
      expect(byCode[16]).toBeNull();
      // The dossier shows the same assignees.
      const view = await getDossier(k, rev1.auth, d1);
      expect(view.body.criteria.map((c: { review: { assigneeId: string | null } }) => c.review.assigneeId)).toEqual(
        CODES.map((c) => byCode[c]),
      );
      // The reviewer of another district got nothing.
      expect(criteria.some((c) => c.assignee === revVL.id)).toBe(false);
    });

    it("a dossier with an unassigned criterion is in both reviewers' inboxes, with its due time; not in another district's", async () => {
      for (const r of [rev1, rev2]) {
        const inbox = await tasks(k, r.auth);
        const task = inbox.find((t) => t.subjectId === d1);
        expect(task).toEqual({
          subjectType: 'dossier',
          subjectId: d1,
          state: 'review',
          action: 'review_criteria',
          unitId: k.unit('LS-LB-01-01').id,
          title: expect.stringContaining('(2026)'),
          dueAt: expect.any(String),
          overdue: false,
        });
        const view = await getDossier(k, r.auth, d1);
        const due = view.body.deadlines.find((d: { id: string; kind: string }) => d.id === 'certification.review' && d.kind === 'due');
        expect(task!.dueAt).toBe(due.dueAt);
        expect(Date.parse(task!.dueAt!)).toBeGreaterThan(Date.now() + 7 * 86_400_000); // 10 working days
        expectUrgencyOrder(inbox);
      }
      expect(ids(await tasks(k, revVL.auth))).not.toContain(d1);
      expect(ids(await tasks(k, revCLx.auth))).not.toContain(d1);
    });

    it('the least loaded reviewer gets the criteria: a newcomer takes a whole dossier, then two equal reviewers share 8/8', async () => {
      const c1 = await inReview(k, staffCL.auth, 'LS-CL-01-01');
      expect((await assignmentSettled(k, c1)).every((c) => c.assignee === revCLx.id)).toBe(true);
      const revCLy = await k.user('REVIEWER', 'LS-CL');
      const c2 = await inReview(k, staffCL.auth, 'LS-CL-01-02');
      const second = await assignmentSettled(k, c2);
      expect(second.map((c) => c.assignee)).toEqual(Array(16).fill(revCLy.id));
      const c3 = await inReview(k, staffCL.auth, 'LS-CL-01-03');
      const third = await assignmentSettled(k, c3);
      expect(third.filter((c) => c.assignee === revCLx.id)).toHaveLength(8);
      expect(third.filter((c) => c.assignee === revCLy.id)).toHaveLength(8);
      // Decided criteria no longer count: after x decides c1, x is the least loaded and takes all of the next one.
      for (const code of CODES) expect((await decide(revCLx.auth, c1, code, 'approve')).status).toBe(200);
      const c4 = await inReview(k, staffCL.auth, 'LS-CL-01-04');
      expect((await assignmentSettled(k, c4)).map((c) => c.assignee)).toEqual(Array(16).fill(revCLx.id));
    });

    it('assignment routes the inbox but does not stop another reviewer of the district from deciding', async () => {
      const res = await decide(rev2.auth, d1, 1, 'approve', 'Đã kiểm tra hồ sơ giao thông');
      expect(res.status).toBe(200);
      expect(res.body.criteria[0].review).toEqual({ status: 'approved', comment: 'Đã kiểm tra hồ sơ giao thông', assigneeId: rev1.id });
      const { rows } = await k.db.query('SELECT reviewed_by FROM dossier_criteria WHERE dossier_id = $1 AND code = 1', [d1]);
      expect(rows[0].reviewed_by).toBe(rev2.id);
    });
  });

  describe('parallel reviewers', () => {
    it('two reviewers deciding 16 different criteria at once: all 16 recorded, version raised by 16, the history verifying', async () => {
      const before = await getDossier(k, rev1.auth, d2);
      const historyBefore = (await k.t.http.get(`/dossiers/${d2}/history`).set('Authorization', rev1.auth)).body as unknown[];
      const results = await Promise.all(
        CODES.map((code) => decide(code <= 8 ? rev1.auth : rev2.auth, d2, code, 'approve', `Tiêu chí ${code} đạt`)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(16).fill(200));
      const after = await getDossier(k, rev1.auth, d2);
      expect(after.body.version).toBe(before.body.version + 16);
      expect(after.body.state).toBe('review');
      expect(after.body.criteria.map((c: { review: { status: string; comment: string } }) => [c.review.status, c.review.comment])).toEqual(
        CODES.map((code) => ['approved', `Tiêu chí ${code} đạt`]),
      );
      const history = (await k.t.http.get(`/dossiers/${d2}/history`).set('Authorization', rev1.auth)).body as {
        seq: number;
        type: string;
        actor: { id: string };
        payload: { code: number };
        hash: string;
        prevHash: string;
      }[];
      const added = history.slice(historyBefore.length);
      expect(added).toHaveLength(16);
      expect(added.every((h) => h.type === 'REVIEW_CRITERION')).toBe(true);
      expect(added.map((h) => h.payload.code).sort((a, b) => a - b)).toEqual(CODES);
      for (const h of added)
        expect({ code: h.payload.code, actor: h.actor.id }).toEqual({
          code: h.payload.code,
          actor: h.payload.code <= 8 ? rev1.id : rev2.id,
        });
      // One chain, no gaps: seq consecutive, each prevHash the hash before.
      for (let i = 1; i < history.length; i++) {
        expect(history[i].seq).toBe(history[i - 1].seq + 1);
        expect(history[i].prevHash).toBe(history[i - 1].hash);
      }
      const { rows } = await k.db.query('SELECT code, reviewed_by FROM dossier_criteria WHERE dossier_id = $1 ORDER BY code', [d2]);
      expect(rows.map((r) => r.reviewed_by)).toEqual(CODES.map((c) => (c <= 8 ? rev1.id : rev2.id)));
      const verify = await k.t.http.get('/audit/verify').set('Authorization', province.auth);
      expect(verify.body).toMatchObject({ ok: true });
    });

    it('with all 16 approved the dossier waits in both inboxes for APPROVE, which forwards it to the province', async () => {
      for (const r of [rev1, rev2]) expect(ids(await tasks(k, r.auth))).toContain(d2);
      await attachDocument(k, rev2.auth, d2, 'appraisal_report');
      const res = await sendEvent(k, rev2.auth, d2, { type: 'APPROVE' });
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('province_review');
      for (const r of [rev1, rev2]) expect(ids(await tasks(k, r.auth))).not.toContain(d2);
    });
  });

  describe('return and resubmit', () => {
    it('RETURN sends the dossier back; RESUBMIT puts the returned criteria back to pending, reassigned, approved ones stay approved', async () => {
      // d1: criterion 1 approved already; rev1 sends 2 and 3 back and approves 4–8; rev2 approves 9–16.
      for (const code of [2, 3])
        expect((await decide(rev1.auth, d1, code, 'request_revision', `Bổ sung minh chứng ${code}`)).status).toBe(200);
      for (const code of [4, 5, 6, 7, 8]) expect((await decide(rev1.auth, d1, code, 'approve')).status).toBe(200);
      for (const code of [9, 10, 11, 12, 13, 14, 15, 16]) expect((await decide(rev2.auth, d1, code, 'approve')).status).toBe(200);
      const returned = await sendEvent(k, rev2.auth, d1, { type: 'RETURN', comment: 'Đề nghị bổ sung tiêu chí 2, 3' });
      expect(returned.status).toBe(200);
      expect(returned.body.state).toBe('revision_requested');
      for (const r of [rev1, rev2]) expect(ids(await tasks(k, r.auth))).not.toContain(d1);

      // The commune sees it to revise, with the revision deadline.
      const inbox = await tasks(k, staffA.auth);
      const task = inbox.find((t) => t.subjectId === d1);
      expect(task).toMatchObject({ state: 'revision_requested', action: 'revise_and_resubmit', dueAt: expect.any(String), overdue: false });
      expect((await putCriterion(k, staffA.auth, d1, 2, { met: true, note: 'Đã bổ sung biên bản nghiệm thu' })).status).toBe(200);

      const resubmitted = await sendEvent(k, staffA.auth, d1, { type: 'RESUBMIT' });
      expect(resubmitted.status).toBe(200);
      expect(resubmitted.body.state).toBe('review');
      const criteria = await assignmentSettled(k, d1, 2);
      const status = Object.fromEntries(criteria.map((c) => [c.code, c.status]));
      expect(status).toEqual(Object.fromEntries(CODES.map((c) => [c, c === 2 || c === 3 ? 'pending' : 'approved'])));
      expect(criteria.filter((c) => c.code === 2 || c.code === 3).map((c) => c.assignee)).toEqual([rev1.id, rev1.id]);
      // The dossier shows it pending again.
      const view = await getDossier(k, rev1.auth, d1);
      expect(view.body.criteria[1].review.status).toBe('pending');
    });

    it('after RESUBMIT only the reviewer with pending criteria has it in the inbox, until everything is decided', async () => {
      expect(ids(await tasks(k, rev1.auth))).toContain(d1);
      expect(ids(await tasks(k, rev2.auth))).not.toContain(d1);
      for (const code of [2, 3]) expect((await decide(rev1.auth, d1, code, 'approve')).status).toBe(200);
      expect(ids(await tasks(k, rev1.auth))).toContain(d1);
      expect(ids(await tasks(k, rev2.auth))).toContain(d1);
      await attachDocument(k, rev1.auth, d1, 'appraisal_report');
      const approved = await sendEvent(k, rev1.auth, d1, { type: 'APPROVE' });
      expect(approved.status).toBe(200);
      expect(approved.body.state).toBe('province_review');
    });
  });

  describe('GET /tasks per role', () => {
    it('commune staff: drafts, ready to submit and returned dossiers of its commune only, most urgent first', async () => {
      const draft = await draftDossier(k, staffA.auth, 'LS-LB-01-03');
      const ready = await readyToSubmit(k, staffA.auth, 'LS-LB-01-04');
      const back = await inReview(k, staffA.auth, 'LS-LB-01-05');
      expect((await decide(rev1.auth, back, 1, 'request_revision', 'Thiếu minh chứng')).status).toBe(200);
      expect((await sendEvent(k, rev1.auth, back, { type: 'RETURN', comment: 'Trả lại' })).status).toBe(200);
      const inbox = await tasks(k, staffA.auth);
      const mine = Object.fromEntries(inbox.map((t) => [t.subjectId, t]));
      expect(mine[draft]).toMatchObject({ state: 'draft', action: 'complete_self_assessment', dueAt: null, overdue: false });
      expect(mine[ready]).toMatchObject({ state: 'ready_to_submit', action: 'submit', dueAt: null, overdue: false });
      expect(mine[back]).toMatchObject({
        state: 'revision_requested',
        action: 'revise_and_resubmit',
        dueAt: expect.any(String),
        overdue: false,
      });
      // Not what waits for others: dossiers in review or with the province.
      expect(ids(inbox)).not.toContain(d1);
      expect(ids(inbox)).not.toContain(d2);
      expect(inbox.every((t) => ['draft', 'ready_to_submit', 'revision_requested'].includes(t.state))).toBe(true);
      expectUrgencyOrder(inbox);
      expect(inbox[0].dueAt).not.toBeNull();
      // Another commune of the same district sees none of these.
      expect(await tasks(k, staffB.auth)).toEqual([]);
    });

    it('reviewers: dossiers in review under their district only, due soonest first', async () => {
      const first = await inReview(k, staffA.auth, 'LS-LB-01-06');
      const second = await inReview(k, staffA.auth, 'LS-LB-01-07');
      const inbox = await tasks(k, rev1.auth);
      expect(inbox.every((t) => t.state === 'review' && t.action === 'review_criteria')).toBe(true);
      expect(inbox.every((t) => t.dueAt !== null)).toBe(true);
      expect(ids(inbox).indexOf(first)).toBeLessThan(ids(inbox).indexOf(second));
      expect(ids(inbox).indexOf(first)).toBeGreaterThanOrEqual(0);
      expectUrgencyOrder(inbox);
      const lbVillages = new Set([...k.units.values()].filter((u) => u.code.startsWith('LS-LB-')).map((u) => u.id));
      expect(inbox.every((t) => lbVillages.has(t.unitId))).toBe(true);
      const vl = await tasks(k, revVL.auth);
      expect(vl.filter((t) => lbVillages.has(t.unitId))).toEqual([]);
      const cl = await tasks(k, revCLx.auth);
      expect(cl.every((t) => t.unitId !== undefined && !lbVillages.has(t.unitId))).toBe(true);
    });

    it('province: the dossiers to sign, with their due time; nothing in review', async () => {
      const inbox = await tasks(k, province.auth);
      expect(ids(inbox)).toEqual(expect.arrayContaining([d1, d2]));
      expect(inbox.every((t) => t.state === 'province_review' && t.action === 'sign_off' && t.dueAt !== null)).toBe(true);
      expectUrgencyOrder(inbox);
      // d2 went to the province before d1.
      expect(ids(inbox).indexOf(d2)).toBeLessThan(ids(inbox).indexOf(d1));
      await attachDocument(k, province.auth, d2, 'decision');
      const signed = await sendEvent(k, province.auth, d2, {
        type: 'SIGN_OFF',
        decisionNumber: '2291/QĐ-UBND',
        decisionDate: '2026-12-01',
      });
      expect(signed.status).toBe(200);
      expect(signed.body.state).toBe('certified');
      expect(ids(await tasks(k, province.auth))).not.toContain(d2);
    });

    it('an admin has no inbox', async () => {
      expect(await tasks(k, k.admin)).toEqual([]);
    });
  });
});

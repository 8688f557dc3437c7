import type { Response } from 'supertest';
import {
  CODES,
  createDossier,
  draftDossier,
  footprint,
  getDossier,
  inReview,
  pdfBytes,
  putCriterion,
  readyToSubmit,
  sendEvent,
  startKit,
  upload,
  type Kit,
} from './support/certification-kit.js';
import { inEnglish } from './support/app.js';

/**
 * Village certification dossiers, bad input and refusals (POST /dossiers and its events, issue 4
 * "Bad input"): every body validated, unknown event types 400, events in the wrong state 409 with
 * allowedEvents, rules 422 with rule, other communes' dossiers 404, roles 403, a second open dossier 409,
 * Vietnamese text normalised to NFC; and after every refusal nothing half-written.
 */
describe('certification dossiers: bad input and refusals', () => {
  let k: Kit;
  let staffA: string; // commune LS-TD-01
  let staffB: string; // commune LS-TD-02, same district
  let staffVL: string; // commune LS-VL-01, another district
  let reviewerTD: string;
  let reviewerVL: string;
  let reviewerProvince: string; // a REVIEWER at the province: not the reviewer of a three-tier dossier
  let province: string;
  let draftId: string; // LS-TD-01-01, stays in draft
  let reviewId: string; // LS-TD-01-02, stays in review
  let readyId: string; // LS-TD-01-03, ready_to_submit until the rules test submits it
  let ruleDraftId: string; // LS-TD-01-04
  let review2Id: string; // LS-TD-01-05

  beforeAll(async () => {
    k = await startKit('cert_input', { DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    [staffA, staffB, staffVL, reviewerTD, reviewerVL, reviewerProvince, province] = (
      await Promise.all([
        k.user('COMMUNE_STAFF', 'LS-TD-01'),
        k.user('COMMUNE_STAFF', 'LS-TD-02'),
        k.user('COMMUNE_STAFF', 'LS-VL-01'),
        k.user('REVIEWER', 'LS-TD'),
        k.user('REVIEWER', 'LS-VL'),
        k.user('REVIEWER', 'LS'),
        k.user('PROVINCE_OFFICER', 'LS'),
      ])
    ).map((u) => u.auth);
    [draftId, reviewId, readyId, ruleDraftId, review2Id] = await Promise.all([
      draftDossier(k, staffA, 'LS-TD-01-01'),
      inReview(k, staffA, 'LS-TD-01-02'),
      readyToSubmit(k, staffA, 'LS-TD-01-03'),
      draftDossier(k, staffA, 'LS-TD-01-04'),
      inReview(k, staffA, 'LS-TD-01-05'),
    ]);
  }, 120_000);
  afterAll(async () => k?.close());

  const status = (res: Response) => ({ status: res.status, body: res.body });

  /** Runs a request that must be refused with `code`, and checks that the dossier's rows are exactly as before. */
  async function refused(id: string, code: number, attempt: () => Promise<Response>): Promise<Response> {
    const before = await footprint(k, id);
    const historyBefore = (await k.t.http.get(`/dossiers/${id}/history`).set('Authorization', k.admin)).body;
    const res = await attempt();
    expect(status(res)).toMatchObject({ status: code, body: { statusCode: code, error: expect.any(String), message: expect.any(String) } });
    expect(await footprint(k, id)).toEqual(before);
    const after = await getDossier(k, k.admin, id);
    expect({ state: after.body.state, version: after.body.version }).toEqual({ state: before.state, version: before.version });
    expect((await k.t.http.get(`/dossiers/${id}/history`).set('Authorization', k.admin)).body).toEqual(historyBefore);
    return res;
  }

  describe('POST /dossiers', () => {
    it('validates villageId and year (types and range 2000–2100), and refuses unknown fields: 400', async () => {
      const villageId = k.unit('LS-TD-01-06').id;
      const bodies: Record<string, unknown>[] = [
        {},
        { villageId },
        { year: 2026 },
        { villageId: 123, year: 2026 },
        { villageId, year: '2026' },
        { villageId, year: 2026.5 },
        { villageId, year: 1999 },
        { villageId, year: 2101 },
        { villageId, year: null },
        { villageId, year: 2026, state: 'certified' },
        { villageId, year: 2026, communeId: k.unit('LS-VL-01').id },
      ];
      const {
        rows: [{ n: before }],
      } = await k.db.query('SELECT count(*)::int AS n FROM dossiers');
      for (const body of bodies) {
        const res = await k.t.http.post('/dossiers').set('Authorization', staffA).send(body);
        expect({ sent: body, status: res.status }).toEqual({ sent: body, status: 400 });
      }
      const named = await k.t.http.post('/dossiers').set('Authorization', staffA).send({ villageId, year: 1999 });
      expect(named.body.message).toMatch(/year/);
      const {
        rows: [{ n: after }],
      } = await k.db.query('SELECT count(*)::int AS n FROM dossiers');
      expect(after).toBe(before);
    });

    it("a village outside the caller's commune, a unit that is not a village, or no such unit: 404", async () => {
      for (const code of ['LS-TD-02-01', 'LS-VL-01-01', 'LS-TD-01', 'LS-TD', 'LS']) {
        const res = await createDossier(k, staffA, k.unit(code).id);
        expect({ code, ...status(res) }).toMatchObject({ code, status: 404 });
      }
      expect((await createDossier(k, staffA, 'no-such-village')).status).toBe(404);
    });

    it('only commune staff open dossiers: reviewer, province officer, admin get 403', async () => {
      const villageId = k.unit('LS-TD-01-06').id;
      for (const auth of [reviewerTD, province, k.admin]) {
        const res = await createDossier(k, auth, villageId);
        expect(status(res)).toMatchObject({ status: 403, body: { statusCode: 403, error: 'Forbidden' } });
      }
      const { rows } = await k.db.query('SELECT 1 FROM dossiers WHERE village_id = $1', [villageId]);
      expect(rows).toHaveLength(0);
    });

    it('a second open dossier for the same village and year: 409, nothing written; another year is fine', async () => {
      const villageId = k.unit('LS-TD-01-01').id;
      const count = async () =>
        (
          await k.db.query(
            `SELECT (SELECT count(*)::int FROM dossiers WHERE village_id = $1) AS dossiers,
                  (SELECT count(*)::int FROM workflow_instances WHERE subject_type = 'dossier') AS instances,
                  (SELECT count(*)::int FROM dossier_criteria) AS criteria`,
            [villageId],
          )
        ).rows[0];
      const before = await count();
      const res = await createDossier(k, staffA, villageId, 2026);
      expect(status(res)).toMatchObject({ status: 409, body: { statusCode: 409, error: 'Conflict' } });
      expect(await count()).toEqual(before);
      const next = await createDossier(k, staffA, villageId, 2027);
      expect(next.status).toBe(201);
      expect(next.body).toMatchObject({ villageId, year: 2027, state: 'draft', version: 1 });
      expect(next.body.criteria).toHaveLength(16);
      expect(
        next.body.criteria.every((c: { met: unknown; review: { status: string } }) => c.met === null && c.review.status === 'pending'),
      ).toBe(true);
    });

    it('concurrent creation for one village and year: exactly one 201, the others 409', async () => {
      const villageId = k.unit('LS-TD-01-07').id;
      const results = await Promise.all(Array.from({ length: 6 }, () => createDossier(k, staffA, villageId, 2026)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      const { rows } = await k.db.query('SELECT id FROM dossiers WHERE village_id = $1 AND year = 2026', [villageId]);
      expect(rows).toHaveLength(1);
    });

    it('after WITHDRAW the village may open a new dossier for that year', async () => {
      const villageId = k.unit('LS-TD-01-08').id;
      const first = await createDossier(k, staffA, villageId, 2026);
      expect(first.status).toBe(201);
      expect((await createDossier(k, staffA, villageId, 2026)).status).toBe(409);
      const withdrawn = await sendEvent(k, staffA, first.body.id, { type: 'WITHDRAW' });
      expect(status(withdrawn)).toMatchObject({ status: 200, body: { state: 'withdrawn', allowedEvents: [] } });
      expect((await createDossier(k, staffA, villageId, 2026)).status).toBe(201);
    });
  });

  describe('GET /dossiers filters', () => {
    it('refuses a bad state, year, limit, and a unit outside the caller: 400 / 404', async () => {
      for (const q of ['state=bogus', 'year=abc', 'year=1999', 'limit=501', 'limit=0', 'foo=bar']) {
        const res = await k.t.http.get(`/dossiers?${q}`).set('Authorization', staffA);
        expect({ q, status: res.status }).toEqual({ q, status: 400 });
      }
      const res = await k.t.http.get(`/dossiers?unitId=${k.unit('LS-VL-01').id}`).set('Authorization', staffA);
      expect(res.status).toBe(404);
    });

    it("lists only dossiers inside the caller's unit, filtered by state", async () => {
      const mine = await k.t.http.get('/dossiers?state=review&limit=500').set('Authorization', staffA);
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((d: { id: string }) => d.id)).toEqual(expect.arrayContaining([reviewId, review2Id]));
      expect(mine.body.items.every((d: { state: string }) => d.state === 'review')).toBe(true);
      for (const auth of [staffB, staffVL, reviewerVL]) {
        const other = await k.t.http.get('/dossiers?limit=500').set('Authorization', auth);
        expect(other.status).toBe(200);
        expect(other.body.items).toEqual([]);
      }
    });
  });

  describe('PUT /dossiers/:id/criteria/:code', () => {
    it('code must be an integer from 1 to 16 written plainly: 0, 17, abc, 1.5, -1, huge, 1e1, 0x10, 1.0 are 400', async () => {
      for (const code of ['0', '17', 'abc', '1.5', '-1', '99999999999999999999', '1e1', '0x10', '1.0', '+5', '%2010', '010']) {
        const res = await refused(draftId, 400, () => inEnglish(putCriterion(k, staffA, draftId, code, { met: true })));
        expect(res.body.message).toMatch(/code/);
      }
    });

    it('validates the body: met a boolean, note a string of at most 4000, no unknown fields', async () => {
      const bodies: Record<string, unknown>[] = [
        {},
        { note: 'thiếu met' },
        { met: 'true' },
        { met: 1 },
        { met: null },
        { met: true, note: 5 },
        { met: true, note: ['a'] },
        { met: true, note: 'x'.repeat(4001) },
        { met: true, reviewStatus: 'approved' },
        { met: true, review: { status: 'approved' } },
      ];
      for (const body of bodies) {
        const res = await refused(draftId, 400, () => inEnglish(putCriterion(k, staffA, draftId, 3, body)));
        expect(res.body.message).toMatch(/met|note|property/);
      }
      // The limit itself is accepted.
      const ok = await putCriterion(k, staffA, draftId, 3, { met: false, note: 'x'.repeat(4000) });
      expect(ok.status).toBe(200);
      expect(ok.body.criteria[2]).toMatchObject({ code: 3, met: false, note: 'x'.repeat(4000) });
    });

    it("another commune's dossier or an unknown one: 404; a reviewer or the province: 403", async () => {
      for (const auth of [staffB, staffVL]) await refused(draftId, 404, () => putCriterion(k, auth, draftId, 1, { met: true }));
      expect((await putCriterion(k, staffA, 'no-such-dossier', 1, { met: true })).status).toBe(404);
      for (const auth of [reviewerTD, province, k.admin])
        await refused(draftId, 403, () => putCriterion(k, auth, draftId, 1, { met: true }));
    });

    it("outside draft and revision_requested: 409 with the caller's allowedEvents", async () => {
      let res = await refused(reviewId, 409, () => putCriterion(k, staffA, reviewId, 1, { met: false }));
      expect(res.body.allowedEvents).toEqual([]);
      res = await refused(readyId, 409, () => putCriterion(k, staffA, readyId, 1, { met: false }));
      expect([...res.body.allowedEvents].sort()).toEqual(['SUBMIT', 'WITHDRAW']);
    });
  });

  describe('POST /dossiers/:id/events: payloads', () => {
    it('a missing or unknown event type is 400, whatever the name (prototype keys, internal and timer events included)', async () => {
      const bodies: unknown[] = [
        {},
        { type: 42 },
        { type: null },
        { type: '' },
        { type: 'submit' },
        { type: 'START' },
        { type: 'FIRE' },
        { type: 'xstate.after.consultationEnds.certification.consultation' },
        { type: 'xstate.init' },
        { type: 'toString' },
        { type: 'constructor' },
        { type: '__proto__' },
        { type: 'hasOwnProperty' },
        { type: 'valueOf' },
        [{ type: 'OPEN_CONSULTATION' }],
      ];
      for (const body of bodies) {
        const before = await footprint(k, draftId);
        const res = await inEnglish(k.t.http.post(`/dossiers/${draftId}/events`))
          .set('Authorization', staffA)
          .send(body as object);
        expect({ body, status: res.status, error: res.body.error }).toEqual({ body, status: 400, error: 'Bad Request' });
        expect(res.body.message).toMatch(/type/);
        expect(await footprint(k, draftId)).toEqual(before);
      }
    });

    it('the client cannot state the facts the rules read (unknown fields are 400)', async () => {
      await refused(draftId, 400, () =>
        sendEvent(k, staffA, draftId, { type: 'OPEN_CONSULTATION', facts: { unassessed: [], notMet: [] } }),
      );
      await refused(readyId, 400, () =>
        sendEvent(k, staffA, readyId, { type: 'SUBMIT', agreementPercent: 95, facts: { meetingMinutes: true } }),
      );
      await refused(draftId, 400, () => sendEvent(k, staffA, draftId, { type: 'WITHDRAW', reason: 'không cần' }));
      await refused(reviewId, 400, () => sendEvent(k, reviewerTD, reviewId, { type: 'APPROVE', force: true }));
    });

    it('SUBMIT: agreementPercent a number from 0 to 100', async () => {
      for (const agreementPercent of [undefined, null, -1, 100.01, 1000, '95', true, [95]]) {
        const res = await refused(readyId, 400, () => inEnglish(sendEvent(k, staffA, readyId, { type: 'SUBMIT', agreementPercent })));
        expect(res.body.message).toMatch(/agreementPercent/);
      }
    });

    it('REVIEW_CRITERION: code an integer 1–16, decision approve or request_revision, comment a string of at most 4000', async () => {
      const bodies: Record<string, unknown>[] = [
        { decision: 'approve' },
        { code: 0, decision: 'approve' },
        { code: 17, decision: 'approve' },
        { code: 'abc', decision: 'approve' },
        { code: '3', decision: 'approve' },
        { code: 1.5, decision: 'approve' },
        { code: -1, decision: 'approve' },
        { code: null, decision: 'approve' },
        { code: 3 },
        { code: 3, decision: 'maybe' },
        { code: 3, decision: 'APPROVE' },
        { code: 3, decision: 'approve', comment: 123 },
        { code: 3, decision: 'approve', comment: 'x'.repeat(4001) },
        { code: 3, decision: 'approve', assigneeId: 'someone' },
        { code: 3, decision: 'approve', status: 'approved' },
      ];
      for (const body of bodies) {
        const res = await refused(reviewId, 400, () =>
          inEnglish(sendEvent(k, reviewerTD, reviewId, { type: 'REVIEW_CRITERION', ...body })),
        );
        expect(res.body.message).toMatch(/code|decision|comment|property/);
      }
    });

    it('RETURN, REJECT, SIGN_OFF, REVOKE payloads', async () => {
      const cases: [string, string, Record<string, unknown>, RegExp][] = [
        [reviewId, reviewerTD, { type: 'RETURN' }, /comment/],
        [reviewId, reviewerTD, { type: 'RETURN', comment: '' }, /comment/],
        [reviewId, reviewerTD, { type: 'RETURN', comment: 5 }, /comment/],
        [reviewId, reviewerTD, { type: 'RETURN', comment: 'x'.repeat(4001) }, /comment/],
        [reviewId, province, { type: 'REJECT' }, /reason/],
        [reviewId, province, { type: 'REJECT', reason: '' }, /reason/],
        [reviewId, province, { type: 'REJECT', reason: 42 }, /reason/],
        [reviewId, province, { type: 'SIGN_OFF', decisionDate: '2026-12-01' }, /decisionNumber/],
        [reviewId, province, { type: 'SIGN_OFF', decisionNumber: '', decisionDate: '2026-12-01' }, /decisionNumber/],
        [reviewId, province, { type: 'SIGN_OFF', decisionNumber: 'x'.repeat(101), decisionDate: '2026-12-01' }, /decisionNumber/],
        [reviewId, province, { type: 'SIGN_OFF', decisionNumber: '12/QĐ-UBND' }, /decisionDate/],
        [reviewId, province, { type: 'SIGN_OFF', decisionNumber: '12/QĐ-UBND', decisionDate: '01/12/2026' }, /decisionDate/],
        [reviewId, province, { type: 'SIGN_OFF', decisionNumber: '12/QĐ-UBND', decisionDate: 20261201 }, /decisionDate/],
        [reviewId, province, { type: 'REVOKE', criteriaNoLongerMet: [3] }, /reason/],
        [reviewId, province, { type: 'REVOKE', reason: 'không đạt' }, /criteriaNoLongerMet/],
        [reviewId, province, { type: 'REVOKE', reason: 'không đạt', criteriaNoLongerMet: [] }, /criteriaNoLongerMet/],
        [reviewId, province, { type: 'REVOKE', reason: 'không đạt', criteriaNoLongerMet: [0] }, /criteriaNoLongerMet/],
        [reviewId, province, { type: 'REVOKE', reason: 'không đạt', criteriaNoLongerMet: [17] }, /criteriaNoLongerMet/],
        [reviewId, province, { type: 'REVOKE', reason: 'không đạt', criteriaNoLongerMet: [1, 1] }, /criteriaNoLongerMet/],
        [reviewId, province, { type: 'REVOKE', reason: 'không đạt', criteriaNoLongerMet: [1.5] }, /criteriaNoLongerMet/],
        [reviewId, province, { type: 'REVOKE', reason: 'không đạt', criteriaNoLongerMet: ['3'] }, /criteriaNoLongerMet/],
        [reviewId, province, { type: 'REVOKE', reason: 'không đạt', criteriaNoLongerMet: 'abc' }, /criteriaNoLongerMet/],
      ];
      for (const [id, auth, body, field] of cases) {
        const res = await refused(id, 400, () => sendEvent(k, auth, id, body));
        expect({ body, message: res.body.message }).toEqual({ body, message: expect.stringMatching(field) });
      }
    });
  });

  describe('POST /dossiers/:id/events: state, rules, jurisdiction, roles', () => {
    it('an event the state does not take: 409 with allowedEvents', async () => {
      let res = await refused(draftId, 409, () => sendEvent(k, staffA, draftId, { type: 'SUBMIT', agreementPercent: 95 }));
      expect([...res.body.allowedEvents].sort()).toEqual(['OPEN_CONSULTATION', 'WITHDRAW']);
      res = await refused(draftId, 409, () => sendEvent(k, staffA, draftId, { type: 'RESUBMIT' }));
      expect([...res.body.allowedEvents].sort()).toEqual(['OPEN_CONSULTATION', 'WITHDRAW']);
      res = await refused(reviewId, 409, () => sendEvent(k, staffA, reviewId, { type: 'RESUBMIT' }));
      expect(res.body.allowedEvents).toEqual(expect.any(Array));
      expect(res.body.allowedEvents).not.toContain('RESUBMIT');
      res = await refused(reviewId, 409, () => sendEvent(k, staffA, reviewId, { type: 'WITHDRAW' }));
      expect(res.body.allowedEvents).not.toContain('WITHDRAW');
      res = await refused(readyId, 409, () => sendEvent(k, staffA, readyId, { type: 'OPEN_CONSULTATION' }));
      expect([...res.body.allowedEvents].sort()).toEqual(['SUBMIT', 'WITHDRAW']);
      res = await refused(draftId, 409, () =>
        sendEvent(k, reviewerTD, draftId, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' }),
      );
      // The caller's events, as GET shows them: the draft waits for its commune, not for the reviewer.
      expect(res.body.allowedEvents).toEqual([]);
      expect((await getDossier(k, reviewerTD, draftId)).body.allowedEvents).toEqual([]);
      res = await refused(draftId, 409, () => sendEvent(k, reviewerTD, draftId, { type: 'APPROVE' }));
      expect(res.body.allowedEvents).not.toContain('APPROVE');
      res = await refused(reviewId, 409, () =>
        sendEvent(k, province, reviewId, { type: 'SIGN_OFF', decisionNumber: '1/QĐ', decisionDate: '2026-12-01' }),
      );
      expect(res.body.allowedEvents).not.toContain('SIGN_OFF');
      res = await refused(reviewId, 409, () => sendEvent(k, province, reviewId, { type: 'REVOKE', reason: 'x', criteriaNoLongerMet: [1] }));
      expect(res.body.allowedEvents).not.toContain('REVOKE');
    });

    it('a closed (withdrawn) dossier takes nothing: 409 with allowedEvents []', async () => {
      const id = await draftDossier(k, staffA, 'LS-TD-01-09');
      expect((await sendEvent(k, staffA, id, { type: 'WITHDRAW' })).status).toBe(200);
      for (const type of ['WITHDRAW', 'OPEN_CONSULTATION']) {
        const res = await refused(id, 409, () => sendEvent(k, staffA, id, { type }));
        expect(res.body.allowedEvents).toEqual([]);
      }
      await refused(id, 409, () => putCriterion(k, staffA, id, 1, { met: true }));
    });

    it('OPEN_CONSULTATION with a criterion unassessed or not met: 422 self_assessment_incomplete', async () => {
      let res = await refused(ruleDraftId, 422, () => sendEvent(k, staffA, ruleDraftId, { type: 'OPEN_CONSULTATION' }));
      expect(res.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', rule: 'self_assessment_incomplete' });
      // 15 met, one unassessed
      for (const code of CODES.slice(0, 15)) expect((await putCriterion(k, staffA, ruleDraftId, code, { met: true })).status).toBe(200);
      res = await refused(ruleDraftId, 422, () => sendEvent(k, staffA, ruleDraftId, { type: 'OPEN_CONSULTATION' }));
      expect(res.body.rule).toBe('self_assessment_incomplete');
      // all assessed, one not met
      expect((await putCriterion(k, staffA, ruleDraftId, 16, { met: false, note: 'Chưa đạt' })).status).toBe(200);
      res = await refused(ruleDraftId, 422, () => sendEvent(k, staffA, ruleDraftId, { type: 'OPEN_CONSULTATION' }));
      expect(res.body.rule).toBe('self_assessment_incomplete');
      // all met: accepted
      expect((await putCriterion(k, staffA, ruleDraftId, 16, { met: true })).status).toBe(200);
      const ok = await sendEvent(k, staffA, ruleDraftId, { type: 'OPEN_CONSULTATION' });
      expect(status(ok)).toMatchObject({ status: 200, body: { state: 'consultation', allowedEvents: ['WITHDRAW'] } });
    });

    it('SUBMIT without its three documents or below 90%: 422 with the rule; exactly 90% with them goes to review', async () => {
      let res = await refused(readyId, 422, () => sendEvent(k, staffA, readyId, { type: 'SUBMIT', agreementPercent: 95 }));
      expect(res.body).toMatchObject({ statusCode: 422, rule: 'submission_documents_required' });
      for (const kind of ['submission_letter', 'self_assessment_report'])
        expect((await upload(k, staffA, readyId, { bytes: pdfBytes(kind), name: `${kind}.pdf` }, kind)).status).toBe(201);
      // Evidence of another kind is not the minutes.
      expect((await upload(k, staffA, readyId, { bytes: pdfBytes('evidence'), name: 'anh.pdf' }, 'evidence')).status).toBe(201);
      res = await refused(readyId, 422, () => sendEvent(k, staffA, readyId, { type: 'SUBMIT', agreementPercent: 100 }));
      expect(res.body.rule).toBe('submission_documents_required');
      expect(
        (await upload(k, staffA, readyId, { bytes: pdfBytes('Bien ban hop thon'), name: 'bien-ban.pdf' }, 'meeting_minutes')).status,
      ).toBe(201);
      for (const agreementPercent of [89.99, 50, 0]) {
        res = await refused(readyId, 422, () => sendEvent(k, staffA, readyId, { type: 'SUBMIT', agreementPercent }));
        expect(res.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', rule: 'agreement_below_threshold' });
      }
      const ok = await sendEvent(k, staffA, readyId, { type: 'SUBMIT', agreementPercent: 90 });
      expect(status(ok)).toMatchObject({ status: 200, body: { state: 'review', agreementPercent: 90, allowedEvents: [] } });
    });

    it('RETURN with no criterion sent back, APPROVE with not all approved: 422 with the rule', async () => {
      let res = await refused(review2Id, 422, () => sendEvent(k, reviewerTD, review2Id, { type: 'RETURN', comment: 'Trả lại' }));
      expect(res.body).toMatchObject({ statusCode: 422, rule: 'no_criterion_returned' });
      res = await refused(review2Id, 422, () => sendEvent(k, reviewerTD, review2Id, { type: 'APPROVE' }));
      expect(res.body).toMatchObject({ statusCode: 422, rule: 'criteria_not_all_approved' });
      for (const code of CODES.slice(0, 15)) {
        expect((await sendEvent(k, reviewerTD, review2Id, { type: 'REVIEW_CRITERION', code, decision: 'approve' })).status).toBe(200);
      }
      res = await refused(review2Id, 422, () => sendEvent(k, reviewerTD, review2Id, { type: 'APPROVE' }));
      expect(res.body.rule).toBe('criteria_not_all_approved');
      res = await refused(review2Id, 422, () => sendEvent(k, reviewerTD, review2Id, { type: 'RETURN', comment: 'Trả lại' }));
      expect(res.body.rule).toBe('no_criterion_returned');
      expect(
        (
          await sendEvent(k, reviewerTD, review2Id, {
            type: 'REVIEW_CRITERION',
            code: 16,
            decision: 'request_revision',
            comment: 'Thiếu minh chứng',
          })
        ).status,
      ).toBe(200);
      res = await refused(review2Id, 422, () => sendEvent(k, reviewerTD, review2Id, { type: 'APPROVE' }));
      expect(res.body.rule).toBe('criteria_not_all_approved');
    });

    it("another commune's or district's dossier: 404 for GET, history, PUT criteria, events, attachments", async () => {
      const attachment = await upload(k, staffA, draftId, { bytes: pdfBytes('own'), name: 'own.pdf' }, 'evidence');
      expect(attachment.status).toBe(201);
      for (const auth of [staffB, staffVL]) {
        expect((await getDossier(k, auth, draftId)).status).toBe(404);
        expect((await k.t.http.get(`/dossiers/${draftId}/history`).set('Authorization', auth)).status).toBe(404);
        await refused(draftId, 404, () => putCriterion(k, auth, draftId, 2, { met: true }));
        await refused(draftId, 404, () => sendEvent(k, auth, draftId, { type: 'WITHDRAW' }));
        await refused(draftId, 404, () => sendEvent(k, auth, draftId, { type: 'OPEN_CONSULTATION' }));
        await refused(draftId, 404, () => upload(k, auth, draftId, { bytes: pdfBytes(`other-${auth.length}`), name: 'x.pdf' }, 'evidence'));
        const download = await k.t.http.get(`/dossiers/${draftId}/attachments/${attachment.body.id}`).set('Authorization', auth);
        expect(download.status).toBe(404);
        expect(download.headers['content-disposition']).toBeUndefined();
      }
      // A reviewer of another district sees nothing of a dossier in review, nor may decide it.
      expect((await getDossier(k, reviewerVL, reviewId)).status).toBe(404);
      await refused(reviewId, 404, () => sendEvent(k, reviewerVL, reviewId, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' }));
      await refused(reviewId, 404, () => sendEvent(k, reviewerVL, reviewId, { type: 'RETURN', comment: 'x' }));
      // The answer does not reveal that it exists: the same as for a dossier that does not.
      const other = await getDossier(k, staffB, draftId);
      const missing = await getDossier(k, staffB, 'no-such-dossier');
      expect(other.body).toEqual(missing.body);
      expect((await sendEvent(k, staffA, 'no-such-dossier', { type: 'WITHDRAW' })).status).toBe(404);
    });

    it('roles: commune staff may not decide or sign, reviewers may not submit, the province may not review: 403', async () => {
      const cases: [string, string, Record<string, unknown>][] = [
        [reviewId, staffA, { type: 'SIGN_OFF', decisionNumber: '1/QĐ-UBND', decisionDate: '2026-12-01' }],
        [reviewId, staffA, { type: 'REJECT', reason: 'x' }],
        [reviewId, staffA, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' }],
        [reviewId, staffA, { type: 'APPROVE' }],
        [reviewId, staffA, { type: 'RETURN', comment: 'x' }],
        [draftId, reviewerTD, { type: 'OPEN_CONSULTATION' }],
        [draftId, reviewerTD, { type: 'WITHDRAW' }],
        [draftId, province, { type: 'WITHDRAW' }],
        [reviewId, province, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' }],
        [reviewId, province, { type: 'APPROVE' }],
        [reviewId, reviewerProvince, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' }],
        [reviewId, reviewerProvince, { type: 'APPROVE' }],
        [reviewId, k.admin, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' }],
        [draftId, k.admin, { type: 'WITHDRAW' }],
      ];
      for (const [id, auth, body] of cases) {
        const res = await refused(id, 403, () => sendEvent(k, auth, id, body));
        expect({ body, error: res.body.error }).toEqual({ body, error: 'Forbidden' });
      }
      // The reviewer's allowedEvents on the dossier it may review; none for the others.
      expect([...(await getDossier(k, reviewerTD, reviewId)).body.allowedEvents].sort()).toEqual(['APPROVE', 'RETURN', 'REVIEW_CRITERION']);
      expect((await getDossier(k, reviewerProvince, reviewId)).body.allowedEvents).toEqual([]);
      expect((await getDossier(k, province, reviewId)).body.allowedEvents).toEqual([]);
      expect((await getDossier(k, staffA, reviewId)).body.allowedEvents).toEqual([]);
    });
  });

  describe('Vietnamese text', () => {
    const nfc = 'Đường trục thôn đã được cứng hóa 100%, rãnh thoát nước ở Bản Quyền';
    const nfd = nfc.normalize('NFD');

    it('the test strings really differ', () => {
      expect(nfd).not.toBe(nfc);
      expect(nfd.normalize('NFC')).toBe(nfc);
    });

    it('a criterion note sent in NFD comes back and is stored in NFC', async () => {
      const res = await putCriterion(k, staffA, draftId, 5, { met: true, note: nfd });
      expect(res.status).toBe(200);
      expect(res.body.criteria[4].note).toBe(nfc);
      expect((await getDossier(k, staffA, draftId)).body.criteria[4].note).toBe(nfc);
      const { rows } = await k.db.query('SELECT note FROM dossier_criteria WHERE dossier_id = $1 AND code = 5', [draftId]);
      expect(rows[0].note).toBe(nfc);
    });

    it('text already in NFC is returned exactly as given (spaces, new lines, symbols)', async () => {
      const given = '  Nhà văn hóa thôn Nà Lạn:\n- đạt 2/2 hạng mục\t(đủ chuẩn) ✓ 🏠  ';
      expect(given.normalize('NFC')).toBe(given);
      const res = await putCriterion(k, staffA, draftId, 6, { met: true, note: given });
      expect(res.body.criteria[5].note).toBe(given);
    });

    it('a review comment and a RETURN comment sent in NFD are stored, shown and hashed into the history in NFC', async () => {
      const comment = 'Thiếu biên bản nghiệm thu công trình điện';
      const r1 = await sendEvent(k, reviewerTD, reviewId, {
        type: 'REVIEW_CRITERION',
        code: 4,
        decision: 'request_revision',
        comment: comment.normalize('NFD'),
      });
      expect(r1.status).toBe(200);
      expect(r1.body.criteria[3].review).toMatchObject({ status: 'revision_requested', comment });
      const back = 'Đề nghị xã bổ sung hồ sơ tiêu chí 4';
      const r2 = await sendEvent(k, reviewerTD, reviewId, { type: 'RETURN', comment: back.normalize('NFD') });
      expect(status(r2)).toMatchObject({ status: 200, body: { state: 'revision_requested' } });
      const history = (await k.t.http.get(`/dossiers/${reviewId}/history`).set('Authorization', staffA)).body as {
        type: string;
        payload: { comment?: string };
      }[];
      expect(history.find((h) => h.type === 'REVIEW_CRITERION')!.payload.comment).toBe(comment);
      expect(history.find((h) => h.type === 'RETURN')!.payload.comment).toBe(back);
      const verify = await k.t.http.get('/audit/verify').set('Authorization', province);
      expect(verify.body).toMatchObject({ ok: true });
    });
  });
});

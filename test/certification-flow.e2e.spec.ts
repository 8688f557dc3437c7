import pg from 'pg';
import { EngineService } from '../src/engine/engine.service.js';
import { ADMIN, startTestApp, waitFor, type TestApp, inEnglish } from './support/app.js';

/**
 * The whole certification flow through HTTP, with DEADLINE_OVERRIDES making the consultation and the review
 * reminder and escalation happen in seconds. The revision period stays an hour, so that no step of the commune's
 * races the clock; its lapse is the revision timer fired as the deadline worker fires it, through the engine.
 */
describe('village certification, end to end', () => {
  let t: TestApp;
  let db: pg.Client;
  let admin: string;
  let commune: string;
  let reviewer: string;
  let province: string;
  let villageId: string;
  const unitId = async (code: string) => (await db.query('SELECT id FROM units WHERE code = $1', [code])).rows[0].id as string;

  beforeAll(async () => {
    t = await startTestApp('cert_flow', {
      DEADLINE_OVERRIDES: 'certification.consultation=PT1S,certification.review=PT4S,certification.revision=PT1H',
    });
    db = new pg.Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    admin = await t.login(ADMIN.username, ADMIN.password);
    const users = [
      { username: 'xa.daovien', role: 'COMMUNE_STAFF', unit: 'LS-TD-01' },
      { username: 'huyen.trangdinh', role: 'REVIEWER', unit: 'LS-TD' },
      { username: 'tinh.langson', role: 'PROVINCE_OFFICER', unit: 'LS' },
    ];
    for (const u of users) {
      const res = await t.http
        .post('/users')
        .set('Authorization', admin)
        .send({
          username: u.username,
          password: 'mat-khau-123',
          fullName: 'Nguyễn Văn An',
          email: `${u.username}@example.vn`,
          role: u.role,
          unitId: await unitId(u.unit),
        });
      expect(res.status).toBe(201);
    }
    commune = await t.login('xa.daovien', 'mat-khau-123');
    reviewer = await t.login('huyen.trangdinh', 'mat-khau-123');
    province = await t.login('tinh.langson', 'mat-khau-123');
    villageId = await unitId('LS-TD-01-01');
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const get = (auth: string, id: string) => t.http.get(`/dossiers/${id}`).set('Authorization', auth);
  const attachPdf = (auth: string, id: string, kind: string) =>
    t.http
      .post(`/dossiers/${id}/attachments`)
      .set('Authorization', auth)
      .field('kind', kind)
      .attach('file', Buffer.from(`%PDF-1.4\n% ${kind}\n%%EOF\n`), `${kind}.pdf`);
  const send = (auth: string, id: string, body: Record<string, unknown>) =>
    t.http.post(`/dossiers/${id}/events`).set('Authorization', auth).send(body);
  const until = (id: string, auth: string, check: (d: { state: string; [k: string]: unknown }) => boolean, what: string) =>
    waitFor(
      async () => {
        const res = await get(auth, id);
        return check(res.body) ? res.body : null;
      },
      { what, timeoutMs: 30000 },
    );

  async function preparedDossier(year: number): Promise<string> {
    const created = await t.http.post('/dossiers').set('Authorization', commune).send({ villageId, year });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('draft');
    expect(created.body.criteria).toHaveLength(16);
    expect(created.body.criteria.every((c: { met: unknown }) => c.met === null)).toBe(true);
    const id = created.body.id;
    for (let code = 1; code <= 16; code++) {
      const res = await t.http.put(`/dossiers/${id}/criteria/${code}`).set('Authorization', commune).send({ met: true, note: 'Đạt' });
      expect(res.status).toBe(200);
    }
    expect((await send(commune, id, { type: 'OPEN_CONSULTATION' })).body.state).toBe('consultation');
    await until(id, commune, (d) => d.state === 'ready_to_submit', 'the consultation to end by its timer');
    const minutes = await t.http
      .post(`/dossiers/${id}/attachments`)
      .set('Authorization', commune)
      .field('kind', 'meeting_minutes')
      .attach('file', Buffer.from('%PDF-1.4\n% biên bản họp thôn\n%%EOF\n'), 'biên-bản-họp-thôn.pdf');
    expect(minutes.status).toBe(201);
    expect(minutes.body.fileName).toBe('biên-bản-họp-thôn.pdf');
    expect((await send(commune, id, { type: 'SUBMIT', agreementPercent: 94.5 })).body.rule).toBe('submission_documents_required');
    for (const kind of ['submission_letter', 'self_assessment_report']) expect((await attachPdf(commune, id, kind)).status).toBe(201);
    // The households agreeing must not exceed those at the meeting, and a share sent with them must match them.
    const over = await inEnglish(send(commune, id, { type: 'SUBMIT', householdsRepresented: 200, householdsAgreeing: 201 }));
    expect(over.status).toBe(400);
    expect(over.body.errors).toEqual([{ field: 'householdsAgreeing', messages: [expect.stringMatching(/cannot exceed/)] }]);
    const mismatch = await send(commune, id, { type: 'SUBMIT', agreementPercent: 99, householdsRepresented: 200, householdsAgreeing: 189 });
    expect(mismatch.status).toBe(400);
    const submitted = await send(commune, id, { type: 'SUBMIT', householdsRepresented: 200, householdsAgreeing: 189 });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ agreementPercent: 94.5, households: { represented: 200, agreeing: 189 } });
    expect(submitted.body.state).toBe('review');
    return id;
  }

  it("goes from draft to certified, and the village's flags follow certification and revocation", async () => {
    const id = await preparedDossier(2026);
    const inReview = await get(reviewer, id);
    expect(inReview.body.allowedEvents).toEqual(expect.arrayContaining(['REVIEW_CRITERION', 'RETURN', 'APPROVE']));
    expect(inReview.body.deadlines.map((d: { id: string; kind: string }) => `${d.id}:${d.kind}`).sort()).toEqual([
      'certification.review:due',
      'certification.review:reminder',
    ]);

    // Return one criterion, then resubmit: the approved ones stay approved.
    for (let code = 1; code <= 16; code++) {
      const decision = code === 7 ? 'request_revision' : 'approve';
      expect(
        (await send(reviewer, id, { type: 'REVIEW_CRITERION', code, decision, comment: code === 7 ? 'Thu nhập chưa đạt' : undefined }))
          .status,
      ).toBe(200);
    }
    // An event's response lists the caller's events in the state it led to, as GET does.
    const again = await send(reviewer, id, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' });
    expect(again.status).toBe(200);
    expect(again.body.allowedEvents).toEqual(expect.arrayContaining(['REVIEW_CRITERION', 'RETURN', 'APPROVE']));
    expect([...again.body.allowedEvents].sort()).toEqual([...(await get(reviewer, id)).body.allowedEvents].sort());
    expect((await send(reviewer, id, { type: 'APPROVE' })).body.rule).toBe('criteria_not_all_approved');
    const returned = await send(reviewer, id, { type: 'RETURN', comment: 'Bổ sung tiêu chí 7' });
    expect(returned.body.state).toBe('revision_requested');
    // Edited to "not met" while returned, the dossier cannot go back to the reviewers.
    expect((await t.http.put(`/dossiers/${id}/criteria/7`).set('Authorization', commune).send({ met: false })).status).toBe(200);
    expect((await send(commune, id, { type: 'RESUBMIT' })).body).toMatchObject({ statusCode: 422, rule: 'self_assessment_incomplete' });
    const fixed = await t.http
      .put(`/dossiers/${id}/criteria/7`)
      .set('Authorization', commune)
      .send({ met: true, note: 'Đã bổ sung số liệu thu nhập' });
    expect(fixed.status).toBe(200);
    const resubmitted = await send(commune, id, { type: 'RESUBMIT' });
    expect(resubmitted.body.state).toBe('review');
    expect([...resubmitted.body.allowedEvents].sort()).toEqual([...(await get(commune, id)).body.allowedEvents].sort());
    const statuses = resubmitted.body.criteria.map((c: { review: { status: string } }) => c.review.status);
    expect(statuses.filter((s: string) => s === 'approved')).toHaveLength(15);
    expect(resubmitted.body.criteria[6].review.status).toBe('pending');

    expect((await send(reviewer, id, { type: 'REVIEW_CRITERION', code: 7, decision: 'approve' })).status).toBe(200);
    expect((await send(reviewer, id, { type: 'APPROVE' })).body.rule).toBe('appraisal_report_required');
    expect((await attachPdf(reviewer, id, 'appraisal_report')).status).toBe(201);
    const approved = await send(reviewer, id, { type: 'APPROVE' });
    expect(approved.body.state).toBe('province_review');

    const before = await t.http.get(`/units/${villageId}`).set('Authorization', admin);
    const unsigned = await send(province, id, { type: 'SIGN_OFF', decisionNumber: '1234/QĐ-UBND', decisionDate: '2026-12-01' });
    expect(unsigned.body.rule).toBe('decision_required');
    expect((await attachPdf(province, id, 'decision')).status).toBe(201);
    const signed = await send(province, id, { type: 'SIGN_OFF', decisionNumber: '1234/QĐ-UBND', decisionDate: '2026-12-01' });
    expect(signed.body.state).toBe('certified');
    expect(signed.body.decision).toEqual({ number: '1234/QĐ-UBND', date: '2026-12-01' });
    const after = await t.http.get(`/units/${villageId}`).set('Authorization', admin);
    expect(before.body.criteriaMet).toBeLessThan(16);
    expect(after.body.criteriaMet).toBe(16);

    const revoked = await send(province, id, { type: 'REVOKE', reason: 'Tiêu chí môi trường không còn đạt', criteriaNoLongerMet: [14, 4] });
    expect(revoked.body.state).toBe('revoked');
    const village = await t.http.get(`/units/${villageId}`).set('Authorization', admin);
    expect(village.body.criteriaMet).toBe(14);
    expect(village.body.criteria.filter((c: { met: boolean }) => !c.met).map((c: { code: number }) => c.code)).toEqual([4, 14]);

    const history = await t.http.get(`/dossiers/${id}/history`).set('Authorization', province);
    expect(history.status).toBe(200);
    const types = history.body.map((h: { type: string }) => h.type);
    expect(types[0]).toBe('START');
    expect(types).toContain('xstate.after.consultationEnds.certification.consultation');
    expect(history.body.find((h: { type: string }) => h.type.startsWith('xstate.after')).actor).toEqual({
      id: null,
      role: 'SYSTEM',
      unitId: null,
    });
    expect(types.slice(-2)).toEqual(['SIGN_OFF', 'REVOKE']);
    history.body.forEach((h: { prevHash: string; seq: number }, i: number) => {
      expect(h.seq).toBe(i + 1);
      expect(h.prevHash).toBe(i === 0 ? '' : history.body[i - 1].hash);
    });
    const verify = await t.http.get('/audit/verify').set('Authorization', province);
    expect(verify.body).toMatchObject({ ok: true });
    expect(verify.body.checkedEvents).toBeGreaterThanOrEqual(history.body.length);
  });

  it('reminds and escalates an overdue review, then lapses a dossier the commune never resubmits', async () => {
    const id = await preparedDossier(2027);
    const overdue = await until(id, reviewer, (d) => d.overdue === true, 'the review to become overdue');
    expect(overdue.state).toBe('review');
    const effects = await db.query(
      `SELECT o.payload->>'template' AS template FROM outbox o JOIN workflow_instances i ON i.id = o.instance_id WHERE i.subject_id = $1 ORDER BY o.seq`,
      [id],
    );
    expect(effects.rows.map((r) => r.template)).toEqual(expect.arrayContaining(['dossier_arrived', 'review_reminder', 'review_overdue']));
    const tasks = await t.http.get('/tasks').set('Authorization', reviewer);
    expect(tasks.body.find((x: { subjectId: string }) => x.subjectId === id)).toMatchObject({ overdue: true, action: 'review_criteria' });

    await send(reviewer, id, { type: 'REVIEW_CRITERION', code: 3, decision: 'request_revision', comment: 'Thiếu hồ sơ' });
    expect((await send(reviewer, id, { type: 'RETURN', comment: 'Bổ sung' })).body.state).toBe('revision_requested');
    // The revision period ends: its timer, due in an hour, fires now, as the deadline worker would fire it then.
    const {
      rows: [timer],
    } = await db.query<{ id: string }>(
      `SELECT t.id FROM workflow_timers t JOIN workflow_instances i ON i.id = t.instance_id
        WHERE i.subject_id = $1 AND t.deadline_id = 'certification.revision' AND t.kind = 'due' AND t.status = 'pending'`,
      [id],
    );
    expect(timer).toBeDefined();
    expect(await t.app.get(EngineService).fire(timer.id)).toMatchObject({ applied: true });
    const lapsed = await until(id, commune, (d) => d.state === 'lapsed', 'the dossier to lapse');
    expect(lapsed.allowedEvents).toEqual([]);
    // A lapsed dossier no longer blocks a new one for that year.
    const again = await t.http.post('/dossiers').set('Authorization', commune).send({ villageId, year: 2027 });
    expect(again.status).toBe(201);
  });
});

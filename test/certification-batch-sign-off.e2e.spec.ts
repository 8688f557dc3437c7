import {
  attachDocument,
  CODES,
  footprint,
  inReview,
  sendEvent,
  startKit,
  type Kit,
  pdfBytes,
  upload,
} from './support/certification-kit.js';
import { textOf, WebClient } from './support/web-client.js';

/**
 * One province decision certifying several villages: the signed decision attached once and shared, each dossier
 * signed off with its number and date, in one transaction; one dossier that cannot be signed refuses them all.
 */
describe('signing off several dossiers with one decision', () => {
  let k: Kit;
  let commune: { auth: string };
  let reviewer: { auth: string };
  let province: { auth: string; username: string; password: string };
  let otherReviewer: { auth: string };

  beforeAll(async () => {
    k = await startKit('cert_batch', { DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    commune = await k.user('COMMUNE_STAFF', 'LS-TD-01');
    reviewer = await k.user('REVIEWER', 'LS-TD');
    province = await k.user('PROVINCE_OFFICER', 'LS');
    otherReviewer = await k.user('REVIEWER', 'LS-VL');
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  /** A dossier waiting for the province: all 16 criteria approved, the appraisal attached, APPROVE sent. */
  async function waitingForProvince(villageCode: string, year: number): Promise<string> {
    const id = await inReview(k, commune.auth, villageCode, year);
    for (const code of CODES) {
      const res = await sendEvent(k, reviewer.auth, id, { type: 'REVIEW_CRITERION', code, decision: 'approve' });
      if (res.status !== 200) throw new Error(`review ${code}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await attachDocument(k, reviewer.auth, id, 'appraisal_report');
    const approved = await sendEvent(k, reviewer.auth, id, { type: 'APPROVE' });
    expect(approved.body.state).toBe('province_review');
    return id;
  }

  async function decisionOn(id: string, text = 'Quyết định 55/QĐ-UBND'): Promise<string> {
    const res = await upload(k, province.auth, id, { bytes: pdfBytes(text), name: 'qd-55.pdf' }, 'decision');
    expect(res.status).toBe(201);
    return res.body.id;
  }

  const signOff = (auth: string, body: Record<string, unknown>) =>
    k.t.http.post('/dossiers/sign-off').set('Authorization', auth).send(body);

  it('signs every listed dossier off with the decision, the document attached to each', async () => {
    const a = await waitingForProvince('LS-TD-01-01', 2026);
    const b = await waitingForProvince('LS-TD-01-02', 2026);
    const c = await waitingForProvince('LS-TD-01-03', 2026);
    const attachmentId = await decisionOn(b);
    const res = await signOff(province.auth, {
      dossierIds: [a, b, c],
      decisionNumber: '55/QĐ-UBND',
      decisionDate: '2026-12-04',
      decisionAttachmentId: attachmentId,
    });
    expect(res.status).toBe(200);
    expect(res.body.dossiers.map((d: { id: string }) => d.id).sort()).toEqual([a, b, c].sort());
    for (const d of res.body.dossiers) {
      expect(d.state).toBe('certified');
      expect(d.decision).toEqual({ number: '55/QĐ-UBND', date: '2026-12-04' });
      const decisions = d.attachments.filter((x: { kind: string }) => x.kind === 'decision');
      expect(decisions).toHaveLength(1);
      expect(decisions[0].fileName).toBe('qd-55.pdf');
    }
    // One stored file, three attachments naming it.
    const { rows } = await k.db.query(
      `SELECT count(DISTINCT sha256)::int AS files, count(*)::int AS n FROM attachments WHERE kind = 'decision'`,
    );
    expect(rows[0]).toEqual({ files: 1, n: 3 });
    // Each village's flags moved as a single sign-off moves them.
    for (const id of [a, b, c]) {
      const history = await k.t.http.get(`/dossiers/${id}/history`).set('Authorization', province.auth);
      expect(history.body.at(-1)).toMatchObject({ type: 'SIGN_OFF', toState: 'certified' });
    }
  });

  it('signs none when one listed dossier is not waiting for the province, and names it', async () => {
    const ready = await waitingForProvince('LS-TD-01-04', 2026);
    const notYet = await inReview(k, commune.auth, 'LS-TD-01-05', 2026);
    const attachmentId = await decisionOn(ready);
    const before = await Promise.all([footprint(k, ready), footprint(k, notYet)]);
    const res = await signOff(province.auth, {
      dossierIds: [ready, notYet],
      decisionNumber: '56/QĐ-UBND',
      decisionDate: '2026-12-04',
      decisionAttachmentId: attachmentId,
    });
    expect(res.status).toBe(409);
    expect(res.body.dossierId).toBe(notYet);
    expect(await Promise.all([footprint(k, ready), footprint(k, notYet)])).toEqual(before);
  });

  it('refuses a decision document that is not a decision of one of the listed dossiers, and a dossier out of reach', async () => {
    const a = await waitingForProvince('LS-TD-01-01', 2027);
    const appraisal = (await k.db.query(`SELECT id FROM attachments WHERE dossier_id = $1 AND kind = 'appraisal_report'`, [a])).rows[0].id;
    const wrongKind = await signOff(province.auth, {
      dossierIds: [a],
      decisionNumber: '57/QĐ-UBND',
      decisionDate: '2026-12-04',
      decisionAttachmentId: appraisal,
    });
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.rule).toBe('batch_decision_document');
    const vi = await signOff(province.auth, {
      dossierIds: [a],
      decisionNumber: '57',
      decisionDate: '2026-12-04',
      decisionAttachmentId: appraisal,
    }).set('Accept-Language', 'vi');
    expect(vi.body.message).toMatch(/tệp quyết định/);
    const attachmentId = await decisionOn(a);
    const missing = await signOff(province.auth, {
      dossierIds: [a, '00000000-0000-0000-0000-000000000000'],
      decisionNumber: '57/QĐ-UBND',
      decisionDate: '2026-12-04',
      decisionAttachmentId: attachmentId,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.dossierId).toBe('00000000-0000-0000-0000-000000000000');
    expect((await k.t.http.get(`/dossiers/${a}`).set('Authorization', province.auth)).body.state).toBe('province_review');
  });

  it('is for province officers only, and checks its input', async () => {
    expect(
      (await signOff(reviewer.auth, { dossierIds: ['x'], decisionNumber: '1', decisionDate: '2026-12-04', decisionAttachmentId: 'y' }))
        .status,
    ).toBe(403);
    expect(
      (
        await signOff(otherReviewer.auth, {
          dossierIds: ['x'],
          decisionNumber: '1',
          decisionDate: '2026-12-04',
          decisionAttachmentId: 'y',
        })
      ).status,
    ).toBe(403);
    const bad = await signOff(province.auth, { dossierIds: [], decisionNumber: '', decisionDate: '4/12/2026', decisionAttachmentId: 'y' });
    expect(bad.status).toBe(400);
    const fields = (bad.body.errors ?? []).map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['dossierIds', 'decisionNumber', 'decisionDate']));
  });

  it("offers a province officer the waiting dossiers as one decision's form, and signs the ticked ones off from it", async () => {
    const a = await waitingForProvince('LS-TD-01-02', 2027);
    const b = await waitingForProvince('LS-TD-01-03', 2027);
    const notPicked = await waitingForProvince('LS-TD-01-04', 2027);
    const c = new WebClient(k.t);
    await c.signIn(province.username, province.password);
    const attachmentId = await decisionOn(a, 'Quyết định 60/QĐ-UBND');
    const page = await c.get('/app/dossiers');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`name="dossierIds" value="${a}"`);
    expect(page.text).toContain(`<option value="${attachmentId}"`);
    // Nothing ticked: refused beside the list, what was typed kept.
    const none = await c.post('/app/dossiers/sign-off', {
      decisionNumber: '60/QĐ-UBND',
      decisionDate: '2026-12-05',
      decisionAttachmentId: attachmentId,
    });
    expect(none.status).toBe(400);
    expect(none.text).toMatch(/id="dossierIds-error"[^>]*>Vui lòng chọn ít nhất một hồ sơ/);
    expect(none.text).toContain('value="60/QĐ-UBND"');
    const signed = await c.post('/app/dossiers/sign-off', {
      dossierIds: [a, b],
      decisionNumber: '60/QĐ-UBND',
      decisionDate: '2026-12-05',
      decisionAttachmentId: attachmentId,
    });
    expect(signed.status).toBe(303);
    expect(signed.headers.location).toBe('/app/dossiers?done=signed');
    expect(textOf((await c.follow(signed)).text)).toContain('Đã ban hành quyết định công nhận cho các hồ sơ đã chọn');
    for (const id of [a, b])
      expect((await k.db.query(`SELECT state FROM workflow_instances WHERE subject_id = $1`, [id])).rows[0].state).toBe('certified');
    expect((await k.db.query(`SELECT state FROM workflow_instances WHERE subject_id = $1`, [notPicked])).rows[0].state).toBe(
      'province_review',
    );
    // Sent again for a dossier already certified and one still waiting: neither moves, and the page names the first.
    const again = await c.post('/app/dossiers/sign-off', {
      dossierIds: [a, notPicked],
      decisionNumber: '61/QĐ-UBND',
      decisionDate: '2026-12-05',
      decisionAttachmentId: attachmentId,
    });
    expect(again.status).toBe(409);
    expect(textOf(again.text)).toMatch(/Hồ sơ thôn .+ 2027: /);
    expect((await k.db.query(`SELECT state FROM workflow_instances WHERE subject_id = $1`, [notPicked])).rows[0].state).toBe(
      'province_review',
    );
  });
});

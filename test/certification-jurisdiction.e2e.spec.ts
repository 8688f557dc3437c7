import {
  CODES,
  assignmentSettled,
  getDossier,
  attachDocument,
  inReview,
  putCriterion,
  sendEvent,
  startKit,
  tasks,
  upload,
  pdfBytes,
  type Kit,
} from './support/certification-kit.js';

/**
 * Routing by the unit tree (README, "Roles and jurisdiction"): a dossier's reviewers are the
 * REVIEWER users of its commune's parent unit, the district in the three-tier tree of plan 136, the province
 * in a two-tier tree (PROVINCE > COMMUNE > VILLAGE, since 1 July 2025). Outside its unit a user sees nothing.
 */
describe('certification dossiers: jurisdiction in both trees', () => {
  let k: Kit;
  // the two-tier tree, created through POST /units
  const two = { province: '', commune: '', village: '', village2: '' };
  let staff2: { id: string; auth: string };
  let reviewer2: { id: string; auth: string }; // REVIEWER at the two-tier province
  let province2: { id: string; auth: string };
  // the three-tier tree of the seed
  let staffTD: { id: string; auth: string };
  let reviewerTD: { id: string; auth: string };
  let reviewerLS: { id: string; auth: string }; // REVIEWER at the three-tier province
  let provinceLS: { id: string; auth: string };
  let twoTier: string; // dossier of the two-tier village
  let threeTier: string; // dossier of LS-TD-01-01
  let direct: string; // dossier of a village whose commune sits directly under LS (no district)

  async function createUnit(code: string, name: string, level: string, parentId?: string): Promise<string> {
    const res = await k.t.http
      .post('/units')
      .set('Authorization', k.admin)
      .send({ code, name, level, ...(parentId ? { parentId } : {}) });
    if (res.status !== 201) throw new Error(`POST /units ${code}: ${res.status} ${JSON.stringify(res.body)}`);
    k.units.set(code, res.body);
    return res.body.id;
  }

  beforeAll(async () => {
    k = await startKit('cert_jurisdiction', { DEADLINE_OVERRIDES: 'certification.consultation=PT1S' });
    two.province = await createUnit('HB', 'Tỉnh Hòa Bình Mới', 'PROVINCE');
    two.commune = await createUnit('HB-01', 'Xã Mường Khến', 'COMMUNE', two.province);
    two.village = await createUnit('HB-01-01', 'Xóm Bưa', 'VILLAGE', two.commune);
    two.village2 = await createUnit('HB-01-02', 'Xóm Chiềng', 'VILLAGE', two.commune);
    // A commune directly under the three-tier province (allowed: a commune under a district or the province).
    const lsDirect = await createUnit('LS-X1', 'Xã Trực Thuộc Tỉnh', 'COMMUNE', k.unit('LS').id);
    await createUnit('LS-X1-01', 'Thôn Khuổi Pục', 'VILLAGE', lsDirect);
    [staff2, reviewer2, province2, staffTD, reviewerTD, reviewerLS, provinceLS] = await Promise.all([
      k.user('COMMUNE_STAFF', 'HB-01'),
      k.user('REVIEWER', 'HB'),
      k.user('PROVINCE_OFFICER', 'HB'),
      k.user('COMMUNE_STAFF', 'LS-TD-01'),
      k.user('REVIEWER', 'LS-TD'),
      k.user('REVIEWER', 'LS'),
      k.user('PROVINCE_OFFICER', 'LS'),
    ]);
    const staffDirect = await k.user('COMMUNE_STAFF', 'LS-X1');
    [twoTier, threeTier, direct] = await Promise.all([
      inReview(k, staff2.auth, 'HB-01-01'),
      inReview(k, staffTD.auth, 'LS-TD-01-01'),
      inReview(k, staffDirect.auth, 'LS-X1-01'),
    ]);
  }, 120_000);
  afterAll(async () => k?.close());

  it('a two-tier dossier has its commune and no district', async () => {
    const res = await getDossier(k, staff2.auth, twoTier);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ villageId: two.village, communeId: two.commune, districtId: null, state: 'review' });
    const three = await getDossier(k, staffTD.auth, threeTier);
    expect(three.body).toMatchObject({ communeId: k.unit('LS-TD-01').id, districtId: k.unit('LS-TD').id });
  });

  it("the province's reviewer is the two-tier dossier's reviewer: criteria assigned to it, in its inbox, its events allowed", async () => {
    const criteria = await assignmentSettled(k, twoTier);
    expect(criteria.map((c) => c.assignee)).toEqual(Array(16).fill(reviewer2.id));
    const view = await getDossier(k, reviewer2.auth, twoTier);
    expect(view.status).toBe(200);
    expect([...view.body.allowedEvents].sort()).toEqual(['APPROVE', 'RETURN', 'REVIEW_CRITERION']);
    const inbox = await tasks(k, reviewer2.auth);
    expect(inbox.map((t) => t.subjectId)).toEqual([twoTier]);
    expect(inbox[0]).toMatchObject({ state: 'review', action: 'review_criteria', unitId: two.village, dueAt: expect.any(String) });
  });

  it('the district reviewer of the three-tier tree gets 404 for it, and nothing of it in lists or inbox', async () => {
    expect((await getDossier(k, reviewerTD.auth, twoTier)).status).toBe(404);
    expect((await k.t.http.get(`/dossiers/${twoTier}/history`).set('Authorization', reviewerTD.auth)).status).toBe(404);
    for (const body of [
      { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' },
      { type: 'RETURN', comment: 'x' },
      { type: 'APPROVE' },
    ]) {
      const res = await sendEvent(k, reviewerTD.auth, twoTier, body);
      expect({ body, status: res.status }).toEqual({ body, status: 404 });
    }
    const list = await k.t.http.get('/dossiers?limit=500').set('Authorization', reviewerTD.auth);
    expect(list.body.items.map((d: { id: string }) => d.id)).not.toContain(twoTier);
    expect((await tasks(k, reviewerTD.auth)).map((t) => t.subjectId)).not.toContain(twoTier);
    // Nor the other province's people, nor a commune of the other tree.
    for (const u of [reviewerLS, provinceLS, staffTD]) expect((await getDossier(k, u.auth, twoTier)).status).toBe(404);
    expect((await putCriterion(k, staffTD.auth, twoTier, 1, { met: true })).status).toBe(404);
    expect((await upload(k, staffTD.auth, twoTier, { bytes: pdfBytes('x'), name: 'x.pdf' })).status).toBe(404);
    // And the other way round.
    expect((await getDossier(k, reviewer2.auth, threeTier)).status).toBe(404);
    expect((await sendEvent(k, reviewer2.auth, threeTier, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' })).status).toBe(404);
    expect((await getDossier(k, province2.auth, threeTier)).status).toBe(404);
    expect((await getDossier(k, staff2.auth, threeTier)).status).toBe(404);
  });

  it("in the three-tier tree the district decides: the province's reviewer may read but not review (403)", async () => {
    expect((await getDossier(k, reviewerLS.auth, threeTier)).status).toBe(200);
    const res = await sendEvent(k, reviewerLS.auth, threeTier, { type: 'REVIEW_CRITERION', code: 1, decision: 'approve' });
    expect(res.status).toBe(403);
    expect((await getDossier(k, reviewerTD.auth, threeTier)).body.allowedEvents.sort()).toEqual(['APPROVE', 'RETURN', 'REVIEW_CRITERION']);
    expect((await tasks(k, reviewerLS.auth)).map((t) => t.subjectId)).not.toContain(threeTier);
  });

  it("a province reviewer's inbox holds only what it may review: not a district's dossier, even with a criterion nobody there covers", async () => {
    const staffVL = await k.user('COMMUNE_STAFF', 'LS-VL-01');
    const reviewerVL = await k.user('REVIEWER', 'LS-VL', { criteria: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] });
    const vl = await inReview(k, staffVL.auth, 'LS-VL-01-01');
    const criteria = await assignmentSettled(k, vl);
    expect(criteria.find((c) => c.code === 16)!.assignee).toBeNull();
    expect((await tasks(k, reviewerVL.auth)).map((t) => t.subjectId)).toContain(vl);
    // The province's reviewer may not send REVIEW_CRITERION to it (403), so it is no task of theirs.
    expect((await sendEvent(k, reviewerLS.auth, vl, { type: 'REVIEW_CRITERION', code: 16, decision: 'approve' })).status).toBe(403);
    expect((await tasks(k, reviewerLS.auth)).map((t) => t.subjectId)).not.toContain(vl);
  });

  it("a commune directly under the three-tier province is reviewed by the province's reviewers, not by a district", async () => {
    const view = await getDossier(k, reviewerLS.auth, direct);
    expect(view.body).toMatchObject({ districtId: null, communeId: k.unit('LS-X1').id });
    expect([...view.body.allowedEvents].sort()).toEqual(['APPROVE', 'RETURN', 'REVIEW_CRITERION']);
    const criteria = await assignmentSettled(k, direct);
    expect(criteria.map((c) => c.assignee)).toEqual(Array(16).fill(reviewerLS.id));
    expect((await tasks(k, reviewerLS.auth)).map((t) => t.subjectId)).toEqual([direct]);
    expect((await getDossier(k, reviewerTD.auth, direct)).status).toBe(404);
    expect((await sendEvent(k, reviewerLS.auth, direct, { type: 'REVIEW_CRITERION', code: 16, decision: 'approve' })).status).toBe(200);
  });

  it("the two-tier dossier goes all the way: reviewed by the province reviewer, signed by its province, the village's 16 flags set", async () => {
    for (const code of CODES) {
      const res = await sendEvent(k, reviewer2.auth, twoTier, { type: 'REVIEW_CRITERION', code, decision: 'approve' });
      expect({ code, status: res.status }).toEqual({ code, status: 200 });
    }
    await attachDocument(k, reviewer2.auth, twoTier, 'appraisal_report');
    const approved = await sendEvent(k, reviewer2.auth, twoTier, { type: 'APPROVE' });
    expect(approved.body.state).toBe('province_review');
    // The other province's officer may not sign it (it does not exist for them).
    expect(
      (await sendEvent(k, provinceLS.auth, twoTier, { type: 'SIGN_OFF', decisionNumber: '1/QĐ-UBND', decisionDate: '2026-12-01' })).status,
    ).toBe(404);
    expect((await tasks(k, provinceLS.auth)).map((t) => t.subjectId)).not.toContain(twoTier);
    expect((await tasks(k, province2.auth)).map((t) => t.subjectId)).toEqual([twoTier]);
    await attachDocument(k, province2.auth, twoTier, 'decision');
    const signed = await sendEvent(k, province2.auth, twoTier, {
      type: 'SIGN_OFF',
      decisionNumber: '45/QĐ-UBND',
      decisionDate: '2026-12-15',
    });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ state: 'certified', decision: { number: '45/QĐ-UBND', date: '2026-12-15' } });
    const village = await k.t.http.get(`/units/${two.village}`).set('Authorization', province2.auth);
    expect(village.body.criteriaMet).toBe(16);
    expect(village.body.criteria.every((c: { met: boolean }) => c.met)).toBe(true);
    // The other village of the commune is untouched.
    const other = await k.t.http.get(`/units/${two.village2}`).set('Authorization', province2.auth);
    expect(other.body.criteriaMet).toBe(0);
  });
});

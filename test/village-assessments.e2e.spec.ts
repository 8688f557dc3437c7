import { pdfBytes, startKit, type Kit } from './support/certification-kit.js';
import { progress } from './support/reports-kit.js';
import { WebClient } from './support/web-client.js';

/**
 * Village criteria between certifications (workflow `assessment`): the commune records an assessment with
 * evidence, the district's reviewers confirm or return it; only a confirmed one changes the village's flags,
 * which the progress report of the commune, the district and the province then shows, and the village's
 * history lists with its cause.
 */
describe('village criteria assessments', () => {
  let k: Kit;
  let commune: { auth: string; id: string; username: string; password: string };
  let reviewer: { auth: string; id: string };
  let otherReviewer: { auth: string };
  let province: { auth: string };
  const VILLAGE = 'LS-TD-01-02';

  beforeAll(async () => {
    k = await startKit('assessments');
    commune = await k.user('COMMUNE_STAFF', 'LS-TD-01');
    reviewer = await k.user('REVIEWER', 'LS-TD');
    otherReviewer = await k.user('REVIEWER', 'LS-CL');
    province = await k.user('PROVINCE_OFFICER', 'LS');
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  const flags = async (code: string) =>
    (
      await k.db.query(`SELECT criterion_code::int AS code, met, source FROM village_criteria WHERE village_id = $1 ORDER BY 1`, [
        k.unit(code).id,
      ])
    ).rows as { code: number; met: boolean; source: string }[];

  async function record(criteria: { code: number; met: boolean }[], evidence = true, assessedOn = '2026-11-30'): Promise<string> {
    const res = await k.t.http
      .post(`/villages/${k.unit(VILLAGE).id}/assessments`)
      .set('Authorization', commune.auth)
      .send({ assessedOn, note: 'Kiểm tra thực tế cùng Ban phát triển thôn', criteria });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ state: 'draft', assessedOn, allowedEvents: expect.arrayContaining(['SUBMIT']) });
    if (evidence) {
      const up = await k.t.http
        .post(`/assessments/${res.body.id}/attachments`)
        .set('Authorization', commune.auth)
        .attach('file', pdfBytes('Bien ban kiem tra'), { filename: 'biên bản kiểm tra.pdf', contentType: 'application/pdf' });
      expect(up.status).toBe(201);
      expect(up.body.kind).toBe('evidence');
    }
    return res.body.id;
  }
  const send = (auth: string, id: string, body: Record<string, unknown>, lang = 'vi') =>
    k.t.http.post(`/assessments/${id}/events`).set('Authorization', auth).set('Accept-Language', lang).send(body);

  it('a confirmed assessment sets the flags it records and moves the report of the commune, the district and the province', async () => {
    const before = await flags(VILLAGE);
    const unmet = before.filter((f) => !f.met).map((f) => f.code);
    const met = before.filter((f) => f.met).map((f) => f.code);
    expect(unmet.length).toBeGreaterThan(1);
    expect(met.length).toBeGreaterThan(0);
    const [gain1, gain2] = unmet;
    const loss = met[0];
    const scopes = { commune: k.unit('LS-TD-01').id, district: k.unit('LS-TD').id };
    const reports = async () => ({
      commune: await progress(k, province.auth, { unitId: scopes.commune }),
      district: await progress(k, province.auth, { unitId: scopes.district }),
      province: await progress(k, province.auth),
      own: await progress(k, commune.auth),
    });
    const was = await reports();
    expect(was.own).toEqual(was.commune);

    const id = await record([
      { code: gain1, met: true },
      { code: gain2, met: true },
      { code: loss, met: false },
    ]);
    const submitted = await send(commune.auth, id, { type: 'SUBMIT' });
    expect(submitted.status).toBe(200);
    expect(submitted.body.state).toBe('review');
    expect(submitted.body.deadlines.some((d: { kind: string }) => d.kind === 'due')).toBe(true);
    // Nothing changes before it is confirmed.
    expect(await flags(VILLAGE)).toEqual(before);
    expect((await reports()).province.criteria).toEqual(was.province.criteria);

    const confirmed = await send(reviewer.auth, id, { type: 'CONFIRM', comment: 'Đúng thực tế' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ state: 'confirmed', allowedEvents: [] });

    const after = await flags(VILLAGE);
    for (const f of after) {
      if (f.code === gain1 || f.code === gain2) expect(f).toEqual({ code: f.code, met: true, source: 'assessment' });
      else if (f.code === loss) expect(f).toEqual({ code: f.code, met: false, source: 'assessment' });
      else expect(f).toEqual(before.find((b) => b.code === f.code));
    }
    const now = await reports();
    for (const scope of ['commune', 'district', 'province'] as const) {
      const metOf = (r: Record<string, any>, code: number) => r.criteria.find((c: { code: number }) => c.code === code).met;
      expect(metOf(now[scope], gain1)).toBe(metOf(was[scope], gain1) + 1);
      expect(metOf(now[scope], gain2)).toBe(metOf(was[scope], gain2) + 1);
      expect(metOf(now[scope], loss)).toBe(metOf(was[scope], loss) - 1);
      const total = now[scope].villages.total;
      expect(now[scope].averageCriteriaMet).toBe(Math.round(((was[scope].averageCriteriaMet * total + 1) / total) * 100) / 100);
      // The baseline does not move with progress.
      expect(now[scope].criteria.map((c: { baseline: number }) => c.baseline)).toEqual(
        was[scope].criteria.map((c: { baseline: number }) => c.baseline),
      );
      expect(now[scope].flagSources.assessment).toBe(was[scope].flagSources.assessment + 3);
      expect(now[scope].estimated).toBe(true);
      expect(now[scope].note.vi).toMatch(/ước tính/);
    }
    expect(now.own.criteria).toEqual(now.commune.criteria);

    const history = await k.t.http.get(`/villages/${k.unit(VILLAGE).id}/criteria/history`).set('Authorization', commune.auth);
    expect(history.status).toBe(200);
    expect(history.body.items.map((x: { criterion: number }) => x.criterion).sort()).toEqual([gain1, gain2, loss].sort());
    for (const x of history.body.items) {
      expect(x).toMatchObject({ cause: { kind: 'assessment', id }, by: { id: reviewer.id } });
      expect(x.to).toBe(x.criterion !== loss);
      expect(x.from).toBe(!x.to);
    }
    const current = await k.t.http.get(`/villages/${k.unit(VILLAGE).id}/criteria`).set('Authorization', reviewer.auth);
    expect(current.body.find((c: { code: number }) => c.code === gain1)).toMatchObject({ met: true, source: 'assessment' });
  }, 60_000);

  it('a cursor the lists did not give is a 400 in Vietnamese, not a database error', async () => {
    const garbage = Buffer.from('not-a-time|x').toString('base64url');
    for (const path of [`/villages/${k.unit(VILLAGE).id}/assessments`, `/villages/${k.unit(VILLAGE).id}/criteria/history`]) {
      const res = await k.t.http.get(`${path}?cursor=${garbage}`).set('Authorization', commune.auth);
      expect({ path, status: res.status, message: res.body.message }).toEqual({
        path,
        status: 400,
        message: 'Tham số “cursor” không hợp lệ (dùng nextCursor của trang trước)',
      });
    }
  });

  it('a returned assessment changes nothing; the commune revises and submits again', async () => {
    const before = await flags(VILLAGE);
    const target = before.find((f) => !f.met)?.code ?? before[0].code;
    const id = await record([{ code: target, met: !before.find((f) => f.code === target)!.met }]);
    expect((await send(commune.auth, id, { type: 'SUBMIT' })).status).toBe(200);
    const returned = await send(reviewer.auth, id, { type: 'RETURN', reason: 'Thiếu ảnh hiện trạng' });
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ state: 'returned', returnReason: 'Thiếu ảnh hiện trạng' });
    expect(await flags(VILLAGE)).toEqual(before);
    const changes = await k.db.query(`SELECT count(*)::int AS n FROM village_criterion_changes WHERE cause_id = $1`, [id]);
    expect(changes.rows[0].n).toBe(0);

    // While returned the commune may change it, with If-Match.
    const got = await k.t.http.get(`/assessments/${id}`).set('Authorization', commune.auth);
    const patched = await k.t.http
      .patch(`/assessments/${id}`)
      .set('Authorization', commune.auth)
      .set('If-Match', got.headers.etag)
      .send({ note: 'Đã bổ sung ảnh' });
    expect(patched.status).toBe(200);
    expect(patched.body.note).toBe('Đã bổ sung ảnh');
    const stale = await k.t.http
      .patch(`/assessments/${id}`)
      .set('Authorization', commune.auth)
      .set('If-Match', got.headers.etag)
      .send({ note: 'x' });
    expect(stale.status).toBe(409);
    expect((await send(commune.auth, id, { type: 'SUBMIT' })).body.state).toBe('review');
  }, 60_000);

  it('a commune officer cannot confirm, nor a reviewer of another district; nothing is written', async () => {
    const before = await flags(VILLAGE);
    const id = await record([{ code: 1, met: !before[0].met }]);
    expect((await send(commune.auth, id, { type: 'SUBMIT' })).status).toBe(200);
    const events = async () =>
      (
        await k.db.query(
          `SELECT count(*)::int AS n FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id WHERE i.subject_id = $1`,
          [id],
        )
      ).rows[0].n;
    const n = await events();
    const byCommune = await send(commune.auth, id, { type: 'CONFIRM' });
    expect(byCommune.status).toBe(403);
    expect(byCommune.body.message).toMatch(/không có quyền/i);
    expect((await send(otherReviewer.auth, id, { type: 'CONFIRM' })).status).toBe(404);
    expect(await events()).toBe(n);
    expect(await flags(VILLAGE)).toEqual(before);
    // It waits in the district reviewer's inbox, not in the other district's.
    const tasks = await k.t.http.get('/tasks').set('Authorization', reviewer.auth);
    expect(tasks.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ subjectType: 'assessment', subjectId: id, action: 'confirm_assessment' })]),
    );
    const others = await k.t.http.get('/tasks').set('Authorization', otherReviewer.auth);
    expect(others.body.map((t: { subjectId: string }) => t.subjectId)).not.toContain(id);
  });

  it('SUBMIT needs evidence (422 with its rule, in Vietnamese); a reviewer cannot record one; a bad date is 400', async () => {
    const id = await record([{ code: 2, met: true }], false);
    const refused = await send(commune.auth, id, { type: 'SUBMIT' });
    expect(refused.status).toBe(422);
    expect(refused.body.rule).toBe('assessment_evidence_required');
    expect(refused.body.message).toBe('Vui lòng đính kèm ít nhất một tài liệu minh chứng trước khi gửi kết quả đánh giá');
    expect((await k.t.http.get(`/assessments/${id}`).set('Authorization', commune.auth)).body.state).toBe('draft');
    const byReviewer = await k.t.http
      .post(`/villages/${k.unit(VILLAGE).id}/assessments`)
      .set('Authorization', reviewer.auth)
      .send({ assessedOn: '2026-11-30', criteria: [{ code: 1, met: true }] });
    expect(byReviewer.status).toBe(403);
    const badDate = await k.t.http
      .post(`/villages/${k.unit(VILLAGE).id}/assessments`)
      .set('Authorization', commune.auth)
      .send({ assessedOn: '2026-02-30', criteria: [{ code: 1, met: true }] });
    expect(badDate.status).toBe(400);
    const list = await k.t.http
      .get(`/villages/${k.unit(VILLAGE).id}/assessments`)
      .query({ limit: 2 })
      .set('Authorization', reviewer.auth);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const next = await k.t.http
      .get(`/villages/${k.unit(VILLAGE).id}/assessments`)
      .query({ limit: 2, cursor: list.body.nextCursor })
      .set('Authorization', reviewer.auth);
    expect(next.body.items.length).toBeGreaterThan(0);
    expect(next.body.items.map((a: { id: string }) => a.id)).not.toContain(list.body.items[0].id);
  });

  it("the village's page lists its flags with their source and every change with its cause, in Vietnamese, dates dd/mm/yyyy", async () => {
    const c = new WebClient(k.t);
    await c.signIn(commune.username, commune.password);
    const list = await c.get('/app/villages');
    expect(list.text).toContain(`href="/app/villages/${k.unit(VILLAGE).id}"`);
    const page = await c.get(`/app/villages/${k.unit(VILLAGE).id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Hiện trạng 16 tiêu chí');
    expect(page.text).toContain('Kết quả đánh giá đã xác nhận');
    expect(page.text).toContain('Số liệu ước tính khi khởi tạo');
    expect(page.text).toContain('Lịch sử thay đổi tiêu chí');
    expect(page.text).toContain('Kết quả đánh giá được xác nhận');
    expect(page.text).toContain('30/11/2026');
    expect(page.text).toMatch(/Chưa đạt → Đạt/);
    expect(page.text).toMatch(/\d{2}\/\d{2}\/\d{4}/);
    // Outside the caller's commune: not found.
    const other = await c.get(`/app/villages/${k.unit('LS-CL').id}`);
    expect(other.status).toBe(404);
  });

  it('the newest facts win: an older assessment confirmed after a newer one or an import is recorded, not applied', async () => {
    const village = k.unit(VILLAGE).id;
    const flag = async (code: number) =>
      (
        await k.db.query(
          `SELECT met, source, to_char(facts_on, 'YYYY-MM-DD') AS facts_on FROM village_criteria WHERE village_id = $1 AND criterion_code = $2`,
          [village, code],
        )
      ).rows[0] as { met: boolean; source: string; facts_on: string | null };
    const changesOf = async (assessmentId: string) =>
      (
        await k.t.http.get(`/villages/${village}/criteria/history`).query({ limit: 500 }).set('Authorization', commune.auth)
      ).body.items.filter((x: { cause: { id: string } }) => x.cause.id === assessmentId);
    const confirm = async (id: string) => {
      expect((await send(commune.auth, id, { type: 'SUBMIT' })).status).toBe(200);
      expect((await send(reviewer.auth, id, { type: 'CONFIRM', comment: 'Đúng thực tế' })).body.state).toBe('confirmed');
    };
    // A criterion no test has dated yet (still the seed's estimate).
    const { rows } = await k.db.query(
      `SELECT criterion_code::int AS code, met FROM village_criteria WHERE village_id = $1 AND facts_on IS NULL ORDER BY 1 LIMIT 2`,
      [village],
    );
    const [d, c] = rows as { code: number; met: boolean }[];

    // Two assessments of criterion d: of 01/12 and of 25/11, confirmed in that order. The one of 01/12 stands.
    const newer = await record([{ code: d.code, met: !d.met }], true, '2026-12-01');
    const older = await record([{ code: d.code, met: d.met }], true, '2026-11-25');
    await confirm(newer);
    expect(await flag(d.code)).toEqual({ met: !d.met, source: 'assessment', facts_on: '2026-12-01' });
    await confirm(older);
    expect(await flag(d.code)).toEqual({ met: !d.met, source: 'assessment', facts_on: '2026-12-01' });
    expect(await changesOf(older)).toEqual([
      expect.objectContaining({
        criterion: d.code,
        from: !d.met,
        to: d.met,
        factsOn: '2026-11-25',
        applied: false,
        supersededBy: { factsOn: '2026-12-01' },
      }),
    ]);
    expect(await changesOf(newer)).toEqual([expect.objectContaining({ applied: true, supersededBy: null, factsOn: '2026-12-01' })]);

    // An import today dates every flag of the village today; an assessment of 30/11 confirmed after it changes nothing.
    const current = await k.t.http.get(`/villages/${village}/criteria`).set('Authorization', commune.auth);
    const marks = (current.body as { met: boolean }[]).map((f) => (f.met ? '1' : '0'));
    const header = ['Mã thôn', ...Array.from({ length: 16 }, (_, i) => `TC${i + 1}`)];
    const file = Buffer.from([header, [VILLAGE, ...marks]].map((r) => r.join(',')).join('\r\n') + '\r\n', 'utf8');
    const imported = await k.t.http
      .post('/villages/criteria/import')
      .set('Authorization', k.admin)
      .attach('file', file, { filename: 'tieu-chi.csv', contentType: 'text/csv' });
    expect(imported.status).toBe(200);
    expect(imported.body.changed).toBe(0);
    const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
    expect(await flag(c.code)).toEqual({ met: c.met, source: 'import', facts_on: today });
    const stale = await record([{ code: c.code, met: !c.met }]);
    await confirm(stale);
    expect(await flag(c.code)).toEqual({ met: c.met, source: 'import', facts_on: today });
    expect(await changesOf(stale)).toEqual([
      expect.objectContaining({ from: c.met, to: !c.met, factsOn: '2026-11-30', applied: false, supersededBy: { factsOn: today } }),
    ]);
    // An assessment of the same day as the import, confirmed after it, is as new: it applies.
    const sameDay = await record([{ code: c.code, met: !c.met }], true, today);
    await confirm(sameDay);
    expect(await flag(c.code)).toEqual({ met: !c.met, source: 'assessment', facts_on: today });
    expect(await changesOf(sameDay)).toEqual([expect.objectContaining({ applied: true, factsOn: today })]);

    // The village's page says which change was not applied and why.
    const web = new WebClient(k.t);
    await web.signIn(commune.username, commune.password);
    const page = await web.get(`/app/villages/${village}`);
    expect(page.text).toContain(`Không áp dụng: tiêu chí đã có số liệu mới hơn, ngày ${today.split('-').reverse().join('/')}`);
    expect(page.text).toContain('Không áp dụng: tiêu chí đã có số liệu mới hơn, ngày 01/12/2026');
  }, 90_000);
});

import pg from 'pg';
import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import { createUser } from './support/fixtures.js';
import { textOf, WebClient } from './support/web-client.js';

/**
 * The pages over HTTP as a browser without JavaScript uses them: sign-in and sessions, CSRF, the inbox, the
 * villages, the dossier page's forms for each role, the village page's assessment form and the assessment page
 * (evidence, submit, return, confirm; the village page's lists paged), the refusals beside their fields, and
 * the addresses emails link to. The whole flow in a real browser is web-browser.e2e.spec.ts.
 */
describe('web pages', () => {
  let t: TestApp;
  let db: pg.Client;
  let admin: string;
  const users: Record<string, { username: string; password: string; id: string }> = {};
  const unitId = async (code: string) => (await db.query('SELECT id FROM units WHERE code = $1', [code])).rows[0].id as string;
  const stateOf = async (id: string) =>
    (await db.query(`SELECT state FROM workflow_instances WHERE subject_type = 'dossier' AND subject_id = $1`, [id])).rows[0]
      .state as string;

  beforeAll(async () => {
    t = await startTestApp('web_pages', {
      DEADLINE_OVERRIDES: 'certification.consultation=PT1S',
      LOGIN_MAX_FAILURES: '3',
      MAX_UPLOAD_MB: '1',
    });
    db = new pg.Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    admin = await t.login(ADMIN.username, ADMIN.password);
    const wanted = [
      { key: 'commune', role: 'COMMUNE_STAFF', unit: 'LS-TD-01', fullName: 'Hoàng Thị Mai' },
      { key: 'otherCommune', role: 'COMMUNE_STAFF', unit: 'LS-TD-02', fullName: 'Lý Văn Tài' },
      { key: 'reviewer', role: 'REVIEWER', unit: 'LS-TD', fullName: 'Nông Văn Bình' },
      { key: 'province', role: 'PROVINCE_OFFICER', unit: 'LS', fullName: 'Vi Thị Hạnh' },
      { key: 'throttled', role: 'COMMUNE_STAFF', unit: 'LS-TD-01', fullName: 'Người bị khóa' },
      { key: 'leaver', role: 'COMMUNE_STAFF', unit: 'LS-TD-01', fullName: 'Người nghỉ việc' },
    ];
    for (const w of wanted) {
      const created = await createUser(t, admin, { role: w.role, unitId: await unitId(w.unit), fullName: w.fullName });
      users[w.key] = { username: created.username, password: created.password, id: created.user.id as string };
    }
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const signedIn = async (key: string) => {
    const c = new WebClient(t);
    await c.signIn(users[key].username, users[key].password);
    return c;
  };

  it('leads a stranger from / to the sign-in form, in Vietnamese', async () => {
    const c = new WebClient(t);
    const root = await c.get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/app');
    const inbox = await c.get('/app');
    expect(inbox.status).toBe(303);
    expect(inbox.headers.location).toBe('/app/sign-in?next=%2Fapp');
    const form = await c.follow(inbox);
    expect(form.status).toBe(200);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.text).toContain('<html lang="vi">');
    expect(textOf(form.text)).toContain('Tên đăng nhập');
    expect(textOf(form.text)).toContain('Mật khẩu');
  });

  it('signs in with a server-side session in an HttpOnly, SameSite=Lax cookie and shows who is signed in', async () => {
    const c = new WebClient(t);
    await c.get('/app/sign-in');
    const res = await c.post('/app/sign-in', { username: users.commune.username, password: users.commune.password, next: '/app' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/app');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith('ntm_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // PUBLIC_URL is http here
    const token = /ntm_session=([^;]+)/.exec(cookie)![1];
    const { rows } = await db.query('SELECT user_id FROM sessions');
    expect(rows.map((r) => r.user_id)).toContain(users.commune.id);
    // The table holds a digest, never the cookie's token.
    expect((await db.query('SELECT 1 FROM sessions WHERE id = $1', [token])).rowCount).toBe(0);
    const inbox = await c.follow(res);
    const text = textOf(inbox.text);
    expect(text).toContain('Hoàng Thị Mai');
    expect(text).toContain('Cán bộ UBND xã');
    expect(text).toContain('Việc cần làm');
    expect(text).toContain('Đăng xuất');
  });

  it('keeps the username and says what was wrong when the password is wrong', async () => {
    const c = new WebClient(t);
    await c.get('/app/sign-in');
    const res = await c.post('/app/sign-in', { username: users.commune.username, password: 'sai-mat-khau', next: '/app' });
    expect(res.status).toBe(401);
    expect(textOf(res.text)).toContain('Sai tên đăng nhập hoặc mật khẩu');
    expect(res.text).toContain(`value="${users.commune.username}"`);
    expect(c.cookies.has('ntm_session')).toBe(false);
  });

  it('refuses a sign-in form without its CSRF token', async () => {
    const c = new WebClient(t);
    const res = await c.post('/app/sign-in', { username: users.commune.username, password: users.commune.password }, { csrf: false });
    expect(res.status).toBe(403);
    expect(c.cookies.has('ntm_session')).toBe(false);
  });

  it('throttles the sign-in form like the API', async () => {
    const c = new WebClient(t);
    await c.get('/app/sign-in');
    for (let i = 0; i < 3; i++) {
      expect((await c.post('/app/sign-in', { username: users.throttled.username, password: 'wrong-password' })).status).toBe(401);
    }
    const locked = await c.post('/app/sign-in', { username: users.throttled.username, password: users.throttled.password });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(textOf(locked.text)).toContain('Đăng nhập sai quá nhiều lần');
    // The API's counter is the same one.
    expect((await t.http.post('/auth/login').send({ username: users.throttled.username, password: users.throttled.password })).status).toBe(
      429,
    );
  });

  it('switches to English and remembers it', async () => {
    const c = await signedIn('commune');
    const res = await c.get('/app/language/en?next=%2Fapp%2Fvillages');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/app/villages');
    const page = await c.follow(res);
    expect(page.text).toContain('<html lang="en">');
    expect(textOf(page.text)).toContain("The commune's villages");
    expect(textOf((await c.get('/app')).text)).toContain('To do');
    // Only pages of this service are followed back to, re-encoded so that any address can be one.
    expect((await c.get('/app/language/vi?next=https%3A%2F%2Fevil.example')).headers.location).toBe('/app');
    const accented = await c.get('/app/language/vi?next=%2Fapp%2Fdossiers%3Fq%3D%C4%83');
    expect(accented.status).toBe(303);
    expect(accented.headers.location).toBe('/app/dossiers?q=%C4%83');
  });

  let dossierId: string;

  it("lists the commune's villages with their 16 marks and opens a dossier from the form", async () => {
    const c = await signedIn('commune');
    const page = await c.get('/app/villages');
    expect(page.status).toBe(200);
    expect(page.text).toContain('class="strip"');
    const villageId = await unitId('LS-TD-01-01');
    const bad = await c.post('/app/dossiers', { villageId, year: '19' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="year-error"[^>]*>Năm phải từ 2000 đến 2100/);
    expect(bad.text).toContain('value="19"');
    const created = await c.post('/app/dossiers', { villageId, year: '2026' });
    expect(created.status).toBe(303);
    dossierId = /^\/app\/dossiers\/([^?]+)\?done=created$/.exec(created.headers.location)![1];
    const dossier = await c.follow(created);
    expect(dossier.status).toBe(200);
    expect(textOf(dossier.text)).toContain('Đã lập hồ sơ');
    expect(textOf(dossier.text)).toContain('Đang tự đánh giá');
    // A second dossier for the same village and year is refused on the same page, with the reason.
    const again = await c.post('/app/dossiers', { villageId, year: '2026' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('class="alert"');
  });

  it('refuses to open the posting while a criterion is not assessed, with the reason on the page', async () => {
    const c = await signedIn('commune');
    const page = await c.get(`/app/dossiers/${dossierId}`);
    // When the posting would end if opened today, in working days from the calendar.
    expect(textOf(page.text)).toMatch(/Nếu niêm yết hôm nay, thời gian niêm yết kết thúc: \d{2}\/\d{2}\/\d{4}/);
    const res = await c.post(`/app/dossiers/${dossierId}/events`, { type: 'OPEN_CONSULTATION' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('class="alert"');
    expect(await stateOf(dossierId)).toBe('draft');
  });

  it('saves the 16 criteria from one form and opens the posting', async () => {
    const c = await signedIn('commune');
    await c.get(`/app/dossiers/${dossierId}`);
    const form: Record<string, string> = {};
    for (let code = 1; code <= 16; code++) {
      form[`met_${code}`] = 'true';
      form[`note_${code}`] = `Tiêu chí ${code}: đạt theo báo cáo của xã`;
    }
    const saved = await c.post(`/app/dossiers/${dossierId}/criteria`, form);
    expect(saved.status).toBe(303);
    const page = await c.follow(saved);
    expect(textOf(page.text)).toContain('Đã lưu.');
    expect((await db.query('SELECT count(*)::int AS n FROM dossier_criteria WHERE dossier_id = $1 AND met', [dossierId])).rows[0].n).toBe(
      16,
    );
    const opened = await c.post(`/app/dossiers/${dossierId}/events`, { type: 'OPEN_CONSULTATION' });
    expect(opened.status).toBe(303);
    await waitFor(async () => (await stateOf(dossierId)) === 'ready_to_submit', { what: 'the posting to end' });
  });

  it('refuses a form posted without its CSRF token and changes nothing', async () => {
    const c = await signedIn('commune');
    await c.get(`/app/dossiers/${dossierId}`);
    const res = await c.post(`/app/dossiers/${dossierId}/events`, { type: 'WITHDRAW', confirm: 'yes' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(textOf(res.text)).toContain('Biểu mẫu đã hết hiệu lực');
    const forged = await c.post(`/app/dossiers/${dossierId}/events`, { type: 'WITHDRAW', confirm: 'yes', _csrf: 'forged' });
    expect(forged.status).toBe(403);
    // Multipart is no way around the token: only the upload route reads it among its fields.
    const multipart = await t.http
      .post(`/app/dossiers/${dossierId}/events`)
      .set('Cookie', [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
      .field('type', 'WITHDRAW')
      .field('confirm', 'yes')
      .redirects(0);
    expect(multipart.status).toBe(403);
    // A link cannot make the page claim something was done.
    expect(textOf((await c.get(`/app/dossiers/${dossierId}?done=Đã%20phê%20duyệt%20vốn`)).text)).not.toContain('Đã thực hiện');
    expect(await stateOf(dossierId)).toBe('ready_to_submit');
  });

  it('asks for the confirmation before withdrawing', async () => {
    const c = await signedIn('commune');
    await c.get(`/app/dossiers/${dossierId}`);
    const res = await c.post(`/app/dossiers/${dossierId}/events`, { type: 'WITHDRAW' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="WITHDRAW-confirm-error"[^>]*>Vui lòng đánh dấu ô xác nhận/);
    expect(await stateOf(dossierId)).toBe('ready_to_submit');
  });

  it('keeps the typed households when SUBMIT is refused, with the reason beside the field', async () => {
    const c = await signedIn('commune');
    await c.get(`/app/dossiers/${dossierId}`);
    const bad = await c.post(`/app/dossiers/${dossierId}/events`, {
      type: 'SUBMIT',
      householdsRepresented: '120',
      householdsAgreeing: '-3',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="SUBMIT-householdsAgreeing-error"[^>]*>Nhập số hộ là số nguyên không âm/);
    expect(bad.text).toContain('value="-3"');
    // More agreeing than present: the service's refusal, beside the field it is about.
    const over = await c.post(`/app/dossiers/${dossierId}/events`, {
      type: 'SUBMIT',
      householdsRepresented: '120',
      householdsAgreeing: '130',
    });
    expect(over.status).toBe(400);
    expect(over.text).toMatch(/id="SUBMIT-householdsAgreeing-error"[^>]*>Số hộ đồng ý \(130\) không được lớn hơn số hộ dự họp \(120\)/);
    // No documents attached yet: the rule's refusal, in Vietnamese, and the households kept.
    const refused = await c.post(`/app/dossiers/${dossierId}/events`, {
      type: 'SUBMIT',
      householdsRepresented: '120',
      householdsAgreeing: '114',
    });
    expect(refused.status).toBe(422);
    expect(textOf(refused.text)).toContain('tờ trình của UBND xã, báo cáo tự đánh giá và biên bản họp thôn');
    expect(refused.text).toContain('value="114"');
    expect(await stateOf(dossierId)).toBe('ready_to_submit');
  });

  it('uploads the documents from the page and submits', async () => {
    const c = await signedIn('commune');
    const page = await c.get(`/app/dossiers/${dossierId}`);
    const csrf = c.csrf()!;
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const uploaded = await t.http
      .post(`/app/dossiers/${dossierId}/attachments`)
      .set('Cookie', [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
      .field('_csrf', csrf)
      .field('kind', 'meeting_minutes')
      .attach('file', pdf, { filename: 'biên bản họp thôn.pdf', contentType: 'application/pdf' })
      .redirects(0);
    expect(page.status).toBe(200);
    expect(uploaded.status).toBe(303);
    const after = await c.follow(uploaded);
    expect(textOf(after.text)).toContain('biên bản họp thôn.pdf');
    const fileLink = /href="(\/app\/dossiers\/[^"]+\/files\/[^"]+)"/.exec(after.text)![1];
    const file = await c.get(fileLink);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toMatch(/^inline/);
    // An upload without the token is refused and keeps nothing.
    const forged = await t.http
      .post(`/app/dossiers/${dossierId}/attachments`)
      .set('Cookie', [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
      .field('kind', 'evidence')
      .attach('file', pdf, { filename: 'x.pdf', contentType: 'application/pdf' })
      .redirects(0);
    expect(forged.status).toBe(403);
    expect((await db.query('SELECT count(*)::int AS n FROM attachments WHERE dossier_id = $1', [dossierId])).rows[0].n).toBe(1);
    for (const kind of ['submission_letter', 'self_assessment_report']) {
      const res = await t.http
        .post(`/app/dossiers/${dossierId}/attachments`)
        .set('Cookie', [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
        .field('_csrf', csrf)
        .field('kind', kind)
        .attach('file', pdf, { filename: `${kind}.pdf`, contentType: 'application/pdf' })
        .redirects(0);
      expect(res.status).toBe(303);
    }
    const submitted = await c.post(`/app/dossiers/${dossierId}/events`, {
      type: 'SUBMIT',
      householdsRepresented: '120',
      householdsAgreeing: '114',
    });
    expect(submitted.status).toBe(303);
    expect(await stateOf(dossierId)).toBe('review');
  });

  it('answers a file over the limit with a page saying so after reading it, not with a reset connection', async () => {
    const c = await signedIn('commune');
    // A dossier that takes the commune's documents (the one in review takes none: refused before the body is read).
    const created = await c.post('/app/dossiers', { villageId: await unitId('LS-TD-01-03'), year: '2028' });
    const draft = /^\/app\/dossiers\/([^?]+)\?/.exec(created.headers.location)![1];
    await c.follow(created);
    const send = (id: string) =>
      t.http
        .post(`/app/dossiers/${id}/attachments`)
        .set('Cookie', [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
        .field('_csrf', c.csrf()!)
        .field('kind', 'evidence')
        .attach('file', Buffer.alloc(3 * 1024 * 1024, 0x25), { filename: 'qua-lon.pdf', contentType: 'application/pdf' })
        .redirects(0);
    const res = await send(draft);
    expect(res.status).toBe(413);
    expect(textOf(res.text)).toContain('1 MB');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    // To the dossier in review, the state refuses it first, on the dossier's page, without storing anything.
    const closed = await send(dossierId);
    expect(closed.status).toBe(409);
    expect(closed.headers['content-type']).toMatch(/^text\/html/);
    expect(closed.text).toContain('id="attach-error"');
  });

  it("answers another commune's dossier address with not found, as the API does", async () => {
    const c = await signedIn('otherCommune');
    const res = await c.get(`/app/dossiers/${dossierId}`);
    expect(res.status).toBe(404);
    expect(textOf(res.text)).toContain('Không tìm thấy hồ sơ');
  });

  it('offers a reviewer no sign-off and refuses one posted by hand', async () => {
    const c = await signedIn('reviewer');
    const page = await c.get(`/app/dossiers/${dossierId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="decision"');
    expect(page.text).not.toContain('value="SIGN_OFF"');
    const res = await c.post(`/app/dossiers/${dossierId}/events`, {
      type: 'SIGN_OFF',
      decisionNumber: '1/QĐ-UBND',
      decisionDate: '2026-12-01',
    });
    expect(res.status).toBe(403);
    expect(await stateOf(dossierId)).toBe('review');
  });

  it('refuses an upload posted by a reviewer through the pages, as the API does', async () => {
    const c = await signedIn('reviewer');
    await c.get(`/app/dossiers/${dossierId}`);
    const res = await t.http
      .post(`/app/dossiers/${dossierId}/attachments`)
      .set('Cookie', [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
      .field('_csrf', c.csrf()!)
      .field('kind', 'decision')
      .attach('file', Buffer.from('%PDF-1.4\n%%EOF\n'), { filename: 'qd.pdf', contentType: 'application/pdf' })
      .redirects(0);
    expect(res.status).toBe(403);
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM attachments WHERE dossier_id = $1 AND kind = 'decision'`, [dossierId])).rows[0].n,
    ).toBe(0);
  });

  it("opens an email's link on its page after sign-in", async () => {
    const c = new WebClient(t);
    const link = `/app/dossiers/${dossierId}`;
    const res = await c.get(link);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/app/sign-in?next=${encodeURIComponent(link)}`);
    const landed = await c.signIn(users.reviewer.username, users.reviewer.password, link);
    expect(landed.status).toBe(200);
    expect(textOf(landed.text)).toContain('Hồ sơ đề nghị công nhận');
  });

  it('ends the session at sign-out: the cookie and the old form token no longer work', async () => {
    const c = await signedIn('commune');
    await c.get(`/app/dossiers/${dossierId}`);
    const token = c.csrf()!;
    const session = c.cookies.get('ntm_session')!;
    const out = await c.post('/app/sign-out', {});
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/app/sign-in');
    c.cookies.set('ntm_session', session); // a copy of the cookie kept by someone
    expect((await c.get('/app')).status).toBe(303);
    const res = await c.post(`/app/dossiers/${dossierId}/events`, { type: 'WITHDRAW', confirm: 'yes', _csrf: token });
    expect(res.status).toBe(403);
    expect(await stateOf(dossierId)).toBe('review');
  });

  it("ends a deactivated user's sessions at once", async () => {
    const c = await signedIn('leaver');
    expect((await c.get('/app')).status).toBe(200);
    const res = await t.http.patch(`/users/${users.leaver.id}`).set('Authorization', admin).send({ active: false });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect((await c.get('/app')).status).toBe(303);
    const again = new WebClient(t);
    await again.get('/app/sign-in');
    expect((await again.post('/app/sign-in', { username: users.leaver.username, password: users.leaver.password })).status).toBe(401);
  });

  it('keeps a page under 100 KB', async () => {
    const c = await signedIn('reviewer');
    const page = await c.get(`/app/dossiers/${dossierId}`);
    expect(Buffer.byteLength(page.text)).toBeLessThan(100 * 1024);
  });

  it('answers an address under /app that is no page with a not-found page in HTML, not JSON', async () => {
    const stranger = new WebClient(t);
    expect((await stranger.get('/app/khong-co-trang-nay')).status).toBe(303);
    const c = await signedIn('commune');
    const res = await c.get('/app/khong-co-trang-nay/con');
    expect(res.status).toBe(404);
    expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
    expect(textOf(res.text)).toContain('Không có trang này');
    expect(res.text).toContain('href="/app"');
    // The API's own addresses keep their JSON answer.
    const api = await t.http.get('/khong-co').set('Authorization', admin);
    expect(api.status).toBe(404);
    expect(api.body.statusCode).toBe(404);
  });

  it('sends pages with a Content-Security-Policy that allows no inline script or style', async () => {
    const c = await signedIn('commune');
    const stranger = new WebClient(t);
    const pages = [
      ...(await Promise.all(['/app', '/app/villages', `/app/dossiers/${dossierId}`, '/app/nothing'].map((p) => c.get(p)))),
      await stranger.get('/app/sign-in'),
    ];
    for (const page of pages) {
      expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
    }
    // The API's own answers keep helmet's policy, which allows no inline script either.
    expect(String((await t.http.get('/health')).headers['content-security-policy'])).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('refuses a form from a page the dossier has changed since, keeping what was typed, and takes it again from the fresh page', async () => {
    const c = await signedIn('commune');
    const created = await c.post('/app/dossiers', { villageId: await unitId('LS-TD-01-02'), year: '2027' });
    expect(created.status).toBe(303);
    const id = /^\/app\/dossiers\/([^?]+)\?/.exec(created.headers.location)![1];
    const page = await c.follow(created);
    const etag = /name="etag" value="([^"]+)"/.exec(page.text)?.[1];
    expect(etag).toBeDefined();
    // Meanwhile a colleague changes criterion 1 through the API.
    const token = await t.login(users.commune.username, users.commune.password);
    const other = await t.http.put(`/dossiers/${id}/criteria/1`).set('Authorization', token).send({ met: false, note: 'Đồng nghiệp sửa' });
    expect(other.status).toBe(200);
    const stale = await c.post(`/app/dossiers/${id}/criteria`, {
      etag: etag!.replace(/&quot;/g, '"'),
      met_1: 'true',
      note_1: 'Ghi chú của tôi',
    });
    expect(stale.status).toBe(409);
    expect(textOf(stale.text)).toContain('Hồ sơ đã thay đổi kể từ khi bạn mở trang này');
    expect(stale.text).toContain('Ghi chú của tôi');
    const row = (await db.query('SELECT met, note FROM dossier_criteria WHERE dossier_id = $1 AND code = 1', [id])).rows[0];
    expect(row).toEqual({ met: false, note: 'Đồng nghiệp sửa' });
    // The refused page carries the dossier's new tag: sent from it, the form is taken.
    const fresh = /name="etag" value="([^"]+)"/.exec(stale.text)![1];
    expect(fresh).not.toBe(etag);
    const again = await c.post(`/app/dossiers/${id}/criteria`, {
      etag: fresh.replace(/&quot;/g, '"'),
      met_1: 'true',
      note_1: 'Ghi chú của tôi',
    });
    expect(again.status).toBe(303);
    expect((await db.query('SELECT note FROM dossier_criteria WHERE dossier_id = $1 AND code = 1', [id])).rows[0].note).toBe(
      'Ghi chú của tôi',
    );
    // An event's form is checked the same way: a withdrawal from the first page is refused.
    const withdraw = await c.post(`/app/dossiers/${id}/events`, { etag: etag!.replace(/&quot;/g, '"'), type: 'WITHDRAW', confirm: 'yes' });
    expect(withdraw.status).toBe(409);
    expect(await stateOf(id)).toBe('draft');
  });

  it('pages the dossiers list instead of cutting it, with what waits for review first', async () => {
    const c = await signedIn('otherCommune');
    const village = await unitId('LS-TD-02-01');
    for (let year = 2030; year < 2030 + 55; year++) {
      expect((await c.post('/app/dossiers', { villageId: village, year: String(year) })).status).toBe(303);
    }
    const expected = Number(
      (await db.query(`SELECT count(*)::int AS n FROM dossiers d JOIN units u ON u.id = d.village_id WHERE u.code LIKE 'LS-TD-%'`)).rows[0]
        .n,
    );
    expect(expected).toBeGreaterThan(55);
    const r = await signedIn('reviewer');
    const seen: string[] = [];
    let path: string | undefined = '/app/dossiers';
    let pages = 0;
    while (path) {
      const res = await r.get(path);
      expect(res.status).toBe(200);
      // The first page starts with the dossiers waiting for review; the "all" list follows.
      const sections: string[] = res.text.split('<section').slice(1);
      const all = sections[sections.length - 1];
      if (pages === 0) expect(textOf(sections[0])).toContain('Hồ sơ chờ thẩm định');
      seen.push(...[...all.matchAll(/href="\/app\/dossiers\/([0-9a-f-]{36})"/g)].map((m) => m[1]));
      const next = /<a href="([^"]+)" rel="next">/.exec(all)?.[1];
      path = next?.replace(/&amp;/g, '&');
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(expected);
  });

  // ---- criteria assessments: the village page's form and the assessment's page ----

  const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  const assessmentState = async (id: string) =>
    (await db.query(`SELECT state FROM workflow_instances WHERE subject_type = 'assessment' AND subject_id = $1`, [id])).rows[0]?.state as
      string | undefined;
  const flagsOf = async (villageId: string) =>
    new Map(
      (await db.query(`SELECT criterion_code::int AS code, met, source FROM village_criteria WHERE village_id = $1`, [villageId])).rows.map(
        (r) => [r.code as number, { met: r.met as boolean, source: r.source as string }],
      ),
    );
  const uploadEvidence = (c: WebClient, id: string, opts: { csrf?: string; bytes?: Buffer; name?: string } = {}) => {
    const req = t.http.post(`/app/assessments/${id}/attachments`).set('Cookie', [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if (opts.csrf !== '') req.field('_csrf', opts.csrf ?? c.csrf()!);
    return req
      .attach('file', opts.bytes ?? PDF, { filename: opts.name ?? 'biên bản kiểm tra.pdf', contentType: 'application/pdf' })
      .redirects(0);
  };
  let assessmentId: string;

  it("records an assessment from the village's page, each refusal beside its field with what was typed", async () => {
    const village = await unitId('LS-TD-01-04');
    const c = await signedIn('commune');
    const page = await c.get(`/app/villages/${village}`);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('Ghi kết quả đánh giá tiêu chí');
    expect(page.text).toContain(`action="/app/villages/${village}/assessments"`);
    // No criterion chosen: the message beside the criteria, the date and the note as typed.
    const none = await c.post(`/app/villages/${village}/assessments`, { assessedOn: '30/11/2026', note: 'Kiểm tra thực tế' });
    expect(none.status).toBe(400);
    expect(none.text).toMatch(/id="record-criteria-error"[^>]*>Chọn ít nhất một tiêu chí/);
    expect(none.text).toContain('value="30/11/2026"');
    expect(none.text).toContain('Kiểm tra thực tế</textarea>');
    // A date not written dd/mm/yyyy: beside the date, the marks kept.
    const malformed = await c.post(`/app/villages/${village}/assessments`, { met_3: 'true', met_5: 'false', assessedOn: '2026-11-30' });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toMatch(/id="record-assessedOn-error"[^>]*>Nhập ngày theo dạng dd\/mm\/yyyy/);
    expect(malformed.text).toContain('value="2026-11-30"');
    expect(malformed.text).toMatch(/id="record-met-3-yes"[^>]*checked/);
    expect(malformed.text).toMatch(/id="record-met-5-no"[^>]*checked/);
    // A date in the future, and a day that does not exist: the service's rule, beside the date, as typed.
    for (const day of ['31/12/2099', '30/02/2026']) {
      const refused = await c.post(`/app/villages/${village}/assessments`, { met_3: 'true', assessedOn: day });
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(new RegExp(`id="record-assessedOn-error"[^>]*>Ngày đánh giá ${day} không hợp lệ hoặc ở tương lai`));
      expect(refused.text).toContain(`value="${day}"`);
    }
    expect((await db.query('SELECT count(*)::int AS n FROM assessments WHERE village_id = $1', [village])).rows[0].n).toBe(0);
    // In English, the same refusal in English.
    await c.get(`/app/language/en?next=${encodeURIComponent(`/app/villages/${village}`)}`);
    const english = await c.post(`/app/villages/${village}/assessments`, { assessedOn: '30/11/2026' });
    expect(english.text).toMatch(/id="record-criteria-error"[^>]*>Choose at least one criterion/);
    await c.get('/app/language/vi?next=%2Fapp');
    const created = await c.post(`/app/villages/${village}/assessments`, {
      met_3: 'true',
      met_5: 'false',
      met_7: '',
      assessedOn: '1/12/2026',
      note: 'Kiểm tra thực tế cùng Ban phát triển thôn',
    });
    expect(created.status).toBe(303);
    assessmentId = /^\/app\/assessments\/([^?]+)\?done=recorded$/.exec(created.headers.location)![1];
    const landed = await c.follow(created);
    const text = textOf(landed.text);
    expect(text).toContain('Đã ghi kết quả đánh giá');
    expect(text).toContain('Đang lập kết quả đánh giá');
    expect(text).toContain('01/12/2026');
    expect(text).toContain('Kiểm tra thực tế cùng Ban phát triển thôn');
    expect(text).toMatch(/3\. [^]*Đạt/);
    expect(landed.text).toContain('value="SUBMIT"');
    expect(landed.text).not.toContain('value="CONFIRM"');
    const rows = (await db.query('SELECT code, met FROM assessment_criteria WHERE assessment_id = $1 ORDER BY code', [assessmentId])).rows;
    expect(rows).toEqual([
      { code: 3, met: true },
      { code: 5, met: false },
    ]);
  });

  it("offers the form only to the village's commune and refuses one posted by anyone else", async () => {
    const village = await unitId('LS-TD-01-04');
    const r = await signedIn('reviewer');
    const page = await r.get(`/app/villages/${village}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(`action="/app/villages/${village}/assessments"`);
    const byReviewer = await r.post(`/app/villages/${village}/assessments`, { met_3: 'true', assessedOn: '30/11/2026' });
    expect(byReviewer.status).toBe(403);
    const other = await signedIn('otherCommune');
    expect((await other.get(`/app/assessments/${assessmentId}`)).status).toBe(404);
    expect((await other.post(`/app/villages/${village}/assessments`, { met_3: 'true', assessedOn: '30/11/2026' })).status).toBe(404);
    expect((await db.query('SELECT count(*)::int AS n FROM assessments WHERE village_id = $1', [village])).rows[0].n).toBe(1);
  });

  it('takes the evidence on the assessment page, submits it, and the reviewer returns it only with a reason', async () => {
    const c = await signedIn('commune');
    await c.get(`/app/assessments/${assessmentId}`);
    // Without evidence, SUBMIT is refused with the rule's words.
    const early = await c.post(`/app/assessments/${assessmentId}/events`, { type: 'SUBMIT' });
    expect(early.status).toBe(422);
    expect(textOf(early.text)).toContain('Vui lòng đính kèm ít nhất một tài liệu minh chứng trước khi gửi kết quả đánh giá');
    expect(await assessmentState(assessmentId)).toBe('draft');
    expect((await uploadEvidence(c, assessmentId, { csrf: '' })).status).toBe(403);
    const uploaded = await uploadEvidence(c, assessmentId);
    expect(uploaded.status).toBe(303);
    const after = await c.follow(uploaded);
    expect(textOf(after.text)).toContain('Đã tải lên tài liệu');
    expect(textOf(after.text)).toContain('biên bản kiểm tra.pdf');
    const fileLink = /href="(\/app\/assessments\/[^"]+\/files\/[^"]+)"/.exec(after.text)![1];
    const file = await c.get(fileLink);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toMatch(/^inline/);
    expect(file.headers['content-type']).toBe('application/pdf');
    const submitted = await c.post(`/app/assessments/${assessmentId}/events`, {
      type: 'SUBMIT',
      etag: /name="etag" value="([^"]+)"/.exec(after.text)![1].replace(/&quot;/g, '"'),
    });
    expect(submitted.status).toBe(303);
    expect(await assessmentState(assessmentId)).toBe('review');
    const inReview = await c.follow(submitted);
    expect(textOf(inReview.text)).toContain('Chờ huyện xác nhận');
    expect(textOf(inReview.text)).toMatch(/Hạn xử lý: \d{2}:\d{2} \d{2}\/\d{2}\/\d{4} Còn \d+ ngày làm việc/);
    // Evidence is closed once submitted: no form, and one posted by hand is refused on the page.
    expect(inReview.text).not.toContain(`action="/app/assessments/${assessmentId}/attachments"`);
    const late = await uploadEvidence(c, assessmentId);
    expect(late.status).toBe(409);
    expect(late.text).toContain('id="attach-error"');

    // The reviewer finds it in the inbox, linked to its page.
    const r = await signedIn('reviewer');
    expect(r.lastPage).toContain(`href="/app/assessments/${assessmentId}"`);
    const review = await r.get(`/app/assessments/${assessmentId}`);
    expect(review.text).toContain('value="CONFIRM"');
    expect(review.text).toContain('value="RETURN"');
    expect(review.text).not.toContain('value="SUBMIT"');
    // A return with no reason (only spaces) is refused beside the reason.
    const blank = await r.post(`/app/assessments/${assessmentId}/events`, { type: 'RETURN', reason: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.text).toMatch(/id="RETURN-reason-error"[^>]*>Vui lòng nhập trường này/);
    expect(await assessmentState(assessmentId)).toBe('review');
    const returned = await r.post(`/app/assessments/${assessmentId}/events`, {
      type: 'RETURN',
      reason: 'Thiếu ảnh hiện trạng nhà văn hóa',
    });
    expect(returned.status).toBe(303);
    expect(await assessmentState(assessmentId)).toBe('returned');
    const back = await c.get(`/app/assessments/${assessmentId}`);
    expect(textOf(back.text)).toContain('Lý do trả lại: Thiếu ảnh hiện trạng nhà văn hóa');
    expect(textOf(back.text)).toContain('Trả lại để bổ sung');
    expect(back.text).toContain(`action="/app/assessments/${assessmentId}/attachments"`);
  });

  it('lets the commune correct a returned assessment on its page: a bad date beside the field, a stale page refused', async () => {
    const c = await signedIn('commune');
    const page = await c.get(`/app/assessments/${assessmentId}`);
    expect(page.text).toContain(`action="/app/assessments/${assessmentId}"`);
    expect(page.text).toMatch(/id="edit-assessedOn"[^>]*value="01\/12\/2026"/);
    expect(page.text).toMatch(/id="edit-met-3-yes"[^>]*checked/);
    expect(page.text).toMatch(/id="edit-met-7-skip"[^>]*checked/);
    const etag = /name="etag" value="([^"]+)"/.exec(page.text)![1].replace(/&quot;/g, '"');
    const bad = await c.post(`/app/assessments/${assessmentId}`, { etag, met_3: 'true', met_5: 'false', assessedOn: '32/13/2026' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="edit-assessedOn-error"[^>]*>Ngày đánh giá 32\/13\/2026 không hợp lệ hoặc ở tương lai/);
    expect(bad.text).toMatch(/id="edit-assessedOn"[^>]*value="32\/13\/2026"/);
    const form = { etag, met_3: 'true', met_5: 'false', met_9: 'true', assessedOn: '02/12/2026', note: 'Đã bổ sung ảnh hiện trạng' };
    const saved = await c.post(`/app/assessments/${assessmentId}`, form);
    expect(saved.status).toBe(303);
    const after = await c.follow(saved);
    expect(textOf(after.text)).toContain('Đã lưu.');
    expect(textOf(after.text)).toContain('Ngày đánh giá: 02/12/2026');
    expect(textOf(after.text)).toContain('Đã bổ sung ảnh hiện trạng');
    const codes = (await db.query('SELECT code FROM assessment_criteria WHERE assessment_id = $1 ORDER BY code', [assessmentId])).rows;
    expect(codes.map((r) => r.code)).toEqual([3, 5, 9]);
    // The same form again from the first page: the assessment changed since, so it is refused with what was typed.
    const stale = await c.post(`/app/assessments/${assessmentId}`, { ...form, note: 'Ghi chú cũ' });
    expect(stale.status).toBe(409);
    expect(textOf(stale.text)).toContain('Kết quả đánh giá đã thay đổi kể từ khi bạn mở trang này');
    expect(stale.text).toContain('Ghi chú cũ</textarea>');
    expect((await db.query('SELECT note FROM assessments WHERE id = $1', [assessmentId])).rows[0].note).toBe('Đã bổ sung ảnh hiện trạng');
    // A reviewer is offered no correction and is refused one posted by hand.
    const r = await signedIn('reviewer');
    expect((await r.get(`/app/assessments/${assessmentId}`)).text).not.toContain(`action="/app/assessments/${assessmentId}"`);
    expect((await r.post(`/app/assessments/${assessmentId}`, { ...form, etag: '' })).status).toBe(403);
  });

  it("confirms it from its page: the village's flags take its marks and the village page's history says so", async () => {
    const village = await unitId('LS-TD-01-04');
    const before = await flagsOf(village);
    const c = await signedIn('commune');
    await c.get(`/app/assessments/${assessmentId}`);
    expect((await c.post(`/app/assessments/${assessmentId}/events`, { type: 'SUBMIT' })).status).toBe(303);
    const r = await signedIn('reviewer');
    // The confirmation carries the page's entity tag, as the dossier page's forms do.
    await r.get(`/app/assessments/${assessmentId}`);
    const etag = /name="etag" value="([^"]+)"/.exec(r.lastPage)![1].replace(/&quot;/g, '"');
    const confirmed = await r.post(`/app/assessments/${assessmentId}/events`, { type: 'CONFIRM', comment: 'Đúng thực tế', etag });
    expect(confirmed.status).toBe(303);
    const page = await r.follow(confirmed);
    expect(textOf(page.text)).toContain('Đã thực hiện: Xác nhận kết quả đánh giá');
    expect(textOf(page.text)).toContain('Đã xác nhận');
    expect(textOf(page.text)).toContain('Đúng thực tế');
    expect(textOf(page.text)).toMatch(/Lịch sử xử lý toàn vẹn \(\d+ sự kiện đã kiểm tra\)/);
    expect(await assessmentState(assessmentId)).toBe('confirmed');
    const after = await flagsOf(village);
    expect(after.get(3)).toEqual({ met: true, source: 'assessment' });
    expect(after.get(5)).toEqual({ met: false, source: 'assessment' });
    expect(after.get(7)).toEqual(before.get(7));
    const villagePage = await c.get(`/app/villages/${village}`);
    const changes = villagePage.text.split('Lịch sử thay đổi tiêu chí')[1];
    // The seed's estimate has criterion 3 unmet in this village: the change, its cause and who confirmed it.
    expect(before.get(3)!.met).toBe(false);
    expect(textOf(changes)).toMatch(/3\. [^]*Chưa đạt → Đạt Kết quả đánh giá được xác nhận \d\d\/\d\d\/\d{4} Nông Văn Bình/);
    expect(changes).toContain(`href="/app/assessments/${assessmentId}"`);
  });

  it("pages the village's assessments and changes of its flags instead of reading them all", async () => {
    const village = await unitId('LS-TD-01-05');
    const commune = await t.login(users.commune.username, users.commune.password);
    const reviewer = await t.login(users.reviewer.username, users.reviewer.password);
    const flags = await flagsOf(village);
    // Two confirmed assessments that turn every flag over and back: 32 changes; 23 assessments in all.
    for (const flip of [true, false]) {
      const criteria = [...flags].map(([code, f]) => ({ code, met: flip ? !f.met : f.met }));
      const a = await t.http
        .post(`/villages/${village}/assessments`)
        .set('Authorization', commune)
        .send({ assessedOn: '2026-11-30', criteria });
      expect(a.status).toBe(201);
      const up = await t.http
        .post(`/assessments/${a.body.id}/attachments`)
        .set('Authorization', commune)
        .attach('file', PDF, { filename: 'x.pdf', contentType: 'application/pdf' });
      expect(up.status).toBe(201);
      expect((await t.http.post(`/assessments/${a.body.id}/events`).set('Authorization', commune).send({ type: 'SUBMIT' })).status).toBe(
        200,
      );
      expect((await t.http.post(`/assessments/${a.body.id}/events`).set('Authorization', reviewer).send({ type: 'CONFIRM' })).status).toBe(
        200,
      );
    }
    for (let i = 0; i < 21; i++) {
      const a = await t.http
        .post(`/villages/${village}/assessments`)
        .set('Authorization', commune)
        .send({ assessedOn: '2026-11-30', criteria: [{ code: 1, met: true }] });
      expect(a.status).toBe(201);
    }
    const c = await signedIn('commune');
    const collect = async (list: 'assessments' | 'changes') => {
      const seen: string[] = [];
      let path: string | undefined = `/app/villages/${village}`;
      let pages = 0;
      while (path) {
        const res = await c.get(path);
        expect(res.status).toBe(200);
        const section = res.text
          .split('<section')
          .find((x) => x.includes(list === 'assessments' ? 'Kết quả đánh giá tiêu chí</h2>' : 'Lịch sử thay đổi tiêu chí'))!;
        const rows = section.split('<tbody>')[1]?.split('</tbody>')[0] ?? '';
        seen.push(...rows.split('<tr>').slice(1));
        const next = new RegExp(`<a href="([^"]*${list}=[^"]+)">Xem thêm`).exec(section)?.[1];
        path = next?.replace(/&amp;/g, '&');
        pages++;
      }
      return { seen, pages };
    };
    const assessments = await collect('assessments');
    expect(assessments.pages).toBe(2);
    expect(assessments.seen).toHaveLength(23);
    const changes = await collect('changes');
    expect(changes.pages).toBe(2);
    expect(changes.seen).toHaveLength(32);
    const first = await c.get(`/app/villages/${village}`);
    expect((first.text.match(/<tr>/g) ?? []).length).toBeLessThanOrEqual(16 + 20 + 20 + 3);
  });
});

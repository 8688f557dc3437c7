import { AxeBuilder } from '@axe-core/playwright';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from './support/service-process.js';
import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import { createUser } from './support/fixtures.js';
import { startSmtpServer, type TestSmtpServer } from './support/notifications.js';

/**
 * One whole certification in a real browser (Debian's Chromium driven by playwright-core), each role signed in
 * through the form on a phone-sized screen: the commune fills the 16 criteria, attaches the minutes, opens the
 * posting and submits; the reviewer, arriving from the link in a real email, sends one criterion back and
 * returns the dossier; the commune corrects and resubmits; the reviewer approves; the province signs off; the
 * village shows as certified. Then a village's criteria assessment: the commune records it from the village's
 * page (refused first without a criterion and with a bad date, beside the field), attaches a PDF and submits; the
 * district's reviewer, from the inbox, is refused a return without a reason and confirms; the village's flag and
 * its history show the change. Screenshots of each step go to test/artifacts/web/ (not kept in git). axe-core
 * checks the sign-in, inbox, dossier, review, village and assessment pages for serious or critical violations.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test', 'artifacts', 'web');
const PHONE = { width: 360, height: 740 };

describe('the certification flow in a browser', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let db: pg.Client;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];
  const people: Record<string, { username: string; password: string; email: string }> = {};
  let shot = 0;
  /** What the browser refused under the pages' Content-Security-Policy (inline scripts or styles): none. */
  const cspRefusals: string[] = [];

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    smtp = await startSmtpServer();
    t = await startTestApp('web_browser', {
      PUBLIC_URL: base,
      MAIL_TRANSPORT: 'smtp',
      SMTP_URL: smtp.url,
      DEADLINE_OVERRIDES: 'certification.consultation=PT2S',
    });
    await t.app.listen(port, '127.0.0.1');
    db = new pg.Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    const admin = await t.login(ADMIN.username, ADMIN.password);
    const unitId = async (code: string) => (await db.query('SELECT id FROM units WHERE code = $1', [code])).rows[0].id as string;
    for (const [key, role, unit, fullName] of [
      ['commune', 'COMMUNE_STAFF', 'LS-TD-01', 'Hoàng Thị Mai'],
      ['reviewer', 'REVIEWER', 'LS-TD', 'Nông Văn Bình'],
      ['province', 'PROVINCE_OFFICER', 'LS', 'Vi Thị Hạnh'],
    ]) {
      const created = await createUser(t, admin, { role, unitId: await unitId(unit), fullName });
      people[key] = { username: created.username, password: created.password, email: created.user.email as string };
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await db?.end();
    await t?.close();
    await smtp?.close();
  });

  async function phone(): Promise<Page> {
    const context = await browser.newContext({ viewport: PHONE, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspRefusals.push(`${page.url()}: ${msg.text()}`);
    });
    return page;
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    shot += 1;
    await page.screenshot({ path: join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  }

  async function signIn(page: Page, who: string): Promise<void> {
    await page.getByLabel('Tên đăng nhập').fill(people[who].username);
    await page.getByLabel('Mật khẩu').fill(people[who].password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForLoadState();
  }

  async function noSeriousViolations(page: Page, what: string): Promise<void> {
    const result = await new AxeBuilder({ page }).analyze();
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect({ what, violations: serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`) }).toEqual({
      what,
      violations: [],
    });
  }

  const stateOf = async (id: string) =>
    (await db.query(`SELECT state FROM workflow_instances WHERE subject_type = 'dossier' AND subject_id = $1`, [id])).rows[0]?.state;

  /** Reloads the page until the dossier shows `state` in words. */
  async function untilShown(page: Page, words: string): Promise<void> {
    await waitFor(
      async () => {
        await page.reload();
        return (await page.locator('main').innerText()).includes(words);
      },
      { what: `the page to show “${words}”`, intervalMs: 300 },
    );
  }

  it('walks one village from self-assessment to certification, each role in its own browser', async () => {
    // ---- the commune ----
    const commune = await phone();
    await commune.goto(`${base}/`);
    await expect(commune.getByRole('heading', { name: 'Đăng nhập' })).toBeTruthy();
    await noSeriousViolations(commune, 'sign-in');
    await screenshot(commune, 'sign-in');
    await signIn(commune, 'commune');
    expect(new URL(commune.url()).pathname).toBe('/app');
    await noSeriousViolations(commune, 'inbox');
    await screenshot(commune, 'commune-inbox');

    await commune.getByRole('link', { name: 'Thôn của xã' }).click();
    await screenshot(commune, 'commune-villages');
    await commune.getByLabel('Thôn', { exact: true }).selectOption({ label: 'Thôn 1' });
    await commune.getByLabel('Năm').fill('2026');
    await commune.getByRole('button', { name: 'Lập hồ sơ' }).click();
    await commune.waitForURL(/\/app\/dossiers\/[^/?]+/);
    const dossierPath = new URL(commune.url()).pathname;
    const id = dossierPath.split('/').pop()!;
    expect(await commune.locator('main').innerText()).toContain('Đã lập hồ sơ');

    for (let code = 1; code <= 16; code++) {
      await commune.locator(`#met_${code}_yes`).check();
      await commune.locator(`#note_${code}`).fill(`Tiêu chí ${code} đạt theo báo cáo của xã`);
    }
    await screenshot(commune, 'commune-criteria-filled');
    await commune.getByRole('button', { name: 'Lưu' }).click();
    await commune.waitForLoadState();
    expect(await commune.locator('main').innerText()).toContain('Đã lưu.');
    await noSeriousViolations(commune, 'dossier');

    /** Uploads a small PDF of `kind` from the dossier page, as its user would. */
    const attach = async (page: Page, kind: string, name: string) => {
      await page.getByLabel('Loại tài liệu').selectOption(kind);
      await page.getByLabel('Tệp', { exact: true }).setInputFiles({
        name,
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
      });
      await page.getByRole('button', { name: 'Tải lên' }).click();
      await page.waitForLoadState();
      expect(await page.locator('main').innerText()).toContain(name);
    };
    await attach(commune, 'submission_letter', 'to-trinh.pdf');
    await attach(commune, 'self_assessment_report', 'bao-cao-tu-danh-gia.pdf');
    await attach(commune, 'meeting_minutes', 'bien-ban-hop-thon.pdf');

    await commune.getByRole('button', { name: 'Niêm yết lấy ý kiến nhân dân' }).click();
    await commune.waitForLoadState();
    await screenshot(commune, 'commune-posting');
    await untilShown(commune, 'Chờ nộp hồ sơ');
    await commune.getByLabel('Số hộ dự họp').fill('120');
    await commune.getByLabel('Số hộ đồng ý').fill('114');
    await commune.getByRole('button', { name: 'Nộp hồ sơ' }).click();
    await commune.waitForLoadState();
    expect(await stateOf(id)).toBe('review');
    await screenshot(commune, 'commune-submitted');

    // ---- the reviewer, from the email ----
    const mail = await waitFor(
      () => smtp.accepted.find((m) => m.to.includes(people.reviewer.email) && (m.parsed.text ?? '').includes(id)),
      {
        what: "the reviewer's email",
      },
    );
    const link = new RegExp(`${base}/app/dossiers/${id}`).exec(mail!.parsed.text ?? '')![0];
    const reviewer = await phone();
    await reviewer.goto(link);
    expect(new URL(reviewer.url()).pathname).toBe('/app/sign-in');
    await signIn(reviewer, 'reviewer');
    expect(new URL(reviewer.url()).pathname).toBe(dossierPath);
    await noSeriousViolations(reviewer, 'review');
    await screenshot(reviewer, 'reviewer-review');

    const review = async (code: number, decision: 'Đạt' | 'Yêu cầu bổ sung', comment?: string) => {
      const card = reviewer.locator(`#criterion-${code}`);
      await card.getByLabel(decision, { exact: true }).check();
      if (comment) await card.getByLabel('Ý kiến').fill(comment);
      await card.getByRole('button', { name: `Thẩm định ${code}` }).click();
      await reviewer.waitForLoadState();
    };
    await review(1, 'Yêu cầu bổ sung', 'Cần bổ sung biên bản nghiệm thu đường trục thôn');
    for (let code = 2; code <= 16; code++) await review(code, 'Đạt');
    await reviewer.locator('#form-RETURN').getByLabel('Ý kiến').fill('Đề nghị xã bổ sung tiêu chí 1');
    await reviewer.getByRole('button', { name: 'Trả lại hồ sơ để bổ sung' }).click();
    await reviewer.waitForLoadState();
    expect(await stateOf(id)).toBe('revision_requested');
    await screenshot(reviewer, 'reviewer-returned');

    // ---- the commune corrects ----
    await commune.goto(`${base}${dossierPath}`);
    const sentBack = commune.locator('#criterion-1');
    expect(await sentBack.innerText()).toContain('Cần bổ sung biên bản nghiệm thu đường trục thôn');
    await screenshot(commune, 'commune-sent-back');
    await commune.locator('#note_1').fill('Đã bổ sung biên bản nghiệm thu đường trục thôn');
    await commune.getByRole('button', { name: 'Lưu' }).click();
    await commune.waitForLoadState();
    await commune.getByRole('button', { name: 'Nộp lại hồ sơ' }).click();
    await commune.waitForLoadState();
    expect(await stateOf(id)).toBe('review');

    // ---- the reviewer approves ----
    await reviewer.goto(`${base}${dossierPath}`);
    await review(1, 'Đạt');
    await attach(reviewer, 'appraisal_report', 'bao-cao-tham-dinh.pdf');
    await reviewer.getByRole('button', { name: 'Đề nghị công nhận (trình cấp tỉnh)' }).click();
    await reviewer.waitForLoadState();
    expect(await stateOf(id)).toBe('province_review');
    await screenshot(reviewer, 'reviewer-forwarded');

    // ---- the province signs off ----
    const province = await phone();
    await province.goto(`${base}/app`);
    await signIn(province, 'province');
    await screenshot(province, 'province-inbox');
    await province
      .getByRole('link', { name: /Thôn 1/ })
      .first()
      .click();
    await province.waitForURL(new RegExp(dossierPath));
    await attach(province, 'decision', 'quyet-dinh-1234.pdf');
    await province.getByLabel('Số quyết định').fill('1234/QĐ-UBND');
    await province.getByLabel('Ngày quyết định').fill('2026-12-04');
    await screenshot(province, 'province-sign-off');
    await province.getByRole('button', { name: 'Ban hành quyết định công nhận' }).click();
    await province.waitForLoadState();
    expect(await stateOf(id)).toBe('certified');
    expect(await province.locator('main').innerText()).toContain('1234/QĐ-UBND, 04/12/2026');

    // ---- the village shows as certified ----
    await commune.goto(`${base}/app/villages`);
    const row = commune.locator('tr', { has: commune.getByRole('cell', { name: 'Thôn 1', exact: true }) });
    expect(await row.innerText()).toContain('Đã được công nhận đạt chuẩn');
    await screenshot(commune, 'commune-certified');

    // ---- the province revokes it, naming the criterion no longer met ----
    await province.goto(`${base}${dossierPath}`);
    await province.locator('#form-REVOKE').getByLabel('Lý do').fill('Tiêu chí 3 không còn đạt sau kiểm tra');
    await province.locator('#revoke-3').check();
    await province.getByRole('button', { name: 'Thu hồi quyết định công nhận' }).click();
    await province.waitForLoadState();
    expect(await stateOf(id)).toBe('revoked');
    expect(await province.locator('main').innerText()).toContain('Tiêu chí 3 không còn đạt sau kiểm tra');
    await screenshot(province, 'province-revoked');
  });

  it('refuses a file over the size limit in the browser before sending it', async () => {
    const page = await phone();
    await page.goto(`${base}/app`);
    await signIn(page, 'commune');
    await page.getByRole('link', { name: 'Thôn của xã' }).click();
    await page.getByLabel('Thôn', { exact: true }).selectOption({ label: 'Thôn 2' });
    await page.getByRole('button', { name: 'Lập hồ sơ' }).click();
    await page.waitForURL(/\/app\/dossiers\/[^/?]+/);
    const big = Buffer.alloc(t.config.maxUploadBytes + 1024, 0x25);
    await page.getByLabel('Tệp', { exact: true }).setInputFiles({ name: 'qua-lon.pdf', mimeType: 'application/pdf', buffer: big });
    expect(await page.locator('#file-error').innerText()).toContain('Tệp lớn hơn');
    const before = (await db.query('SELECT count(*)::int AS n FROM attachments')).rows[0].n;
    await page.getByRole('button', { name: 'Tải lên' }).click();
    // The browser keeps the form: nothing was sent.
    expect(await page.evaluate(() => (document.getElementById('file') as HTMLInputElement).validity.valid)).toBe(false);
    expect((await db.query('SELECT count(*)::int AS n FROM attachments')).rows[0].n).toBe(before);
    await screenshot(page, 'commune-file-too-large');
  });

  it("records a village's assessment with evidence, the district confirms it, and the village's page shows the change", async () => {
    const villageId = (await db.query(`SELECT id FROM units WHERE code = 'LS-TD-01-03'`)).rows[0].id as string;
    const flag = async (code: number) =>
      (await db.query('SELECT met, source FROM village_criteria WHERE village_id = $1 AND criterion_code = $2', [villageId, code])).rows[0];
    const unmet = (
      await db.query('SELECT criterion_code::int AS code FROM village_criteria WHERE village_id = $1 AND NOT met ORDER BY 1 LIMIT 1', [
        villageId,
      ])
    ).rows[0].code as number;
    const assessmentState = async (id: string) =>
      (await db.query(`SELECT state FROM workflow_instances WHERE subject_type = 'assessment' AND subject_id = $1`, [id])).rows[0]?.state;

    // ---- the commune records it, refused twice first ----
    const commune = await phone();
    await commune.goto(`${base}/app`);
    await signIn(commune, 'commune');
    await commune.getByRole('link', { name: 'Thôn của xã' }).click();
    await commune.getByRole('link', { name: 'Thôn 3', exact: true }).click();
    await commune.waitForURL(new RegExp(`/app/villages/${villageId}`));
    await noSeriousViolations(commune, 'village');
    await commune.getByLabel('Ngày đánh giá (dd/mm/yyyy)').fill('30/11/2026');
    await commune.getByLabel('Ghi chú').fill('Kiểm tra thực tế cùng Ban phát triển thôn');
    await commune.getByRole('button', { name: 'Ghi kết quả đánh giá tiêu chí' }).click();
    await commune.waitForLoadState();
    expect(await commune.locator('#record-criteria-error').innerText()).toContain('Chọn ít nhất một tiêu chí');
    expect(await commune.getByLabel('Ngày đánh giá (dd/mm/yyyy)').inputValue()).toBe('30/11/2026');
    expect(await commune.getByLabel('Ghi chú').inputValue()).toBe('Kiểm tra thực tế cùng Ban phát triển thôn');
    await screenshot(commune, 'commune-assessment-no-criterion');

    await commune.locator(`#record-met-${unmet}-yes`).check();
    await commune.getByLabel('Ngày đánh giá (dd/mm/yyyy)').fill('31/12/2099');
    await commune.getByRole('button', { name: 'Ghi kết quả đánh giá tiêu chí' }).click();
    await commune.waitForLoadState();
    expect(await commune.locator('#record-assessedOn-error').innerText()).toContain(
      'Ngày đánh giá 31/12/2099 không hợp lệ hoặc ở tương lai',
    );
    expect(await commune.getByLabel('Ngày đánh giá (dd/mm/yyyy)').inputValue()).toBe('31/12/2099');
    expect(await commune.locator(`#record-met-${unmet}-yes`).isChecked()).toBe(true);
    await commune.getByLabel('Ngày đánh giá (dd/mm/yyyy)').fill('30-11-2026');
    await commune.getByRole('button', { name: 'Ghi kết quả đánh giá tiêu chí' }).click();
    await commune.waitForLoadState();
    expect(await commune.locator('#record-assessedOn-error').innerText()).toContain('Nhập ngày theo dạng dd/mm/yyyy');
    expect(await commune.getByLabel('Ngày đánh giá (dd/mm/yyyy)').inputValue()).toBe('30-11-2026');
    await screenshot(commune, 'commune-assessment-bad-date');

    await commune.getByLabel('Ngày đánh giá (dd/mm/yyyy)').fill('30/11/2026');
    await commune.getByRole('button', { name: 'Ghi kết quả đánh giá tiêu chí' }).click();
    await commune.waitForURL(/\/app\/assessments\/[^/?]+/);
    const assessmentPath = new URL(commune.url()).pathname;
    const id = assessmentPath.split('/').pop()!;
    expect(await commune.locator('main').innerText()).toContain('Đã ghi kết quả đánh giá');
    await commune.getByLabel('Tệp', { exact: true }).setInputFiles({
      name: 'bien-ban-kiem-tra.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
    });
    await commune.getByRole('button', { name: 'Tải lên' }).click();
    await commune.waitForLoadState();
    expect(await commune.locator('main').innerText()).toContain('bien-ban-kiem-tra.pdf');
    await noSeriousViolations(commune, 'assessment');
    await screenshot(commune, 'commune-assessment-evidence');
    await commune.getByRole('button', { name: 'Gửi đề nghị xác nhận' }).click();
    await commune.waitForLoadState();
    expect(await assessmentState(id)).toBe('review');
    expect(await commune.locator('main').innerText()).toContain('Chờ huyện xác nhận');

    // ---- the district's reviewer, from the inbox ----
    const reviewer = await phone();
    await reviewer.goto(`${base}/app`);
    await signIn(reviewer, 'reviewer');
    await reviewer.locator(`a[href="/app/assessments/${id}"]`).click();
    await reviewer.waitForURL(new RegExp(assessmentPath));
    await noSeriousViolations(reviewer, 'assessment review');
    await reviewer.locator('#form-RETURN').getByLabel('Lý do').fill('   ');
    await reviewer.getByRole('button', { name: 'Trả lại để bổ sung' }).click();
    await reviewer.waitForLoadState();
    expect(await reviewer.locator('#RETURN-reason-error').innerText()).toContain('Vui lòng nhập trường này');
    expect(await assessmentState(id)).toBe('review');
    await screenshot(reviewer, 'reviewer-assessment-no-reason');
    await reviewer.locator('#form-CONFIRM').getByLabel('Ý kiến').fill('Đúng với thực tế');
    await reviewer.getByRole('button', { name: 'Xác nhận kết quả đánh giá' }).click();
    await reviewer.waitForLoadState();
    expect(await assessmentState(id)).toBe('confirmed');
    expect(await reviewer.locator('main').innerText()).toContain('Đã xác nhận');
    expect(await flag(unmet)).toEqual({ met: true, source: 'assessment' });
    await screenshot(reviewer, 'reviewer-assessment-confirmed');

    // ---- the village's page shows the flag and its change ----
    await commune.goto(`${base}/app/villages/${villageId}`);
    const history = await commune
      .locator('section', { has: commune.getByRole('heading', { name: 'Lịch sử thay đổi tiêu chí' }) })
      .innerText();
    expect(history).toMatch(new RegExp(`${unmet}\\. [^\\n]*\\s+Chưa đạt → Đạt\\s+Kết quả đánh giá được xác nhận`));
    const row = commune.locator('tr', { has: commune.getByRole('cell', { name: new RegExp(`^${unmet}\\. `) }) }).first();
    expect(await row.innerText()).toContain('Kết quả đánh giá đã xác nhận');
    await screenshot(commune, 'commune-village-changed');
  });

  it('ran every page of the walks under the Content-Security-Policy with nothing refused', () => {
    expect(cspRefusals).toEqual([]);
  });
});

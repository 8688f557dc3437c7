import { getQueueToken } from '@nestjs/bullmq';
import type { LoggerService } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { renderTemplate, TEMPLATE_NAMES, dueModeOf, type TemplateName } from '../src/notifications/templates.js';
import { ReconcilerService } from '../src/queues/reconciler.service.js';
import { payloadProblem, type JobDefinition } from '../src/queues/job-definition.js';
import { notifyJob } from '../src/notifications/notify-job.js';
import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import {
  createRecipient,
  deliveriesOf,
  describeVillage,
  emitNotify,
  loadNotifications,
  outboxStatus,
  startSmtpServer,
  unit,
  type NotificationsHarness,
  type ReceivedMail,
  type TestSmtpServer,
} from './support/notifications.js';

const PUBLIC_URL = 'https://ntm.langson.gov.vn';
const NEXT_DUE = new Date('2031-01-15T10:00:00Z'); // 15/01/2031 17:00 in Hà Nội
const PASSED_DUE = new Date('2026-11-20T03:30:00Z'); // 20/11/2026 10:30

/**
 * The notify job end to end against a real SMTP server: outbox row ▸ relay ▸ BullMQ ▸ handler ▸ nodemailer
 * (pooled SMTP) ▸ smtp-server, every message parsed with mailparser.
 */
describe('notifications: delivery over SMTP', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let n: NotificationsHarness;
  let admin: string;
  let village: { id: string; name: string; path: string };
  let communeVi: { id: string; email: string; fullName: string };
  let communeEn: { id: string; email: string; fullName: string };
  let serial = 0;
  const errors: string[] = [];
  // The application's logger: errors kept, for the failures that must be visible in the logs.
  const logger: LoggerService = {
    log: () => undefined,
    warn: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
    error: (message: unknown) => errors.push(String(message)),
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp('notifications_delivery', { MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url, PUBLIC_URL }, { logger });
    n = await loadNotifications(t.app);
    admin = await t.login(ADMIN.username, ADMIN.password);
    await n.pool.query(`UPDATE users SET active = false WHERE username LIKE 'demo.%'`);
    // Pò Háng, a border village of Bính Xá commune (Đình Lập district).
    village = await unit(n.pool, 'LS-DL-01-01');
    const commune = await unit(n.pool, 'LS-DL-01');
    communeVi = await createRecipient(t, admin, { role: 'COMMUNE_STAFF', unitId: commune.id, fullName: 'Hoàng Thị Lan', tag: 'lan' });
    communeEn = await createRecipient(t, admin, {
      role: 'COMMUNE_STAFF',
      unitId: commune.id,
      fullName: 'Lý Văn Đức',
      locale: 'en',
      tag: 'duc',
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  /** A new subject in village Pò Háng, described for the notify job. */
  async function subject(title?: { vi: string; en: string }) {
    const id = `s-${process.pid}-${++serial}`;
    n.subjects.set(id, await describeVillage(n.pool, village.id, title));
    return id;
  }

  const mailsOf = (subjectId: string, list: ReceivedMail[] = smtp.accepted) =>
    list.filter((m) => m.parsed.headers.get('x-ntm-subject') === `${n.subjectType}/${subjectId}`);

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const res = await t.http.get('/metrics').set('Authorization', admin);
    expect(res.status).toBe(200);
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = res.text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  const done = (outboxId: string, status = 'done', timeoutMs = 20_000) =>
    waitFor(async () => (await outboxStatus(n.pool, outboxId)) === status, { what: `outbox ${outboxId} ${status}`, timeoutMs });

  it('renders every template in Vietnamese and in English: UTF-8 subject, text and HTML parts, due date, link, Message-ID', async () => {
    const expected: { template: TemplateName; subjectId: string; outboxId: string }[] = [];
    const details = {
      comment: 'Thiếu <biên bản> họp thôn',
      reason: 'Tiêu chí 3 chưa đạt',
      decisionNumber: '1234/QĐ-UBND',
      decisionDate: '2026-12-05',
    };
    for (const template of TEMPLATE_NAMES) {
      const subjectId = await subject(
        template.startsWith('project_') || ['funds_allocated', 'insufficient_funds', 'acceptance_requested'].includes(template)
          ? { vi: 'Đường bê tông nội thôn', en: 'Village concrete road' }
          : undefined,
      );
      const { outboxId } = await emitNotify(n.pool, {
        subjectType: n.subjectType,
        subjectId,
        unitPath: village.path,
        template,
        to: ['commune'],
        eventPayload: details,
        timers: [
          { status: 'pending', dueAt: NEXT_DUE },
          { status: 'fired', dueAt: PASSED_DUE },
        ],
      });
      expected.push({ template, subjectId, outboxId });
    }
    for (const e of expected) await done(e.outboxId);

    for (const { template, subjectId, outboxId } of expected) {
      const mails = mailsOf(subjectId);
      expect(mails.map((m) => m.to[0]).sort()).toEqual([communeVi.email, communeEn.email].sort());
      for (const [reader, locale] of [
        [communeVi, 'vi'],
        [communeEn, 'en'],
      ] as const) {
        const mail = mails.find((m) => m.to[0] === reader.email)!;
        const description = n.subjects.get(subjectId)!;
        const want = renderTemplate(template, {
          locale,
          role: 'COMMUNE_STAFF',
          recipientName: reader.fullName,
          title: description.title,
          villageName: description.villageName,
          communeName: description.communeName,
          url: `${PUBLIC_URL}${description.link}`,
          dueAt: dueModeOf(template) === 'passed' ? PASSED_DUE : NEXT_DUE,
          details,
        });
        const p = mail.parsed;
        expect(p.subject).toBe(want.subject);
        expect(p.subject).toContain(locale === 'vi' ? 'thôn Pò Háng, xã Bính Xá' : 'Pò Háng village, Bính Xá commune');
        expect(p.text?.replace(/\r\n/g, '\n').trim()).toBe(want.text.trim());
        expect(p.html).toContain(locale === 'vi' ? 'Kính gửi' : 'Dear');
        expect(p.html).toContain(`href="${PUBLIC_URL}/dossiers/${village.id}"`);
        expect(p.text).toContain(`${PUBLIC_URL}/dossiers/${village.id}`);
        expect(p.text).toContain('Pò Háng');
        expect(p.text).toContain('Bính Xá');
        if (dueModeOf(template) === 'next') expect(p.text).toContain('15/01/2031 17:00');
        if (dueModeOf(template) === 'passed') expect(p.text).toContain('20/11/2026 10:30');
        if (dueModeOf(template) === 'none') expect(p.text).not.toMatch(/\d\d\/\d\d\/\d{4} \d\d:\d\d/);
        if (p.html && /&lt;biên bản&gt;/.test(p.html)) expect(p.html).not.toContain('<biên bản>');
        // Headers: the fixed Message-ID, the sender, the reader's name with its diacritics, UTF-8 encoded words.
        expect(p.messageId).toBe(`<${outboxId}.${reader.id}@ntm.langson.gov.vn>`);
        expect(p.from?.value[0]).toEqual({ address: 'no-reply@localhost', name: 'NTM' });
        expect(p.to && !Array.isArray(p.to) ? p.to.value[0] : null).toEqual({ name: reader.fullName, address: reader.email });
        expect(p.headers.get('auto-submitted')).toBe('auto-generated');
        expect(p.headers.get('x-ntm-template')).toBe(template);
        const rawHeaders = mail.raw.toString('utf8').split(/\r?\n\r?\n/)[0];
        expect(rawHeaders).toMatch(/^Subject: =\?UTF-8\?/im);
        expect(rawHeaders).toMatch(/^Content-Type: multipart\/alternative/im);
      }
      const rows = await deliveriesOf(n.pool, outboxId);
      expect(rows.map((r) => [r.email, r.locale, r.status, r.attempts, r.template])).toEqual(
        [
          [communeVi.email, 'vi', 'sent', 1, template],
          [communeEn.email, 'en', 'sent', 1, template],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    }
    // The comment is quoted, escaped in HTML.
    const returned = mailsOf(expected.find((e) => e.template === 'dossier_returned')!.subjectId).find((m) => m.to[0] === communeVi.email)!;
    expect(returned.parsed.text).toContain('Ý kiến: Thiếu <biên bản> họp thôn');
    expect(returned.parsed.html).toContain('Ý kiến: Thiếu &lt;biên bản&gt; họp thôn');
    const certified = mailsOf(expected.find((e) => e.template === 'dossier_certified')!.subjectId).find(
      (m) => m.to[0] === communeVi.email,
    )!;
    expect(certified.parsed.text).toContain('theo Quyết định số 1234/QĐ-UBND ngày 05/12/2026');
    expect(await metric('notifications_sent_total', { template: 'dossier_arrived' })).toBe(2);
  }, 120_000);

  it('an SMTP server that refuses the first attempts, then accepts: sent once, with backoff, the others not resent', async () => {
    const subjectId = await subject();
    let refusals = 0;
    smtp.verdict = (m) => {
      if (m.parsed.headers.get('x-ntm-subject') === `${n.subjectType}/${subjectId}` && m.to[0] === communeVi.email && refusals < 2) {
        refusals++;
        return { code: 451, message: '4.3.0 Temporary local problem, try again later' };
      }
      return 'accept';
    };
    try {
      const started = Date.now();
      const { outboxId } = await emitNotify(n.pool, {
        subjectType: n.subjectType,
        subjectId,
        unitPath: village.path,
        template: 'dossier_returned',
        to: ['commune'],
      });
      await done(outboxId);
      // BullMQ's exponential backoff (1 s, then 2 s) between the attempts.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
      expect(refusals).toBe(2);
      const toLan = mailsOf(subjectId, smtp.received).filter((m) => m.to[0] === communeVi.email);
      expect(toLan).toHaveLength(3);
      expect(new Set(toLan.map((m) => m.messageId)).size).toBe(1);
      expect(mailsOf(subjectId).filter((m) => m.to[0] === communeVi.email)).toHaveLength(1);
      // The other reader's message went out on the first attempt and was not sent again on the retries.
      expect(mailsOf(subjectId, smtp.received).filter((m) => m.to[0] === communeEn.email)).toHaveLength(1);
      const rows = await deliveriesOf(n.pool, outboxId);
      const lan = rows.find((r) => r.email === communeVi.email)!;
      expect(lan).toMatchObject({ status: 'sent', attempts: 3 });
      expect(lan.last_error).toMatch(/451/);
      expect(rows.find((r) => r.email === communeEn.email)).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      smtp.verdict = () => 'accept';
    }
  }, 60_000);

  it('a permanent refusal (5xx) fails the message at once, in the log, the metrics and the delivery row; the others go', async () => {
    const subjectId = await subject();
    smtp.verdict = (m) =>
      m.parsed.headers.get('x-ntm-subject') === `${n.subjectType}/${subjectId}` && m.to[0] === communeEn.email
        ? { code: 550, message: '5.1.1 Mailbox unavailable' }
        : 'accept';
    try {
      const before = await metric('notifications_failed_total', { template: 'review_reminder', reason: 'rejected' });
      const { outboxId } = await emitNotify(n.pool, {
        subjectType: n.subjectType,
        subjectId,
        unitPath: village.path,
        template: 'review_reminder',
        to: ['commune'],
      });
      await done(outboxId);
      const rows = await deliveriesOf(n.pool, outboxId);
      expect(rows.find((r) => r.email === communeEn.email)).toMatchObject({ status: 'failed', attempts: 1 });
      expect(rows.find((r) => r.email === communeEn.email)!.last_error).toMatch(/550 5\.1\.1 Mailbox unavailable/);
      expect(rows.find((r) => r.email === communeVi.email)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(mailsOf(subjectId, smtp.received).filter((m) => m.to[0] === communeEn.email)).toHaveLength(1);
      expect(await metric('notifications_failed_total', { template: 'review_reminder', reason: 'rejected' })).toBe(before + 1);
      expect(errors.some((e) => e.includes(communeEn.email) && e.includes('failed for good'))).toBe(true);
    } finally {
      smtp.verdict = () => 'accept';
    }
  });

  it('a message still refused after the last attempt: the row says failed, the outbox row failed, counted and logged', async () => {
    const subjectId = await subject();
    smtp.verdict = (m) =>
      m.parsed.headers.get('x-ntm-subject') === `${n.subjectType}/${subjectId}`
        ? { code: 421, message: '4.7.0 Try again later' }
        : 'accept';
    try {
      const before = await metric('notifications_failed_total', { template: 'signoff_overdue', reason: 'retries_exhausted' });
      const officer = await createRecipient(t, admin, { role: 'PROVINCE_OFFICER', unitId: (await unit(n.pool, 'LS')).id, tag: 'officer' });
      const { outboxId } = await emitNotify(n.pool, {
        subjectType: n.subjectType,
        subjectId,
        unitPath: village.path,
        template: 'signoff_overdue',
        to: ['province'],
      });
      // Six attempts, 1 + 2 + 4 + 8 + 16 s apart.
      await done(outboxId, 'failed', 60_000);
      const rows = await deliveriesOf(n.pool, outboxId);
      expect(rows).toEqual([expect.objectContaining({ email: officer.email, status: 'failed', attempts: 6, sent_at: null })]);
      expect(rows[0].last_error).toMatch(/421/);
      expect(mailsOf(subjectId, smtp.received)).toHaveLength(6);
      expect(mailsOf(subjectId)).toHaveLength(0);
      expect(await metric('notifications_failed_total', { template: 'signoff_overdue', reason: 'retries_exhausted' })).toBe(before + 1);
      expect(errors.some((e) => e.includes(officer.email) && e.includes('failed for good after 6 attempt(s)'))).toBe(true);
    } finally {
      smtp.verdict = () => 'accept';
    }
  }, 90_000);

  it('a send the database could not record is recorded on the next attempt, not sent again', async () => {
    const subjectId = await subject();
    const pool = n.pool;
    // PostgreSQL itself refuses the first three "sent" marks (a sequence counts them: it is not rolled back
    // with the refused statement), as a dropped connection would after the SMTP server said 250.
    await pool.query(`
      CREATE SEQUENCE test_refused_marks;
      CREATE FUNCTION test_refuse_mark() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('test_refused_marks') <= 3 THEN RAISE EXCEPTION 'connection terminated unexpectedly'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_refuse_mark BEFORE UPDATE ON notification_deliveries
        FOR EACH ROW WHEN (NEW.status = 'sent' AND OLD.status <> 'sent') EXECUTE FUNCTION test_refuse_mark();`);
    try {
      const { outboxId } = await emitNotify(pool, {
        subjectType: n.subjectType,
        subjectId,
        unitPath: village.path,
        template: 'dossier_arrived',
        to: ['commune'],
      });
      await done(outboxId);
      const {
        rows: [marks],
      } = await pool.query<{ last_value: string }>('SELECT last_value FROM test_refused_marks');
      // Three refused, then one accepted mark per recipient.
      expect(Number(marks.last_value)).toBe(3 + 2);
      expect(
        mailsOf(subjectId, smtp.received)
          .map((m) => m.to[0])
          .sort(),
      ).toEqual([communeVi.email, communeEn.email].sort());
      const rows = await deliveriesOf(pool, outboxId);
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    } finally {
      await pool.query(
        'DROP TRIGGER test_refuse_mark ON notification_deliveries; DROP FUNCTION test_refuse_mark(); DROP SEQUENCE test_refused_marks',
      );
    }
  });

  it('a job run again (Redis lost it, the reconciler hands it back) sends nothing twice', async () => {
    const subjectId = await subject();
    const { outboxId } = await emitNotify(n.pool, {
      subjectType: n.subjectType,
      subjectId,
      unitPath: village.path,
      template: 'dossier_certified',
      to: ['commune'],
    });
    await done(outboxId);
    expect(mailsOf(subjectId, smtp.received)).toHaveLength(2);
    const queue = t.app.get<Queue>(getQueueToken('notifications'));
    await (await queue.getJob(outboxId))!.remove();
    await n.pool.query(`UPDATE outbox SET status = 'dispatched' WHERE id = $1`, [outboxId]);
    await waitFor(async () => (await t.app.get(ReconcilerService).reconcile()) === 0 && (await outboxStatus(n.pool, outboxId)) === 'done', {
      what: 'the job handed back and run again',
    });
    expect(await queue.getJob(outboxId)).toBeDefined();
    expect(mailsOf(subjectId, smtp.received)).toHaveLength(2);
    expect((await deliveriesOf(n.pool, outboxId)).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('refuses a malformed effect without sending anything', () => {
    const problem = (payload: unknown) => payloadProblem(notifyJob as JobDefinition<unknown>, payload);
    expect(problem({ template: 'nope', to: ['commune'], subject: { type: 'x', id: 'y' } })).toMatch(/^template: /);
    expect(problem({ template: 'reminder', to: [], subject: { type: 'x', id: 'y' } })).toMatch(/^to: /);
    expect(problem({ template: 'reminder', to: ['mayor'], subject: { type: 'x', id: 'y' } })).toMatch(/^to\.0: /);
    expect(problem({ template: 'reminder', to: ['commune'] })).toMatch(/^subject: /);
    expect(problem({ template: 'reminder', to: ['commune', 'reviewers'], subject: { type: 'x', id: 'y' } })).toBeNull();
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simpleParser } from 'mailparser';
import { messageFileName } from '../src/notifications/transport.js';
import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import {
  createRecipient,
  deliveriesOf,
  describeVillage,
  emitNotify,
  loadNotifications,
  outboxStatus,
  unit,
  type NotificationsHarness,
} from './support/notifications.js';

/** MAIL_TRANSPORT=file (the default): each message an .eml file under STORAGE_DIR/mail, named by its Message-ID. */
describe('notifications: file transport', () => {
  let t: TestApp;
  let n: NotificationsHarness;
  let mailDir: string;
  let village: { id: string; path: string };
  let reader: { id: string; email: string; fullName: string };
  let serial = 0;

  beforeAll(async () => {
    t = await startTestApp('notifications_file');
    expect(t.config.mail.transport).toBe('file');
    mailDir = resolve(t.config.storageDir, 'mail');
    n = await loadNotifications(t.app);
    const admin = await t.login(ADMIN.username, ADMIN.password);
    await n.pool.query(`UPDATE users SET active = false WHERE username LIKE 'demo.%'`);
    village = await unit(n.pool, 'LS-DL-01-01');
    reader = await createRecipient(t, admin, {
      role: 'COMMUNE_STAFF',
      unitId: (await unit(n.pool, 'LS-DL-01')).id,
      fullName: 'Nông Thị Huệ',
      tag: 'hue',
    });
  }, 120_000);

  afterAll(async () => t?.close());

  async function subject() {
    const id = `f-${process.pid}-${++serial}`;
    n.subjects.set(id, await describeVillage(n.pool, village.id));
    return id;
  }

  const files = () => readdirSync(mailDir).filter((f) => f.endsWith('.eml'));

  it('writes each message as a readable .eml named by its Message-ID', async () => {
    const subjectId = await subject();
    const { outboxId } = await emitNotify(n.pool, {
      subjectType: n.subjectType,
      subjectId,
      unitPath: village.path,
      template: 'dossier_returned',
      to: ['commune'],
      eventPayload: { comment: 'Bổ sung ảnh hiện trạng nhà văn hóa' },
      timers: [{ status: 'pending', dueAt: new Date('2031-01-15T10:00:00Z') }],
    });
    await waitFor(async () => (await outboxStatus(n.pool, outboxId)) === 'done', { what: 'the message written' });
    const [row] = await deliveriesOf(n.pool, outboxId);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, message_id: `<${outboxId}.${reader.id}@localhost>` });
    const file = join(mailDir, messageFileName(row.message_id));
    expect(files()).toEqual([messageFileName(row.message_id)]);

    const raw = readFileSync(file);
    // Headers unfolded (a long header continues on lines that start with a space).
    const text = raw.toString('utf8').replace(/\r\n[ \t]+/g, ' ');
    expect(text).toContain(`\r\nMessage-ID: ${row.message_id}\r\n`);
    expect(text).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(text).toMatch(/^Content-Type: text\/plain; charset=utf-8\r$/m);
    expect(text).toMatch(/^Content-Type: text\/html; charset=utf-8\r$/m);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Hồ sơ bị trả lại để bổ sung: thôn Pò Háng, xã Bính Xá');
    expect(mail.messageId).toBe(row.message_id);
    expect(mail.from?.value[0]).toEqual({ address: 'no-reply@localhost', name: 'NTM' });
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0] : null).toEqual({ address: reader.email, name: 'Nông Thị Huệ' });
    expect(mail.text).toContain('Kính gửi Nông Thị Huệ,');
    expect(mail.text).toContain('Ý kiến: Bổ sung ảnh hiện trạng nhà văn hóa');
    expect(mail.text).toContain('Hạn nộp lại: 15/01/2031 17:00');
    expect(mail.text).toContain(`Mở hồ sơ: http://localhost:3000/dossiers/${village.id}`);
    expect(mail.html).toContain(`<a href="http://localhost:3000/dossiers/${village.id}"`);
  });

  it('a worker stopped after writing the file and before recording it: recorded as sent, not written again', async () => {
    const subjectId = await subject();
    const { outboxId, payload } = await emitNotify(n.pool, {
      subjectType: n.subjectType,
      subjectId,
      unitPath: village.path,
      template: 'dossier_arrived',
      to: ['commune'],
    });
    await waitFor(async () => (await outboxStatus(n.pool, outboxId)) === 'done');
    const [row] = await deliveriesOf(n.pool, outboxId);
    const file = join(mailDir, messageFileName(row.message_id));
    const written = statSync(file).mtimeMs;
    const count = files().length;
    // As the row stands when a worker dies between the rename and the UPDATE.
    await n.pool.query(`UPDATE notification_deliveries SET status = 'sending', sent_at = NULL WHERE id = $1`, [row.id]);

    await n.job.handle(payload as never, { outboxId, attempt: 2, final: false });
    const [after] = await deliveriesOf(n.pool, outboxId);
    expect(after).toMatchObject({ status: 'sent', attempts: 1 });
    expect(after.last_error).toMatch(/found delivered/);
    expect(after.sent_at).not.toBeNull();
    expect(statSync(file).mtimeMs).toBe(written);
    expect(files()).toHaveLength(count);
  });

  it('a worker stopped after claiming and before writing: the message is written on the next run, once', async () => {
    const subjectId = await subject();
    // The effect, kept away from the relay: this test runs the handler itself.
    const { outboxId, payload } = await emitNotify(n.pool, {
      subjectType: n.subjectType,
      subjectId,
      unitPath: village.path,
      template: 'project_submitted',
      to: ['commune'],
      outboxStatus: 'done',
    });
    const messageId = n.job.messageIdFor(outboxId, reader.id);
    await n.pool.query(
      `INSERT INTO notification_deliveries (id, outbox_id, recipient_id, email, template, locale, status, message_id, attempts, claimed_at)
       VALUES (gen_random_uuid()::text, $1, $2, $3, 'project_submitted', 'vi', 'sending', $4, 1, now())`,
      [outboxId, reader.id, reader.email, messageId],
    );
    const count = files().length;
    expect(files()).not.toContain(messageFileName(messageId));

    await n.job.handle(payload as never, { outboxId, attempt: 2, final: false });
    await n.job.handle(payload as never, { outboxId, attempt: 3, final: true });
    const [row] = await deliveriesOf(n.pool, outboxId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, message_id: messageId });
    expect(files()).toHaveLength(count + 1);
    const mail = await simpleParser(readFileSync(join(mailDir, messageFileName(messageId))));
    expect(mail.subject).toMatch(/^Công trình chờ thẩm định: /);
  });
});

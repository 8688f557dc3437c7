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
  type TestSmtpServer,
} from './support/notifications.js';
import { RecipientResolver } from '../src/notifications/recipients.js';

/**
 * Recipients are resolved from the subject's place in the unit tree when the message is built: the commune's
 * staff, the reviewers of the commune's parent unit (a district, or the province without districts), the
 * province officers; one message each, nobody outside the subject's jurisdiction.
 */
describe('notifications: recipients', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let n: NotificationsHarness;
  let admin: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp('notifications_recipients', {
      MAIL_TRANSPORT: 'smtp',
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://ntm.langson.gov.vn',
    });
    n = await loadNotifications(t.app);
    admin = await t.login(ADMIN.username, ADMIN.password);
    // The seed's demo accounts (demo.commune of LS-TD-01, demo.reviewer of LS-TD, demo.province) are set aside,
    // so that each test names every person it expects.
    await n.pool.query(`UPDATE users SET active = false WHERE username LIKE 'demo.%'`);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  /** Emits a notify effect for the village and waits until its outbox row is done; returns the RCPT TO lists. */
  async function deliver(villageId: string, to: ('commune' | 'reviewers' | 'province')[], template = 'dossier_forwarded') {
    const subjectId = `${villageId}-${to.join('-')}-${Date.now()}`;
    n.subjects.set(subjectId, await describeVillage(n.pool, villageId));
    const { outboxId } = await emitNotify(n.pool, {
      subjectType: n.subjectType,
      subjectId,
      unitPath: n.subjects.get(subjectId)!.unitPath,
      template,
      to,
    });
    await waitFor(async () => (await outboxStatus(n.pool, outboxId)) === 'done', { what: `outbox ${outboxId} done` });
    const mails = smtp.accepted.filter((m) => m.parsed.headers.get('x-ntm-subject') === `${n.subjectType}/${subjectId}`);
    return { outboxId, mails, recipients: mails.flatMap((m) => m.to).sort() };
  }

  describe('three-tier tree (plan 136: province > district > commune > village)', () => {
    const users: Record<string, { id: string; email: string }> = {};

    beforeAll(async () => {
      const [province, district, commune, otherCommune, otherDistrict, otherDistrictCommune] = await Promise.all(
        ['LS', 'LS-TD', 'LS-TD-01', 'LS-TD-02', 'LS-CL', 'LS-CL-01'].map((code) => unit(n.pool, code)),
      );
      const make = async (key: string, role: string, unitId: string, locale?: 'vi' | 'en') => {
        users[key] = await createRecipient(t, admin, { role, unitId, locale, tag: key });
      };
      await make('commune1', 'COMMUNE_STAFF', commune.id);
      await make('commune2', 'COMMUNE_STAFF', commune.id, 'en');
      await make('communeInactive', 'COMMUNE_STAFF', commune.id);
      await make('districtReviewer', 'REVIEWER', district.id);
      await make('provinceReviewer', 'REVIEWER', province.id); // reviewers of the province do not review a district's communes
      await make('provinceOfficer', 'PROVINCE_OFFICER', province.id);
      await make('admin2', 'ADMIN', province.id);
      await make('neighbourCommune', 'COMMUNE_STAFF', otherCommune.id);
      await make('neighbourDistrictReviewer', 'REVIEWER', otherDistrict.id);
      await make('neighbourDistrictCommune', 'COMMUNE_STAFF', otherDistrictCommune.id);
      await n.pool.query('UPDATE users SET active = false WHERE id = $1', [users.communeInactive.id]);
    });

    it("commune → the active staff of the village's commune only", async () => {
      const village = await unit(n.pool, 'LS-TD-01-01');
      const { recipients, mails } = await deliver(village.id, ['commune']);
      expect(recipients).toEqual([users.commune1.email, users.commune2.email].sort());
      expect(mails).toHaveLength(2);
      for (const m of mails) expect(m.to).toHaveLength(1);
    });

    it("reviewers → the reviewers of the commune's district, not the province's nor the neighbouring district's", async () => {
      const village = await unit(n.pool, 'LS-TD-01-02');
      const { recipients } = await deliver(village.id, ['reviewers']);
      expect(recipients).toEqual([users.districtReviewer.email]);
    });

    it('province → the province officers at the root', async () => {
      const village = await unit(n.pool, 'LS-TD-01-03');
      const { recipients } = await deliver(village.id, ['province']);
      expect(recipients).toEqual([users.provinceOfficer.email]);
    });

    it('all three parties: one message per person, and no one from the neighbouring commune or district', async () => {
      const village = await unit(n.pool, 'LS-TD-01-01');
      const { recipients, mails, outboxId } = await deliver(village.id, ['commune', 'reviewers', 'province', 'commune']);
      const expected = [users.commune1, users.commune2, users.districtReviewer, users.provinceOfficer].map((u) => u.email).sort();
      expect(recipients).toEqual(expected);
      expect(new Set(mails.map((m) => m.messageId)).size).toBe(4);
      for (const outsider of [
        'communeInactive',
        'provinceReviewer',
        'admin2',
        'neighbourCommune',
        'neighbourDistrictReviewer',
        'neighbourDistrictCommune',
      ]) {
        expect(smtp.received.some((m) => m.to.includes(users[outsider].email))).toBe(false);
      }
      const rows = await deliveriesOf(n.pool, outboxId);
      expect(rows.map((r) => r.email).sort()).toEqual(expected);
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1 && r.sent_at)).toBe(true);
      // The English-speaking commune staff got the English message.
      const english = mails.find((m) => m.to[0] === users.commune2.email)!;
      expect(english.parsed.subject).toMatch(/^Dossier forwarded to the province/);
      expect(rows.find((r) => r.email === users.commune2.email)!.locale).toBe('en');
    });

    it("the neighbouring commune's village reaches the neighbouring commune's staff, not ours", async () => {
      const village = await unit(n.pool, 'LS-TD-02-01');
      const { recipients } = await deliver(village.id, ['commune', 'reviewers']);
      expect(recipients).toEqual([users.neighbourCommune.email, users.districtReviewer.email].sort());
    });

    it('recipients are resolved when the message is built: someone who joined after the event is told', async () => {
      const village = await unit(n.pool, 'LS-CL-01-01');
      const subjectId = `late-${Date.now()}`;
      n.subjects.set(subjectId, await describeVillage(n.pool, village.id));
      const resolver = t.app.get(RecipientResolver, { strict: false });
      expect(await resolver.resolve(village.path, ['commune'])).toEqual([
        expect.objectContaining({ id: users.neighbourDistrictCommune.id }),
      ]);
      const late = await createRecipient(t, admin, { role: 'COMMUNE_STAFF', unitId: (await unit(n.pool, 'LS-CL-01')).id, tag: 'late' });
      const { outboxId } = await emitNotify(n.pool, {
        subjectType: n.subjectType,
        subjectId,
        unitPath: village.path,
        template: 'dossier_returned',
        to: ['commune'],
      });
      await waitFor(async () => (await outboxStatus(n.pool, outboxId)) === 'done');
      expect((await deliveriesOf(n.pool, outboxId)).map((r) => r.email).sort()).toEqual(
        [late.email, users.neighbourDistrictCommune.email].sort(),
      );
    });
  });

  describe('two-tier tree (since 1 July 2025: province > commune > village)', () => {
    const units: Record<string, string> = {};
    const users: Record<string, { id: string; email: string }> = {};

    beforeAll(async () => {
      const post = async (code: string, name: string, level: string, parentId?: string) => {
        const res = await t.http
          .post('/units')
          .set('Authorization', admin)
          .send({ code, name, level, ...(parentId ? { parentId } : {}) });
        if (res.status !== 201) throw new Error(`POST /units ${code}: ${res.status} ${JSON.stringify(res.body)}`);
        units[code] = res.body.id;
      };
      await post('T2', 'Tỉnh Hai Cấp', 'PROVINCE');
      await post('T2-01', 'Xã Mới', 'COMMUNE', units['T2']);
      await post('T2-01-01', 'Bản Đôn', 'VILLAGE', units['T2-01']);
      await post('T2-02', 'Xã Bên Cạnh', 'COMMUNE', units['T2']);
      await post('T2-02-01', 'Bản Láng Giềng', 'VILLAGE', units['T2-02']);
      const make = async (key: string, role: string, unitId: string) => {
        users[key] = await createRecipient(t, admin, { role, unitId, tag: key });
      };
      await make('commune', 'COMMUNE_STAFF', units['T2-01']);
      await make('neighbourCommune', 'COMMUNE_STAFF', units['T2-02']);
      await make('provinceReviewer', 'REVIEWER', units['T2']);
      await make('provinceOfficer', 'PROVINCE_OFFICER', units['T2']);
      // The three-tier tree's people are another province's.
      await make('otherProvinceOfficer', 'PROVINCE_OFFICER', (await unit(n.pool, 'LS')).id);
      await make('otherProvinceReviewer', 'REVIEWER', (await unit(n.pool, 'LS')).id);
    });

    it("reviewers are the province's reviewers (the commune's parent); the commune and province parties as before", async () => {
      const { recipients, outboxId } = await deliver(units['T2-01-01'], ['commune', 'reviewers', 'province']);
      expect(recipients).toEqual([users.commune.email, users.provinceReviewer.email, users.provinceOfficer.email].sort());
      for (const outsider of ['neighbourCommune', 'otherProvinceOfficer', 'otherProvinceReviewer']) {
        expect(smtp.received.some((m) => m.to.includes(users[outsider].email))).toBe(false);
      }
      const rows = await deliveriesOf(n.pool, outboxId);
      expect(rows).toHaveLength(3);
      // The message names the village and the commune as the tree has them.
      const mail = smtp.accepted.find((m) => m.to[0] === users.commune.email)!;
      expect(mail.parsed.subject).toBe('Hồ sơ đã trình tỉnh xem xét công nhận: Bản Đôn, Xã Mới');
    });

    it("the neighbouring commune's village: its own staff, the same province reviewers", async () => {
      const { recipients } = await deliver(units['T2-02-01'], ['commune', 'reviewers']);
      expect(recipients).toEqual([users.neighbourCommune.email, users.provinceReviewer.email].sort());
    });
  });
});

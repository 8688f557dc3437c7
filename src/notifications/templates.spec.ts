import {
  dueModeOf,
  escapeHtml,
  formatDueDate,
  renderTemplate,
  TEMPLATE_NAMES,
  type TemplateInput,
  type TemplateName,
} from './templates.js';
import { recipientUnits } from './recipients.js';

const DUE = new Date('2031-01-15T10:00:00Z'); // 17:00 in Hà Nội (UTC+7)

function input(template: TemplateName, locale: 'vi' | 'en', role: TemplateInput['role'] = 'COMMUNE_STAFF'): TemplateInput {
  const project =
    template.startsWith('project_') ||
    ['funds_allocated', 'insufficient_funds', 'acceptance_requested', 'acceptance_refused'].includes(template);
  return {
    locale,
    role,
    recipientName: 'Hoàng Thị Lan',
    title: project
      ? { vi: 'Đường bê tông thôn Pò Háng', en: 'Concrete road in Pò Háng' }
      : { vi: 'hồ sơ công nhận thôn Pò Háng năm 2026', en: 'the certification dossier of Pò Háng, 2026' },
    villageName: 'Pò Háng',
    communeName: 'Bính Xá',
    url: 'https://ntm.langson.gov.vn/dossiers/d-1',
    dueAt: DUE,
    details: {},
  };
}

/** The subject of each template for the input above, in Vietnamese and in English. */
const SUBJECTS: Record<TemplateName, { vi: string; en: string }> = {
  consultation_ended: {
    vi: 'Kết thúc lấy ý kiến nhân dân: thôn Pò Háng, xã Bính Xá',
    en: 'Public consultation ended: Pò Háng village, Bính Xá commune',
  },
  dossier_arrived: { vi: 'Hồ sơ chờ thẩm định: thôn Pò Háng, xã Bính Xá', en: 'Dossier awaiting review: Pò Háng village, Bính Xá commune' },
  review_reminder: {
    vi: 'Nhắc việc: sắp đến hạn thẩm định hồ sơ thôn Pò Háng, xã Bính Xá',
    en: 'Reminder: review due soon for Pò Háng village, Bính Xá commune',
  },
  review_overdue: { vi: 'Quá hạn thẩm định: thôn Pò Háng, xã Bính Xá', en: 'Review overdue: Pò Háng village, Bính Xá commune' },
  dossier_returned: {
    vi: 'Hồ sơ bị trả lại để bổ sung: thôn Pò Háng, xã Bính Xá',
    en: 'Dossier returned for revision: Pò Háng village, Bính Xá commune',
  },
  dossier_forwarded: {
    vi: 'Hồ sơ đã trình tỉnh xem xét công nhận: thôn Pò Háng, xã Bính Xá',
    en: 'Dossier forwarded to the province: Pò Háng village, Bính Xá commune',
  },
  revision_reminder: {
    vi: 'Nhắc việc: sắp hết hạn nộp lại hồ sơ thôn Pò Háng, xã Bính Xá',
    en: 'Reminder: resubmission due soon for Pò Háng village, Bính Xá commune',
  },
  dossier_lapsed: {
    vi: 'Hồ sơ hết hiệu lực do quá hạn nộp lại: thôn Pò Háng, xã Bính Xá',
    en: 'Dossier lapsed, not resubmitted in time: Pò Háng village, Bính Xá commune',
  },
  signoff_reminder: {
    vi: 'Nhắc việc: sắp đến hạn ký quyết định công nhận thôn Pò Háng, xã Bính Xá',
    en: 'Reminder: recognition decision due soon for Pò Háng village, Bính Xá commune',
  },
  signoff_overdue: {
    vi: 'Quá hạn ký quyết định công nhận: thôn Pò Háng, xã Bính Xá',
    en: 'Recognition decision overdue: Pò Háng village, Bính Xá commune',
  },
  dossier_certified: {
    vi: 'Thôn đạt chuẩn nông thôn mới: thôn Pò Háng, xã Bính Xá',
    en: 'Village certified as meeting New Rural standards: Pò Háng village, Bính Xá commune',
  },
  dossier_rejected: {
    vi: 'Hồ sơ không được công nhận: thôn Pò Háng, xã Bính Xá',
    en: 'Dossier rejected: Pò Háng village, Bính Xá commune',
  },
  title_revoked: {
    vi: 'Thu hồi danh hiệu thôn đạt chuẩn nông thôn mới: thôn Pò Háng, xã Bính Xá',
    en: 'New Rural title revoked: Pò Háng village, Bính Xá commune',
  },
  project_submitted: {
    vi: 'Công trình chờ thẩm định: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Work awaiting review: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  project_returned: {
    vi: 'Đề xuất công trình bị trả lại: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Proposed work returned: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  project_approved: {
    vi: 'Công trình được chấp thuận, chờ phân bổ vốn: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Work approved, awaiting funds: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  funds_allocated: {
    vi: 'Đã phân bổ vốn cho công trình: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Funds allocated to the work: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  insufficient_funds: {
    vi: 'Không đủ nguồn vốn để phân bổ: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Not enough funds to allocate: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  acceptance_requested: {
    vi: 'Đề nghị nghiệm thu công trình: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Acceptance requested for the work: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  acceptance_refused: {
    vi: 'Công trình chưa được nghiệm thu, trả lại để hoàn thiện: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Acceptance refused, work sent back: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  project_accepted: {
    vi: 'Công trình đã nghiệm thu, chờ quyết toán: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Work accepted, awaiting settlement: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  project_settled: {
    vi: 'Công trình đã được quyết toán: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Work settled: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  project_cancelled: {
    vi: 'Công trình đã bị hủy: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Work cancelled: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  project_rejected: {
    vi: 'Công trình không được phê duyệt: Đường bê tông thôn Pò Háng – thôn Pò Háng, xã Bính Xá',
    en: 'Work not approved: Concrete road in Pò Háng – Pò Háng village, Bính Xá commune',
  },
  assessment_submitted: {
    vi: 'Kết quả đánh giá tiêu chí chờ xác nhận: thôn Pò Háng, xã Bính Xá',
    en: 'Criteria assessment awaiting confirmation: Pò Háng village, Bính Xá commune',
  },
  assessment_confirmed: {
    vi: 'Kết quả đánh giá tiêu chí đã được xác nhận: thôn Pò Háng, xã Bính Xá',
    en: 'Criteria assessment confirmed: Pò Háng village, Bính Xá commune',
  },
  assessment_returned: {
    vi: 'Kết quả đánh giá tiêu chí bị trả lại để bổ sung: thôn Pò Háng, xã Bính Xá',
    en: 'Criteria assessment returned for revision: Pò Háng village, Bính Xá commune',
  },
  reminder: {
    vi: 'Nhắc việc: sắp đến hạn xử lý – hồ sơ công nhận thôn Pò Háng năm 2026 (thôn Pò Háng, xã Bính Xá)',
    en: 'Reminder: due soon – the certification dossier of Pò Háng, 2026 (Pò Háng village, Bính Xá commune)',
  },
  overdue: {
    vi: 'Quá hạn xử lý: hồ sơ công nhận thôn Pò Háng năm 2026 (thôn Pò Háng, xã Bính Xá)',
    en: 'Overdue: the certification dossier of Pò Háng, 2026 (Pò Háng village, Bính Xá commune)',
  },
};

/** What each template asks of a commune's staff (or, where it asks nothing, what it says), one fragment per language. */
const ASKS: Record<TemplateName, { vi: string; en: string }> = {
  consultation_ended: { vi: 'Đề nghị tổ chức họp thôn', en: 'Please hold the village meeting' },
  dossier_arrived: { vi: 'Đề nghị thẩm định 16 tiêu chí', en: 'Please review the 16 criteria' },
  review_reminder: { vi: 'Đề nghị hoàn thành thẩm định trước hạn', en: 'Please complete the review before the due date' },
  review_overdue: { vi: 'Đề nghị xử lý ngay', en: 'Please act now' },
  dossier_returned: {
    vi: 'Đề nghị bổ sung các tiêu chí được yêu cầu và nộp lại hồ sơ',
    en: 'Please revise the criteria sent back and resubmit',
  },
  dossier_forwarded: { vi: 'Hồ sơ đang chờ tỉnh xem xét; xã chưa cần thao tác thêm', en: 'nothing is needed from the commune for now' },
  revision_reminder: { vi: 'Đề nghị bổ sung và nộp lại hồ sơ trước hạn', en: 'Please revise and resubmit the dossier before the due date' },
  dossier_lapsed: { vi: 'đề nghị xã lập hồ sơ mới', en: 'please open a new dossier' },
  signoff_reminder: {
    vi: 'Đề nghị ký quyết định công nhận hoặc từ chối hồ sơ trước hạn',
    en: 'Please sign the recognition decision or reject the dossier before',
  },
  signoff_overdue: { vi: 'đơn vị thẩm định không cần thao tác', en: 'nothing is needed from the reviewers' },
  dossier_certified: { vi: 'Xin chúc mừng!', en: 'Congratulations!' },
  dossier_rejected: { vi: 'Xã có thể lập hồ sơ mới', en: 'The commune may open a new dossier' },
  title_revoked: { vi: 'Đề nghị rà soát các tiêu chí không còn đạt', en: 'Please review the criteria no longer met' },
  project_submitted: { vi: 'Đề nghị thẩm định đề xuất', en: 'Please review the proposal' },
  project_returned: { vi: 'Đề nghị chỉnh sửa đề xuất', en: 'Please amend the proposal' },
  project_approved: { vi: 'Đề xuất đang chờ tỉnh phân bổ vốn', en: "The proposal waits for the province's allocation" },
  funds_allocated: { vi: 'Đề nghị triển khai thi công', en: 'Please start the work' },
  insufficient_funds: { vi: 'Công trình chờ tỉnh bố trí nguồn vốn', en: 'The work waits for the province to find funds' },
  acceptance_requested: { vi: 'Đề nghị tổ chức nghiệm thu', en: 'Please inspect the work' },
  acceptance_refused: { vi: 'Đề nghị khắc phục', en: 'Please put right' },
  project_accepted: { vi: 'không cần thao tác', en: 'no action is needed' },
  project_settled: { vi: 'không cần thao tác', en: 'no action is needed' },
  project_cancelled: { vi: 'không cần thao tác', en: 'no action is needed' },
  project_rejected: { vi: 'không cần thao tác', en: 'no action is needed' },
  assessment_submitted: { vi: 'Đề nghị kiểm tra tài liệu minh chứng', en: 'Please check the evidence' },
  assessment_confirmed: { vi: 'không cần thao tác', en: 'no action is needed' },
  assessment_returned: { vi: 'Đề nghị bổ sung, hoàn thiện kết quả đánh giá', en: 'Please revise the assessment' },
  reminder: { vi: 'Đề nghị xử lý trước hạn', en: 'Please deal with it before the due date' },
  overdue: { vi: 'Đề nghị xử lý ngay và báo cáo lý do chậm trễ', en: 'Please deal with it now' },
};

const DUE_LABELS: Partial<Record<TemplateName, { vi: string; en: string }>> = {
  dossier_arrived: { vi: 'Hạn thẩm định: 15/01/2031 17:00', en: 'Review due: 15/01/2031 17:00' },
  review_overdue: { vi: 'Quá hạn từ: 15/01/2031 17:00', en: 'Overdue since: 15/01/2031 17:00' },
  dossier_returned: { vi: 'Hạn nộp lại: 15/01/2031 17:00', en: 'Resubmit by: 15/01/2031 17:00' },
  dossier_lapsed: { vi: 'Hạn nộp lại đã hết lúc: 15/01/2031 17:00', en: 'Resubmission was due: 15/01/2031 17:00' },
  signoff_reminder: { vi: 'Hạn ký quyết định: 15/01/2031 17:00', en: 'Decision due: 15/01/2031 17:00' },
  acceptance_requested: { vi: 'Hạn nghiệm thu: 15/01/2031 17:00', en: 'Acceptance due: 15/01/2031 17:00' },
  assessment_submitted: { vi: 'Hạn xác nhận: 15/01/2031 17:00', en: 'Confirmation due: 15/01/2031 17:00' },
  assessment_returned: { vi: 'Hạn gửi lại: 15/01/2031 17:00', en: 'Resubmit by: 15/01/2031 17:00' },
  project_accepted: { vi: 'Hạn quyết toán: 15/01/2031 17:00', en: 'Settlement due: 15/01/2031 17:00' },
};

describe('notification templates', () => {
  it("cover the certification workflow's templates, the funding ones and the generic reminder and escalation", () => {
    expect([...TEMPLATE_NAMES].sort()).toEqual(Object.keys(SUBJECTS).sort());
    expect(TEMPLATE_NAMES).toEqual(
      expect.arrayContaining([
        'consultation_ended',
        'dossier_arrived',
        'review_reminder',
        'review_overdue',
        'dossier_returned',
        'dossier_forwarded',
        'revision_reminder',
        'dossier_lapsed',
        'signoff_reminder',
        'signoff_overdue',
        'dossier_certified',
        'dossier_rejected',
        'title_revoked',
        'project_submitted',
        'project_returned',
        'project_approved',
        'funds_allocated',
        'insufficient_funds',
        'acceptance_requested',
        'project_settled',
        'project_cancelled',
        'assessment_submitted',
        'assessment_confirmed',
        'assessment_returned',
        'reminder',
        'overdue',
      ]),
    );
  });

  describe.each(TEMPLATE_NAMES)('%s', (template) => {
    it.each(['vi', 'en'] as const)(
      'in %s: subject, greeting, village, commune, what is asked, due date, link; HTML and text alike',
      (locale) => {
        const mail = renderTemplate(template, input(template, locale));
        expect(mail.subject).toBe(SUBJECTS[template][locale]);
        expect(mail.subject.normalize('NFC')).toBe(mail.subject);

        for (const body of [mail.text, mail.html]) {
          expect(body).toContain(locale === 'vi' ? 'Kính gửi Hoàng Thị Lan,' : 'Dear Hoàng Thị Lan,');
          expect(body).toContain('Pò Háng');
          expect(body).toContain('Bính Xá');
          expect(body).toContain(escapeIf(body === mail.html, ASKS[template][locale]));
          expect(body).toContain('https://ntm.langson.gov.vn/dossiers/d-1');
        }
        expect(mail.text).toContain(`${locale === 'vi' ? 'Thôn' : 'Village'}: Pò Háng`);
        expect(mail.text).toContain(`${locale === 'vi' ? 'Xã' : 'Commune'}: Bính Xá`);
        expect(mail.text).toContain(`${locale === 'vi' ? 'Việc cần làm' : 'What is asked'}: `);
        expect(mail.html).toContain(`<html lang="${locale}">`);
        expect(mail.html).toContain('<a href="https://ntm.langson.gov.vn/dossiers/d-1"');

        const due = DUE_LABELS[template]?.[locale];
        if (due) expect(mail.text).toContain(due);
        if (dueModeOf(template) === 'none') expect(mail.text).not.toContain('15/01/2031');
        else expect(mail.text).toContain('15/01/2031 17:00');
      },
    );
  });

  it('asks each reader what is theirs to do: the province officer to sign, the commune to wait', () => {
    const officer = renderTemplate('dossier_forwarded', input('dossier_forwarded', 'vi', 'PROVINCE_OFFICER'));
    const commune = renderTemplate('dossier_forwarded', input('dossier_forwarded', 'vi', 'COMMUNE_STAFF'));
    expect(officer.text).toContain('Việc cần làm: Đề nghị xem xét, ký quyết định công nhận hoặc từ chối hồ sơ.');
    expect(commune.text).toContain('Việc cần làm: Hồ sơ đang chờ tỉnh xem xét; xã chưa cần thao tác thêm.');
    const reviewer = renderTemplate('review_overdue', input('review_overdue', 'en', 'REVIEWER'));
    expect(reviewer.text).toContain('Please complete the review now and report the reason for the delay.');
  });

  it("quotes the event: the reviewers' comment, the reason, the decision number and date", () => {
    const returned = renderTemplate('dossier_returned', {
      ...input('dossier_returned', 'vi'),
      details: { comment: 'Thiếu biên bản họp thôn' },
    });
    expect(returned.text).toContain('Ý kiến: Thiếu biên bản họp thôn');
    const certified = renderTemplate('dossier_certified', {
      ...input('dossier_certified', 'vi'),
      details: { decisionNumber: '1234/QĐ-UBND', decisionDate: '2026-12-05' },
    });
    expect(certified.text).toContain('theo Quyết định số 1234/QĐ-UBND ngày 05/12/2026');
    const revoked = renderTemplate('title_revoked', { ...input('title_revoked', 'en'), details: { reason: 'Tiêu chí 3 không còn đạt' } });
    expect(revoked.text).toContain('Reason: Tiêu chí 3 không còn đạt');
  });

  it('escapes HTML everywhere in the HTML part and keeps the text part literal', () => {
    const mail = renderTemplate('dossier_returned', {
      ...input('dossier_returned', 'vi'),
      recipientName: 'Lò <b>Văn</b> "A" & B',
      villageName: 'Nà <script>alert(1)</script>',
      details: { comment: `<img src=x onerror="alert('x')">` },
      url: 'https://ntm.example.vn/dossiers/a?b=1&c="2"',
    });
    expect(mail.html).not.toMatch(/<script|<img|<b>/);
    expect(mail.html).toContain('Lò &lt;b&gt;Văn&lt;/b&gt; &quot;A&quot; &amp; B');
    expect(mail.html).toContain('Nà &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;');
    expect(mail.html).toContain('href="https://ntm.example.vn/dossiers/a?b=1&amp;c=&quot;2&quot;"');
    expect(mail.text).toContain('Kính gửi Lò <b>Văn</b> "A" & B,');
    expect(mail.text).toContain(`<img src=x onerror="alert('x')">`);
  });

  it('keeps the subject on one line and does not add "thôn" or "xã" twice', () => {
    const mail = renderTemplate('dossier_arrived', {
      ...input('dossier_arrived', 'vi'),
      villageName: 'Thôn 1',
      communeName: 'Xã Đào\nViên',
    });
    expect(mail.subject).toBe('Hồ sơ chờ thẩm định: Thôn 1, Xã Đào Viên');
  });

  it('has no due line when the workflow has no due date', () => {
    const mail = renderTemplate('dossier_arrived', { ...input('dossier_arrived', 'vi'), dueAt: null });
    expect(mail.text).not.toContain('Hạn thẩm định');
  });

  it('refuses an unknown template', () => {
    expect(() => renderTemplate('nope', input('reminder', 'vi'))).toThrow(/unknown notification template nope/);
  });

  it("formats due dates as dd/MM/yyyy HH:mm in Vietnam's time", () => {
    expect(formatDueDate(new Date('2026-02-16T16:59:00Z'))).toBe('16/02/2026 23:59');
    expect(formatDueDate(new Date('2026-02-16T17:00:00Z'))).toBe('17/02/2026 00:00');
    expect(formatDueDate(new Date('2026-12-31T01:05:00Z'))).toBe('31/12/2026 08:05');
  });
});

describe('recipient units', () => {
  it('three tiers: commune staff of the parent, reviewers of the district, officers of the province', () => {
    expect(recipientUnits('/P/D/C/V/', ['commune', 'reviewers', 'province'])).toEqual([
      { role: 'COMMUNE_STAFF', unitId: 'C' },
      { role: 'REVIEWER', unitId: 'D' },
      { role: 'PROVINCE_OFFICER', unitId: 'P' },
    ]);
  });

  it("two tiers: the reviewers are the province's", () => {
    expect(recipientUnits('/P/C/V/', ['reviewers', 'province', 'reviewers'])).toEqual([
      { role: 'REVIEWER', unitId: 'P' },
      { role: 'PROVINCE_OFFICER', unitId: 'P' },
    ]);
  });

  it("refuses a path that is not a village's, and an unknown party", () => {
    expect(() => recipientUnits('/P/C/', ['commune'])).toThrow(/not a village/);
    expect(() => recipientUnits('/P/C/V/', ['mayor' as never])).toThrow(/unknown recipient party/);
  });
});

function escapeIf(html: boolean, s: string): string {
  return html ? escapeHtml(s) : s;
}

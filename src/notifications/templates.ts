/**
 * The email templates: Vietnamese (the default) and English, each as a subject, an HTML body and a plain-text
 * body. Every message names the village or work and the commune, says what is asked of its reader (by role
 * where readers differ), gives the due date in Vietnamese format (dd/MM/yyyy HH:mm, Asia/Ho_Chi_Minh) when
 * there is one, and links to the subject. Everything interpolated into HTML is escaped.
 */

import { communeEn, communeVi, villageEn, villageVi } from '../common/place-names.js';

export type Locale = 'vi' | 'en';
export type RecipientRole = 'COMMUNE_STAFF' | 'REVIEWER' | 'PROVINCE_OFFICER';

/** Which due date a template shows: the next pending one, the one that has passed, or none. */
type DueMode = 'next' | 'passed' | 'none';

/** Event details a template may quote (from the history row of the event that emitted the effect). */
export interface TemplateDetails {
  comment?: string;
  reason?: string;
  decisionNumber?: string;
  decisionDate?: string;
}

export interface TemplateInput {
  locale: Locale;
  role: RecipientRole;
  recipientName: string;
  /** The subject's title in both languages (SubjectDescription.title). */
  title: { vi: string; en: string };
  villageName: string;
  communeName: string;
  /** Absolute address of the subject: PUBLIC_URL followed by the subject's link. */
  url: string;
  /** The due date, when the template shows one and the workflow has one. */
  dueAt?: Date | null;
  details?: TemplateDetails;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

type Text = (v: Vars) => string;

interface LocaleText {
  subject: Text;
  /** What happened, one or two sentences. */
  lead: Text;
  /** What is asked of the reader; per role where the readers of one template differ. */
  ask: Text | (Partial<Record<RecipientRole, Text>> & { default: Text });
  /** Label of the due-date line. */
  due?: string;
}

interface TemplateSpec {
  /** The kind of subject, for the wording of the link and the place line. */
  kind: 'dossier' | 'project' | 'any';
  due: DueMode;
  vi: LocaleText;
  en: LocaleText;
}

/** Values a template text is built from; `place` is "thôn X, xã Y" / "X village, Y commune". */
interface Vars {
  title: string;
  place: string;
  village: string;
  commune: string;
  details: TemplateDetails;
}

const vi = { village: villageVi, commune: communeVi };
const en = { village: villageEn, commune: communeEn };

const reasonVi = (d: TemplateDetails) => (d.reason ? ` Lý do: ${d.reason}` : '');
const reasonEn = (d: TemplateDetails) => (d.reason ? ` Reason: ${d.reason}` : '');
const commentVi = (d: TemplateDetails) => (d.comment ? ` Ý kiến: ${d.comment}` : '');
const commentEn = (d: TemplateDetails) => (d.comment ? ` Comment: ${d.comment}` : '');
const decisionVi = (d: TemplateDetails) =>
  d.decisionNumber ? ` theo Quyết định số ${d.decisionNumber}${d.decisionDate ? ` ngày ${formatDay(d.decisionDate)}` : ''}` : '';
const decisionEn = (d: TemplateDetails) =>
  d.decisionNumber ? ` by decision No. ${d.decisionNumber}${d.decisionDate ? ` of ${formatDay(d.decisionDate)}` : ''}` : '';

const NO_ACTION_VI = 'Thư này để thông báo, không cần thao tác.';
const NO_ACTION_EN = 'This is for your information; no action is needed.';

export const TEMPLATES = {
  // ---- village certification (workflows/certification) ------------------------------------------------
  consultation_ended: {
    kind: 'dossier',
    due: 'none',
    vi: {
      subject: (v) => `Kết thúc lấy ý kiến nhân dân: ${v.place}`,
      lead: (v) => `Thời gian niêm yết lấy ý kiến nhân dân về kết quả tự đánh giá của ${v.title} đã kết thúc.`,
      ask: () => 'Đề nghị tổ chức họp thôn, đính kèm biên bản cuộc họp và nộp hồ sơ để thẩm định.',
    },
    en: {
      subject: (v) => `Public consultation ended: ${v.place}`,
      lead: (v) => `The residents' consultation on the self-assessment of ${v.title} has ended.`,
      ask: () => 'Please hold the village meeting, attach its minutes and submit the dossier for review.',
    },
  },
  dossier_arrived: {
    kind: 'dossier',
    due: 'next',
    vi: {
      subject: (v) => `Hồ sơ chờ thẩm định: ${v.place}`,
      lead: (v) => `${cap(v.title)} đã được ${v.commune} nộp để thẩm định.`,
      ask: () => 'Đề nghị thẩm định 16 tiêu chí, sau đó trình tỉnh xem xét công nhận hoặc trả lại xã để bổ sung.',
      due: 'Hạn thẩm định',
    },
    en: {
      subject: (v) => `Dossier awaiting review: ${v.place}`,
      lead: (v) => `${cap(v.title)} was submitted for review by ${v.commune}.`,
      ask: () => 'Please review the 16 criteria, then forward the dossier to the province or return it to the commune for revision.',
      due: 'Review due',
    },
  },
  review_reminder: {
    kind: 'dossier',
    due: 'next',
    vi: {
      subject: (v) => `Nhắc việc: sắp đến hạn thẩm định hồ sơ ${v.place}`,
      lead: (v) => `${cap(v.title)} vẫn đang chờ thẩm định.`,
      ask: () => 'Đề nghị hoàn thành thẩm định trước hạn.',
      due: 'Hạn thẩm định',
    },
    en: {
      subject: (v) => `Reminder: review due soon for ${v.place}`,
      lead: (v) => `${cap(v.title)} is still awaiting review.`,
      ask: () => 'Please complete the review before the due date.',
      due: 'Review due',
    },
  },
  review_overdue: {
    kind: 'dossier',
    due: 'passed',
    vi: {
      subject: (v) => `Quá hạn thẩm định: ${v.place}`,
      lead: (v) => `${cap(v.title)} đã quá hạn thẩm định mà chưa có kết quả.`,
      ask: {
        REVIEWER: () => 'Đề nghị hoàn thành thẩm định ngay và báo cáo lý do chậm trễ.',
        PROVINCE_OFFICER: () => 'Đề nghị theo dõi, đôn đốc đơn vị thẩm định hoàn thành.',
        default: () => 'Đề nghị xử lý ngay.',
      },
      due: 'Quá hạn từ',
    },
    en: {
      subject: (v) => `Review overdue: ${v.place}`,
      lead: (v) => `${cap(v.title)} has passed its review due date without a decision.`,
      ask: {
        REVIEWER: () => 'Please complete the review now and report the reason for the delay.',
        PROVINCE_OFFICER: () => 'Please follow up with the reviewers until the review is done.',
        default: () => 'Please act now.',
      },
      due: 'Overdue since',
    },
  },
  dossier_returned: {
    kind: 'dossier',
    due: 'next',
    vi: {
      subject: (v) => `Hồ sơ bị trả lại để bổ sung: ${v.place}`,
      lead: (v) => `${cap(v.title)} đã được đơn vị thẩm định trả lại để bổ sung, hoàn thiện.${commentVi(v.details)}`,
      ask: () => 'Đề nghị bổ sung các tiêu chí được yêu cầu và nộp lại hồ sơ trước hạn; quá hạn, hồ sơ sẽ hết hiệu lực.',
      due: 'Hạn nộp lại',
    },
    en: {
      subject: (v) => `Dossier returned for revision: ${v.place}`,
      lead: (v) => `${cap(v.title)} was returned by the reviewers for revision.${commentEn(v.details)}`,
      ask: () => 'Please revise the criteria sent back and resubmit the dossier before the due date, after which it lapses.',
      due: 'Resubmit by',
    },
  },
  dossier_forwarded: {
    kind: 'dossier',
    due: 'next',
    vi: {
      subject: (v) => `Hồ sơ đã trình tỉnh xem xét công nhận: ${v.place}`,
      lead: (v) => `${cap(v.title)} đã được thẩm định đạt đủ 16 tiêu chí và trình UBND tỉnh xem xét công nhận.`,
      ask: {
        PROVINCE_OFFICER: () => 'Đề nghị xem xét, ký quyết định công nhận hoặc từ chối hồ sơ.',
        default: () => 'Hồ sơ đang chờ tỉnh xem xét; xã chưa cần thao tác thêm.',
      },
      due: 'Hạn ký quyết định',
    },
    en: {
      subject: (v) => `Dossier forwarded to the province: ${v.place}`,
      lead: (v) => `${cap(v.title)} was approved on all 16 criteria and forwarded to the province for recognition.`,
      ask: {
        PROVINCE_OFFICER: () => 'Please sign the recognition decision or reject the dossier.',
        default: () => 'The dossier now waits for the province; nothing is needed from the commune for now.',
      },
      due: 'Decision due',
    },
  },
  revision_reminder: {
    kind: 'dossier',
    due: 'next',
    vi: {
      subject: (v) => `Nhắc việc: sắp hết hạn nộp lại hồ sơ ${v.place}`,
      lead: (v) => `${cap(v.title)} đã bị trả lại để bổ sung và chưa được nộp lại.`,
      ask: () => 'Đề nghị bổ sung và nộp lại hồ sơ trước hạn; quá hạn, hồ sơ sẽ hết hiệu lực.',
      due: 'Hạn nộp lại',
    },
    en: {
      subject: (v) => `Reminder: resubmission due soon for ${v.place}`,
      lead: (v) => `${cap(v.title)} was returned for revision and has not been resubmitted yet.`,
      ask: () => 'Please revise and resubmit the dossier before the due date, after which it lapses.',
      due: 'Resubmit by',
    },
  },
  dossier_lapsed: {
    kind: 'dossier',
    due: 'passed',
    vi: {
      subject: (v) => `Hồ sơ hết hiệu lực do quá hạn nộp lại: ${v.place}`,
      lead: (v) => `${cap(v.title)} không được nộp lại trong thời hạn nên đã hết hiệu lực.`,
      ask: {
        COMMUNE_STAFF: () => 'Nếu thôn vẫn đề nghị công nhận, đề nghị xã lập hồ sơ mới.',
        default: () => `Hồ sơ đã đóng. ${NO_ACTION_VI}`,
      },
      due: 'Hạn nộp lại đã hết lúc',
    },
    en: {
      subject: (v) => `Dossier lapsed, not resubmitted in time: ${v.place}`,
      lead: (v) => `${cap(v.title)} was not resubmitted in time and has lapsed.`,
      ask: {
        COMMUNE_STAFF: () => 'If the village still seeks recognition, please open a new dossier.',
        default: () => `The dossier is closed. ${NO_ACTION_EN}`,
      },
      due: 'Resubmission was due',
    },
  },
  signoff_reminder: {
    kind: 'dossier',
    due: 'next',
    vi: {
      subject: (v) => `Nhắc việc: sắp đến hạn ký quyết định công nhận ${v.place}`,
      lead: (v) => `${cap(v.title)} đang chờ tỉnh ký quyết định công nhận.`,
      ask: () => 'Đề nghị ký quyết định công nhận hoặc từ chối hồ sơ trước hạn.',
      due: 'Hạn ký quyết định',
    },
    en: {
      subject: (v) => `Reminder: recognition decision due soon for ${v.place}`,
      lead: (v) => `${cap(v.title)} is waiting for the province's recognition decision.`,
      ask: () => 'Please sign the recognition decision or reject the dossier before the due date.',
      due: 'Decision due',
    },
  },
  signoff_overdue: {
    kind: 'dossier',
    due: 'passed',
    vi: {
      subject: (v) => `Quá hạn ký quyết định công nhận: ${v.place}`,
      lead: (v) => `${cap(v.title)} đã quá hạn xem xét ở cấp tỉnh mà chưa có quyết định.`,
      ask: {
        PROVINCE_OFFICER: () => 'Đề nghị ký quyết định công nhận hoặc từ chối hồ sơ ngay.',
        default: () => `Để theo dõi; đơn vị thẩm định không cần thao tác.`,
      },
      due: 'Quá hạn từ',
    },
    en: {
      subject: (v) => `Recognition decision overdue: ${v.place}`,
      lead: (v) => `${cap(v.title)} has passed the province's due date without a decision.`,
      ask: {
        PROVINCE_OFFICER: () => 'Please sign the recognition decision or reject the dossier now.',
        default: () => 'For your follow-up; nothing is needed from the reviewers.',
      },
      due: 'Overdue since',
    },
  },
  dossier_certified: {
    kind: 'dossier',
    due: 'none',
    vi: {
      subject: (v) => `Thôn đạt chuẩn nông thôn mới: ${v.place}`,
      lead: (v) => `UBND tỉnh đã công nhận ${v.village}, ${v.commune} đạt chuẩn nông thôn mới${decisionVi(v.details)}.`,
      ask: () => `Xin chúc mừng! ${NO_ACTION_VI}`,
    },
    en: {
      subject: (v) => `Village certified as meeting New Rural standards: ${v.place}`,
      lead: (v) => `The province recognised ${v.village}, ${v.commune} as meeting New Rural standards${decisionEn(v.details)}.`,
      ask: () => `Congratulations! ${NO_ACTION_EN}`,
    },
  },
  dossier_rejected: {
    kind: 'dossier',
    due: 'none',
    vi: {
      subject: (v) => `Hồ sơ không được công nhận: ${v.place}`,
      lead: (v) => `UBND tỉnh không công nhận ${v.title}.${reasonVi(v.details)}`,
      ask: {
        COMMUNE_STAFF: () => 'Xã có thể lập hồ sơ mới khi thôn đáp ứng đủ các tiêu chí.',
        default: () => NO_ACTION_VI,
      },
    },
    en: {
      subject: (v) => `Dossier rejected: ${v.place}`,
      lead: (v) => `The province rejected ${v.title}.${reasonEn(v.details)}`,
      ask: {
        COMMUNE_STAFF: () => 'The commune may open a new dossier once the village meets every criterion.',
        default: () => NO_ACTION_EN,
      },
    },
  },
  title_revoked: {
    kind: 'dossier',
    due: 'none',
    vi: {
      subject: (v) => `Thu hồi danh hiệu thôn đạt chuẩn nông thôn mới: ${v.place}`,
      lead: (v) => `UBND tỉnh đã thu hồi danh hiệu đạt chuẩn nông thôn mới của ${v.village}, ${v.commune}.${reasonVi(v.details)}`,
      ask: {
        COMMUNE_STAFF: () => 'Đề nghị rà soát các tiêu chí không còn đạt và xây dựng kế hoạch khắc phục.',
        default: () => NO_ACTION_VI,
      },
    },
    en: {
      subject: (v) => `New Rural title revoked: ${v.place}`,
      lead: (v) => `The province revoked the New Rural title of ${v.village}, ${v.commune}.${reasonEn(v.details)}`,
      ask: {
        COMMUNE_STAFF: () => 'Please review the criteria no longer met and plan how to restore them.',
        default: () => NO_ACTION_EN,
      },
    },
  },

  // ---- project funding (works under the special mechanism) -------------------------------------------
  project_submitted: {
    kind: 'project',
    due: 'next',
    vi: {
      subject: (v) => `Công trình chờ thẩm định: ${v.title} – ${v.place}`,
      lead: (v) => `${cap(v.commune)} đã trình đề xuất công trình “${v.title}” tại ${v.village} theo cơ chế đặc thù.`,
      ask: () => 'Đề nghị thẩm định đề xuất, sau đó trình tỉnh hoặc trả lại xã để chỉnh sửa.',
      due: 'Hạn thẩm định',
    },
    en: {
      subject: (v) => `Work awaiting review: ${v.title} – ${v.place}`,
      lead: (v) => `${cap(v.commune)} submitted the proposed work "${v.title}" in ${v.village} under the special mechanism.`,
      ask: () => 'Please review the proposal, then forward it to the province or return it to the commune.',
      due: 'Review due',
    },
  },
  project_returned: {
    kind: 'project',
    due: 'next',
    vi: {
      subject: (v) => `Đề xuất công trình bị trả lại: ${v.title} – ${v.place}`,
      lead: (v) => `Đề xuất công trình “${v.title}” tại ${v.village}, ${v.commune} đã được trả lại để chỉnh sửa.${commentVi(v.details)}`,
      ask: () => 'Đề nghị chỉnh sửa đề xuất theo ý kiến thẩm định và trình lại.',
      due: 'Hạn trình lại',
    },
    en: {
      subject: (v) => `Proposed work returned: ${v.title} – ${v.place}`,
      lead: (v) => `The proposed work "${v.title}" in ${v.village}, ${v.commune} was returned for changes.${commentEn(v.details)}`,
      ask: () => 'Please amend the proposal as the reviewers ask and submit it again.',
      due: 'Resubmit by',
    },
  },
  project_approved: {
    kind: 'project',
    due: 'next',
    vi: {
      subject: (v) => `Công trình được chấp thuận, chờ phân bổ vốn: ${v.title} – ${v.place}`,
      lead: (v) => `Đề xuất công trình “${v.title}” tại ${v.village}, ${v.commune} đã được chấp thuận và trình tỉnh phân bổ vốn.`,
      ask: {
        PROVINCE_OFFICER: () => 'Đề nghị xem xét phân bổ vốn cho công trình.',
        default: () => `Đề xuất đang chờ tỉnh phân bổ vốn. ${NO_ACTION_VI}`,
      },
      due: 'Hạn xem xét',
    },
    en: {
      subject: (v) => `Work approved, awaiting funds: ${v.title} – ${v.place}`,
      lead: (v) => `The proposed work "${v.title}" in ${v.village}, ${v.commune} was approved and forwarded to the province for funding.`,
      ask: {
        PROVINCE_OFFICER: () => 'Please allocate funds to the work.',
        default: () => `The proposal waits for the province's allocation. ${NO_ACTION_EN}`,
      },
      due: 'Decision due',
    },
  },
  funds_allocated: {
    kind: 'project',
    due: 'none',
    vi: {
      subject: (v) => `Đã phân bổ vốn cho công trình: ${v.title} – ${v.place}`,
      lead: (v) => `UBND tỉnh đã phân bổ vốn cho công trình “${v.title}” tại ${v.village}, ${v.commune}.`,
      ask: {
        COMMUNE_STAFF: () => 'Đề nghị triển khai thi công, ghi nhận đóng góp của nhân dân và báo cáo tiến độ.',
        default: () => NO_ACTION_VI,
      },
    },
    en: {
      subject: (v) => `Funds allocated to the work: ${v.title} – ${v.place}`,
      lead: (v) => `The province allocated funds to the work "${v.title}" in ${v.village}, ${v.commune}.`,
      ask: {
        COMMUNE_STAFF: () => "Please start the work, record the residents' contributions and report progress.",
        default: () => NO_ACTION_EN,
      },
    },
  },
  insufficient_funds: {
    kind: 'project',
    due: 'none',
    vi: {
      subject: (v) => `Không đủ nguồn vốn để phân bổ: ${v.title} – ${v.place}`,
      lead: (v) =>
        `Chưa thể phân bổ vốn cho công trình “${v.title}” tại ${v.village}, ${v.commune} vì nguồn vốn còn lại không đủ.${reasonVi(v.details)}`,
      ask: {
        PROVINCE_OFFICER: () => 'Đề nghị điều chỉnh cơ cấu nguồn vốn hoặc bổ sung nguồn trước khi phân bổ lại.',
        default: () => `Công trình chờ tỉnh bố trí nguồn vốn. ${NO_ACTION_VI}`,
      },
    },
    en: {
      subject: (v) => `Not enough funds to allocate: ${v.title} – ${v.place}`,
      lead: (v) =>
        `Funds could not be allocated to the work "${v.title}" in ${v.village}, ${v.commune}: a fund's available amount is short.${reasonEn(v.details)}`,
      ask: {
        PROVINCE_OFFICER: () => 'Please change the funding lines or top up the funds, then allocate again.',
        default: () => `The work waits for the province to find funds. ${NO_ACTION_EN}`,
      },
    },
  },
  acceptance_requested: {
    kind: 'project',
    due: 'next',
    vi: {
      subject: (v) => `Đề nghị nghiệm thu công trình: ${v.title} – ${v.place}`,
      lead: (v) => `${cap(v.commune)} đề nghị nghiệm thu công trình “${v.title}” tại ${v.village} đã hoàn thành.`,
      ask: () => 'Đề nghị tổ chức nghiệm thu và ghi nhận giá trị nghiệm thu.',
      due: 'Hạn nghiệm thu',
    },
    en: {
      subject: (v) => `Acceptance requested for the work: ${v.title} – ${v.place}`,
      lead: (v) => `${cap(v.commune)} asks for acceptance of the finished work "${v.title}" in ${v.village}.`,
      ask: () => 'Please inspect the work and record its accepted value.',
      due: 'Acceptance due',
    },
  },
  acceptance_refused: {
    kind: 'project',
    due: 'none',
    vi: {
      subject: (v) => `Công trình chưa được nghiệm thu, trả lại để hoàn thiện: ${v.title} – ${v.place}`,
      lead: (v) =>
        `Công trình “${v.title}” tại ${v.village}, ${v.commune} chưa đủ điều kiện nghiệm thu và được trả lại để hoàn thiện.${reasonVi(v.details)}`,
      ask: () => 'Đề nghị khắc phục các tồn tại nêu trên rồi đề nghị nghiệm thu lại.',
    },
    en: {
      subject: (v) => `Acceptance refused, work sent back: ${v.title} – ${v.place}`,
      lead: (v) =>
        `The work "${v.title}" in ${v.village}, ${v.commune} was not accepted and is sent back to be completed.${reasonEn(v.details)}`,
      ask: () => 'Please put right what is listed above, then request acceptance again.',
    },
  },
  project_accepted: {
    kind: 'project',
    due: 'next',
    vi: {
      subject: (v) => `Công trình đã nghiệm thu, chờ quyết toán: ${v.title} – ${v.place}`,
      lead: (v) => `Công trình “${v.title}” tại ${v.village}, ${v.commune} đã được nghiệm thu và chờ tỉnh quyết toán.`,
      ask: {
        PROVINCE_OFFICER: () => 'Đề nghị thẩm tra, phê duyệt quyết toán công trình trong phạm vi giá trị nghiệm thu.',
        default: () => `Công trình đang chờ tỉnh quyết toán. ${NO_ACTION_VI}`,
      },
      due: 'Hạn quyết toán',
    },
    en: {
      subject: (v) => `Work accepted, awaiting settlement: ${v.title} – ${v.place}`,
      lead: (v) => `The work "${v.title}" in ${v.village}, ${v.commune} was accepted and waits for the province's settlement.`,
      ask: {
        PROVINCE_OFFICER: () => 'Please settle the work, within its accepted value.',
        default: () => `The work waits for the province's settlement. ${NO_ACTION_EN}`,
      },
      due: 'Settlement due',
    },
  },
  project_settled: {
    kind: 'project',
    due: 'none',
    vi: {
      subject: (v) => `Công trình đã được quyết toán: ${v.title} – ${v.place}`,
      lead: (v) =>
        `Công trình “${v.title}” tại ${v.village}, ${v.commune} đã được quyết toán; phần vốn phân bổ chưa sử dụng đã được hoàn trả về nguồn.`,
      ask: () => NO_ACTION_VI,
    },
    en: {
      subject: (v) => `Work settled: ${v.title} – ${v.place}`,
      lead: (v) => `The work "${v.title}" in ${v.village}, ${v.commune} was settled; the unused allocation went back to the funds.`,
      ask: () => NO_ACTION_EN,
    },
  },
  project_cancelled: {
    kind: 'project',
    due: 'none',
    vi: {
      subject: (v) => `Công trình đã bị hủy: ${v.title} – ${v.place}`,
      lead: (v) =>
        `Công trình “${v.title}” tại ${v.village}, ${v.commune} đã bị hủy; phần vốn đã phân bổ (nếu có) được hoàn trả về nguồn.${reasonVi(v.details)}`,
      ask: () => NO_ACTION_VI,
    },
    en: {
      subject: (v) => `Work cancelled: ${v.title} – ${v.place}`,
      lead: (v) =>
        `The work "${v.title}" in ${v.village}, ${v.commune} was cancelled; any allocation went back to the funds.${reasonEn(v.details)}`,
      ask: () => NO_ACTION_EN,
    },
  },

  project_rejected: {
    kind: 'project',
    due: 'none',
    vi: {
      subject: (v) => `Công trình không được phê duyệt: ${v.title} – ${v.place}`,
      lead: (v) => `Tỉnh đã không phê duyệt công trình “${v.title}” tại ${v.village}, ${v.commune}.${reasonVi(v.details)}`,
      ask: () => NO_ACTION_VI,
    },
    en: {
      subject: (v) => `Work not approved: ${v.title} – ${v.place}`,
      lead: (v) => `The province did not approve the work "${v.title}" in ${v.village}, ${v.commune}.${reasonEn(v.details)}`,
      ask: () => NO_ACTION_EN,
    },
  },

  // ---- criteria assessments between certifications (workflows/assessment) ---------------------------
  assessment_submitted: {
    kind: 'any',
    due: 'next',
    vi: {
      subject: (v) => `Kết quả đánh giá tiêu chí chờ xác nhận: ${v.place}`,
      lead: (v) => `${cap(v.commune)} đã gửi ${v.title} để đề nghị xác nhận.`,
      ask: () => 'Đề nghị kiểm tra tài liệu minh chứng, xác nhận kết quả đánh giá hoặc trả lại xã để bổ sung.',
      due: 'Hạn xác nhận',
    },
    en: {
      subject: (v) => `Criteria assessment awaiting confirmation: ${v.place}`,
      lead: (v) => `${cap(v.commune)} submitted ${v.title} for confirmation.`,
      ask: () => 'Please check the evidence, then confirm the assessment or return it to the commune.',
      due: 'Confirmation due',
    },
  },
  assessment_confirmed: {
    kind: 'any',
    due: 'none',
    vi: {
      subject: (v) => `Kết quả đánh giá tiêu chí đã được xác nhận: ${v.place}`,
      lead: (v) => `${cap(v.title)} đã được xác nhận; các tiêu chí của thôn đã được cập nhật theo kết quả này.`,
      ask: () => NO_ACTION_VI,
    },
    en: {
      subject: (v) => `Criteria assessment confirmed: ${v.place}`,
      lead: (v) => `${cap(v.title)} was confirmed; the village's criteria now follow it.`,
      ask: () => NO_ACTION_EN,
    },
  },
  assessment_returned: {
    kind: 'any',
    due: 'next',
    vi: {
      subject: (v) => `Kết quả đánh giá tiêu chí bị trả lại để bổ sung: ${v.place}`,
      lead: (v) => `${cap(v.title)} đã bị trả lại.${reasonVi(v.details)}`,
      ask: () => 'Đề nghị bổ sung, hoàn thiện kết quả đánh giá và gửi lại.',
      due: 'Hạn gửi lại',
    },
    en: {
      subject: (v) => `Criteria assessment returned for revision: ${v.place}`,
      lead: (v) => `${cap(v.title)} was returned.${reasonEn(v.details)}`,
      ask: () => 'Please revise the assessment and submit it again.',
      due: 'Resubmit by',
    },
  },

  // ---- generic reminders and escalations (any workflow's deadlines) ----------------------------------
  reminder: {
    kind: 'any',
    due: 'next',
    vi: {
      subject: (v) => `Nhắc việc: sắp đến hạn xử lý – ${v.title} (${v.place})`,
      lead: (v) => `${cap(v.title)} tại ${v.place} đang chờ đơn vị xử lý.`,
      ask: () => 'Đề nghị xử lý trước hạn.',
      due: 'Hạn xử lý',
    },
    en: {
      subject: (v) => `Reminder: due soon – ${v.title} (${v.place})`,
      lead: (v) => `${cap(v.title)} in ${v.place} is waiting for you.`,
      ask: () => 'Please deal with it before the due date.',
      due: 'Due',
    },
  },
  overdue: {
    kind: 'any',
    due: 'passed',
    vi: {
      subject: (v) => `Quá hạn xử lý: ${v.title} (${v.place})`,
      lead: (v) => `${cap(v.title)} tại ${v.place} đã quá hạn xử lý.`,
      ask: {
        PROVINCE_OFFICER: () => 'Đề nghị theo dõi, đôn đốc đơn vị liên quan xử lý ngay.',
        default: () => 'Đề nghị xử lý ngay và báo cáo lý do chậm trễ.',
      },
      due: 'Quá hạn từ',
    },
    en: {
      subject: (v) => `Overdue: ${v.title} (${v.place})`,
      lead: (v) => `${cap(v.title)} in ${v.place} is overdue.`,
      ask: {
        PROVINCE_OFFICER: () => 'Please follow up until it is dealt with.',
        default: () => 'Please deal with it now and report the reason for the delay.',
      },
      due: 'Overdue since',
    },
  },
} satisfies Record<string, TemplateSpec>;

export type TemplateName = keyof typeof TEMPLATES;
export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];

export function isTemplateName(name: unknown): name is TemplateName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(TEMPLATES, name);
}

/** Which due date the template shows: the next pending one, the one that passed, or none. */
export function dueModeOf(template: TemplateName): DueMode {
  return (TEMPLATES[template] as TemplateSpec).due;
}

// ---- formatting ------------------------------------------------------------------------------------------

const TIME_ZONE = 'Asia/Ho_Chi_Minh';
const dateTimeParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** dd/MM/yyyy HH:mm in Vietnam's time (UTC+7). */
export function formatDueDate(at: Date): string {
  const p = Object.fromEntries(dateTimeParts.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** A calendar date given as YYYY-MM-DD (or an ISO time) as dd/MM/yyyy; anything else as given. */
function formatDay(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? value : formatDueDate(t).slice(0, 10);
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function cap(s: string): string {
  return s ? s[0].toLocaleUpperCase('vi') + s.slice(1) : s;
}

const CHROME = {
  vi: {
    greeting: (name: string) => `Kính gửi ${name},`,
    village: 'Thôn',
    commune: 'Xã',
    work: 'Công trình',
    asked: 'Việc cần làm',
    open: { dossier: 'Mở hồ sơ', project: 'Mở công trình', any: 'Mở trên hệ thống' },
    footer: 'Thư tự động từ hệ thống NTM Workflow (Chương trình xây dựng nông thôn mới). Vui lòng không trả lời thư này.',
  },
  en: {
    greeting: (name: string) => `Dear ${name},`,
    village: 'Village',
    commune: 'Commune',
    work: 'Work',
    asked: 'What is asked',
    open: { dossier: 'Open the dossier', project: 'Open the work', any: 'Open in NTM Workflow' },
    footer: 'Automatic message from NTM Workflow (New Rural Development programme). Please do not reply.',
  },
};

/** Renders one template for one reader. Throws on an unknown template. */
export function renderTemplate(template: string, input: TemplateInput): RenderedMail {
  if (!isTemplateName(template)) throw new Error(`unknown notification template ${template}`);
  const spec = TEMPLATES[template] as TemplateSpec;
  const locale: Locale = input.locale === 'en' ? 'en' : 'vi';
  const words = locale === 'en' ? en : vi;
  const text = spec[locale];
  const chrome = CHROME[locale];
  const vars: Vars = {
    title: input.title[locale] || input.title.vi,
    village: words.village(input.villageName),
    commune: words.commune(input.communeName),
    place: `${words.village(input.villageName)}, ${words.commune(input.communeName)}`,
    details: input.details ?? {},
  };
  const askOf = text.ask;
  const ask = typeof askOf === 'function' ? askOf(vars) : (askOf[input.role] ?? askOf.default)(vars);
  const subject = oneLine(text.subject(vars));
  const lead = text.lead(vars);
  const due = spec.due !== 'none' && input.dueAt && text.due ? { label: text.due, value: formatDueDate(input.dueAt) } : null;
  const facts: [string, string][] = [
    ...(spec.kind === 'project' ? ([[chrome.work, vars.title]] as [string, string][]) : []),
    [chrome.village, input.villageName],
    [chrome.commune, input.communeName],
    ...(due ? ([[due.label, due.value]] as [string, string][]) : []),
  ];
  const open = chrome.open[spec.kind];

  const plain = [
    chrome.greeting(input.recipientName),
    '',
    lead,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    `${chrome.asked}: ${ask}`,
    '',
    `${open}: ${input.url}`,
    '',
    '-- ',
    chrome.footer,
    '',
  ].join('\n');

  const e = escapeHtml;
  const html = `<!DOCTYPE html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #1f2933; margin: 0; padding: 16px;">
<p>${e(chrome.greeting(input.recipientName))}</p>
<p>${e(lead)}</p>
<table role="presentation" style="border-collapse: collapse; margin: 12px 0;">
${facts.map(([k, v]) => `<tr><th scope="row" style="text-align: left; padding: 2px 12px 2px 0; font-weight: normal; color: #52606d;">${e(k)}</th><td style="padding: 2px 0;${k === due?.label ? ' font-weight: bold;' : ''}">${e(v)}</td></tr>`).join('\n')}
</table>
<p><strong>${e(chrome.asked)}:</strong> ${e(ask)}</p>
<p><a href="${e(input.url)}" style="display: inline-block; padding: 8px 16px; background: #0b6e4f; color: #ffffff; text-decoration: none; border-radius: 4px;">${e(open)}</a></p>
<p style="font-size: 13px; color: #52606d;">${e(input.url)}</p>
<hr style="border: none; border-top: 1px solid #d9e2ec;">
<p style="font-size: 12px; color: #7b8794;">${e(chrome.footer)}</p>
</body>
</html>
`;
  return { subject, text: plain, html };
}

/** A header value on one line (a title or a name with a line break would otherwise break the header). */
function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

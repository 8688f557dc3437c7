/**
 * The words of every refusal the service gives, in Vietnamese and English: the API's error messages (chosen by
 * `Accept-Language`) and the pages' messages beside a field. A parameter may itself be a pair of words
 * (`{ vi, en }`, such as a state's name), rendered in the message's language.
 */
export type Locale = 'vi' | 'en';
export const LOCALES: readonly Locale[] = ['vi', 'en'];

/** Words in both languages. */
export interface Words {
  vi: string;
  en: string;
}

export type MessageParam = string | number | boolean | null | undefined | Words | readonly (string | number)[];
export type MessageParams = Record<string, MessageParam>;

type Render = (p: Record<string, string>) => string;

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Nouns the messages name (`not_found`'s `what`). */
export const NOUNS: Record<string, Words> = {
  dossier: { vi: 'hồ sơ', en: 'dossier' },
  village: { vi: 'thôn', en: 'village' },
  unit: { vi: 'đơn vị', en: 'unit' },
  'parent unit': { vi: 'đơn vị cấp trên', en: 'parent unit' },
  user: { vi: 'người dùng', en: 'user' },
  attachment: { vi: 'tệp đính kèm', en: 'attachment' },
  file: { vi: 'tệp', en: 'file' },
  project: { vi: 'công trình', en: 'project' },
  fund: { vi: 'nguồn vốn', en: 'fund' },
  contribution: { vi: 'khoản đóng góp', en: 'contribution' },
  'this account': { vi: 'tài khoản này', en: 'this account' },
  'this address': { vi: 'địa chỉ này', en: 'this address' },
  'audit checkpoint': { vi: 'điểm kiểm tra nhật ký', en: 'audit checkpoint' },
  'audit run': { vi: 'lượt kiểm tra nhật ký', en: 'audit run' },
  assessment: { vi: 'kết quả đánh giá tiêu chí', en: 'assessment' },
};

const CATALOG = {
  // ---- who and where ----
  not_found: { en: (p) => `${p.what} not found`, vi: (p) => `Không tìm thấy ${p.what}` },
  token_required: { en: () => 'a bearer token is required', vi: () => 'Cần đăng nhập (thiếu mã truy cập)' },
  token_expired: { en: () => 'the token has expired; sign in again', vi: () => 'Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại' },
  token_invalid: { en: () => 'the token is not valid', vi: () => 'Mã truy cập không hợp lệ' },
  session_ended: {
    en: () => 'this sign-in has ended (signed out, or the account was deactivated); sign in again',
    vi: () => 'Phiên đăng nhập đã kết thúc (đã đăng xuất hoặc tài khoản đã bị khóa), vui lòng đăng nhập lại',
  },
  wrong_credentials: { en: () => 'wrong username or password', vi: () => 'Sai tên đăng nhập hoặc mật khẩu' },
  too_many_sign_ins: {
    en: (p) => `too many failed sign-ins for ${p.who}; try again in ${p.seconds} second(s)`,
    vi: (p) => `Đăng nhập sai quá nhiều lần từ ${p.who}; vui lòng thử lại sau ${p.seconds} giây`,
  },
  role_may_not: {
    en: (p) => `role ${p.role} may not do this (needs ${p.roles})`,
    vi: () => 'Bạn không có quyền thực hiện thao tác này',
  },
  role_may_not_send: {
    en: (p) => `role ${p.role} may not send ${p.event}`,
    vi: (p) => `Bạn không có quyền thực hiện thao tác “${p.event}”`,
  },
  other_units_event: {
    en: (p) => `${p.event} is for another unit's ${p.role}`,
    vi: (p) => `Thao tác “${p.event}” thuộc thẩm quyền của đơn vị khác`,
  },
  commune_only: {
    en: (p) => `only the village's commune staff may ${p.action}`,
    vi: (p) => `Chỉ cán bộ UBND xã của thôn mới được ${p.action}`,
  },
  cancel_before_approval: {
    en: () => 'before approval only the commune may cancel the work',
    vi: () => 'Trước khi được phê duyệt, chỉ xã mới được hủy công trình',
  },
  cancel_after_allocation: {
    en: () => 'once funds are allocated only the province may cancel the work',
    vi: () => 'Sau khi đã phân bổ vốn, chỉ cấp tỉnh mới được hủy công trình',
  },

  // ---- the workflow ----
  event_not_allowed: {
    en: (p) => `${p.event} is not allowed in state ${p.state}`,
    vi: (p) => `Không thể thực hiện “${p.event}” khi đang ở trạng thái “${p.state}”`,
  },
  workflow_exists: { en: (p) => `${p.type} ${p.id} already has a workflow`, vi: (p) => `${p.type} ${p.id} đã có quy trình` },
  stale: {
    en: (p) => `the ${p.what} has changed since it was read (If-Match): read it again`,
    vi: (p) => `${capital(p.what)} đã được người khác cập nhật, vui lòng tải lại trang`,
  },
  workflow_rule: { en: (p) => p.text, vi: (p) => p.text },
  rule_refused: {
    en: (p) => `${p.event} refused by rule ${p.rule}`,
    vi: (p) => `Không thể thực hiện “${p.event}”: chưa đáp ứng điều kiện ${p.rule}`,
  },

  // ---- criteria assessments and imports ----
  assessment_date: {
    en: (p) => `assessedOn ${p.date} must be a real date, not in the future`,
    vi: (p) => `Ngày đánh giá ${p.date} không hợp lệ hoặc ở tương lai`,
  },
  assessment_criteria_twice: {
    en: () => 'each criterion may appear once in an assessment',
    vi: () => 'Mỗi tiêu chí chỉ được ghi một lần trong một kết quả đánh giá',
  },
  assessment_not_editable: {
    en: (p) => `the assessment can be changed while it is with the commune, not in state ${p.state}`,
    vi: (p) => `Chỉ sửa được kết quả đánh giá khi còn ở cấp xã; kết quả đang ở trạng thái “${p.state}”`,
  },
  assessment_attachments_closed: {
    en: (p) => `evidence cannot be attached in state ${p.state}`,
    vi: (p) => `Không thể đính kèm tài liệu minh chứng khi kết quả đánh giá ở trạng thái “${p.state}”`,
  },
  import_rows_invalid: {
    en: (p) => `${p.rows} row(s) of the file are not valid (the first: row ${p.first}); nothing was imported`,
    vi: (p) => `Tệp có ${p.rows} dòng không hợp lệ (dòng đầu tiên: dòng ${p.first}); chưa nhập dữ liệu nào`,
  },

  // ---- dossiers ----
  upload_quota_exceeded: {
    en: (p) => `uploads are limited to ${p.mb} MB per user over 24 hours: try again later`,
    vi: (p) => `Mỗi người dùng chỉ được tải lên tối đa ${p.mb} MB trong 24 giờ: vui lòng thử lại sau`,
  },
  batch_decision_document: {
    en: () => "decisionAttachmentId must name a document of kind 'decision' attached to one of the listed dossiers",
    vi: () => 'Cần chọn tệp quyết định (loại “Quyết định công nhận”) đã đính kèm vào một trong các hồ sơ được liệt kê',
  },
  dossier_exists: {
    en: (p) => `village ${p.village} already has an open dossier for ${p.year}`,
    vi: (p) => `Thôn ${p.village} đã có hồ sơ đang xử lý của năm ${p.year}`,
  },
  criteria_not_editable: {
    en: (p) => `criteria can be edited in ${p.states}, not in ${p.state}`,
    vi: (p) => `Chỉ sửa được tiêu chí khi hồ sơ ở trạng thái ${p.states}; hồ sơ đang ở trạng thái “${p.state}”`,
  },
  attachments_closed: {
    en: (p) => `files cannot be attached in state ${p.state}`,
    vi: (p) => `Không thể đính kèm tệp khi hồ sơ ở trạng thái “${p.state}”`,
  },
  attachment_kind_not_yours: {
    en: (p) => `${p.role} may attach ${p.kinds}, not ${p.kind}`,
    vi: (p) => `Vai trò này chỉ đính kèm được: ${p.kindsVi}`,
  },
  agreement_required: {
    en: () => 'give householdsRepresented and householdsAgreeing (or agreementPercent)',
    vi: () => 'Vui lòng nhập số hộ dự họp và số hộ đồng ý',
  },
  households_incomplete: {
    en: () => 'householdsRepresented and householdsAgreeing go together',
    vi: () => 'Vui lòng nhập cả số hộ dự họp và số hộ đồng ý',
  },
  households_agreeing_over: {
    en: (p) => `householdsAgreeing (${p.agreeing}) cannot exceed householdsRepresented (${p.represented})`,
    vi: (p) => `Số hộ đồng ý (${p.agreeing}) không được lớn hơn số hộ dự họp (${p.represented})`,
  },
  agreement_mismatch: {
    en: (p) => `agreementPercent ${p.given} does not match the households given (${p.computed}%)`,
    vi: (p) => `Tỷ lệ đồng thuận ${p.given}% không khớp với số hộ đã nhập (${p.computed}%)`,
  },
  criterion_code: { en: () => 'code must be an integer from 1 to 16', vi: () => 'Mã tiêu chí phải là số nguyên từ 1 đến 16' },
  event_type: { en: (p) => `type must be one of ${p.types}`, vi: (p) => `Loại thao tác phải là một trong: ${p.types}` },
  file_required: { en: () => 'file is required (multipart field "file")', vi: () => 'Vui lòng chọn tệp cần đính kèm' },
  multipart_unreadable: {
    en: (p) => `the multipart body cannot be read: ${p.reason}`,
    vi: () => 'Không đọc được tệp gửi lên, vui lòng gửi lại',
  },
  unexpected_file_field: {
    en: (p) => `unexpected file field "${p.field}" (send the file as "file")`,
    vi: (p) => `Trường tệp “${p.field}” không hợp lệ (gửi tệp trong trường “file”)`,
  },
  file_too_large: { en: (p) => `file is larger than ${p.mb} MB (MAX_UPLOAD_MB)`, vi: (p) => `Tệp lớn hơn ${p.mb} MB, không thể tải lên` },
  file_type: {
    en: () => 'file must be a PDF, an office document, a JPEG or a PNG (judged by its content)',
    vi: () => 'Tệp phải là PDF, văn bản Office, ảnh JPEG hoặc PNG (xét theo nội dung tệp)',
  },
  file_type_zip: {
    en: () =>
      'the file is a plain ZIP archive, not an office document: a real .docx, .xlsx or .pptx holds a [Content_Types].xml naming its Word, Excel or PowerPoint part',
    vi: () =>
      'Tệp chỉ là tệp nén ZIP, không phải văn bản Office (.docx, .xlsx, .pptx); vui lòng lưu lại tài liệu bằng Word, Excel hoặc PowerPoint rồi tải lên',
  },

  // ---- units and users ----
  unit_code_taken: { en: (p) => `a unit with code ${p.code} already exists`, vi: (p) => `Mã đơn vị ${p.code} đã tồn tại` },
  unit_parent_none: { en: (p) => `a ${p.level} has no parent`, vi: (p) => `Đơn vị cấp ${p.level} không có đơn vị cấp trên` },
  unit_parent_level: {
    en: (p) => `a ${p.level} must sit directly under a ${p.allowed}${p.parent ? `, not a ${p.parent}` : ''}`,
    vi: (p) => `Đơn vị cấp ${p.level} phải trực thuộc ${p.allowed}${p.parent ? `, không thuộc ${p.parent}` : ''}`,
  },
  username_taken: { en: (p) => `username ${p.username} is taken`, vi: (p) => `Tên đăng nhập ${p.username} đã được sử dụng` },
  role_unit_level: {
    en: (p) => `a ${p.role} belongs to a ${p.levels}, not a ${p.level}`,
    vi: (p) => `Vai trò ${p.role} thuộc đơn vị cấp ${p.levels}, không thuộc cấp ${p.level}`,
  },
  criteria_for_reviewers: {
    en: () => 'criteria (specialities) apply to REVIEWER users only',
    vi: () => 'Chỉ cán bộ thẩm định mới được phân công tiêu chí chuyên môn',
  },

  // ---- funds and projects ----
  fund_repeated: {
    en: (p) => `fund ${p.fund} appears in more than one funding line`,
    vi: (p) => `Nguồn vốn ${p.fund} xuất hiện ở nhiều dòng`,
  },
  fund_unknown: { en: (p) => `unknown fund code(s): ${p.funds}`, vi: (p) => `Không có nguồn vốn mã ${p.funds}` },
  community_contribution_required: {
    en: () => 'a funding line on a central-budget fund needs at least one pledged community contribution',
    vi: () => 'Công trình dùng vốn ngân sách trung ương phải có ít nhất một khoản đóng góp đối ứng của cộng đồng',
  },
  funding_exceeds_cost: {
    en: (p) => `funding (${p.funded}) plus contributions (${p.pledged}) exceed the estimated cost (${p.cost})`,
    vi: (p) => `Vốn đề nghị (${p.funded}) cộng đóng góp (${p.pledged}) vượt tổng mức đầu tư (${p.cost})`,
  },
  special_mechanism_cap: {
    en: (p) => `the estimated cost must stay below the special mechanism's cap of ${p.cap} VND`,
    vi: (p) => `Tổng mức đầu tư phải dưới mức trần của cơ chế đặc thù (${p.cap} đồng)`,
  },
  work_type_required: {
    en: () => 'give the type of work (workType) or the criterion it serves (criterionCode)',
    vi: () => 'Vui lòng chọn loại công trình (hoặc tiêu chí công trình phục vụ)',
  },
  work_type_ambiguous: {
    en: (p) => `criterion ${p.criterion} is served by several types of work (${p.types}): give workType`,
    vi: (p) => `Tiêu chí số ${p.criterion} có nhiều loại công trình (${p.types}): vui lòng chọn loại công trình`,
  },
  criterion_not_eligible: {
    en: (p) => `the plan funds no work under criterion ${p.criterion}`,
    vi: (p) => `Kế hoạch không hỗ trợ xây dựng công trình thuộc tiêu chí số ${p.criterion}`,
  },
  work_type_criterion_mismatch: {
    en: (p) => `a work of type ${p.type} serves criterion ${p.expected}, not ${p.criterion}`,
    vi: (p) => `Loại công trình “${p.type}” phục vụ tiêu chí số ${p.expected}, không phải tiêu chí số ${p.criterion}`,
  },
  physical_quantity_required: {
    en: (p) => `give the length of the work (physicalQuantity, in km) for a ${p.type}`,
    vi: (p) => `Vui lòng nhập chiều dài (km) của công trình “${p.type}”`,
  },
  central_budget_essential_only: {
    en: (p) => `${p.fund} is central budget, which funds only essential infrastructure; a ${p.type} is not`,
    vi: (p) => `Nguồn ${p.fund} là vốn ngân sách trung ương, chỉ hỗ trợ công trình hạ tầng thiết yếu; “${p.type}” không thuộc loại này`,
  },
  credit_not_allocatable: {
    en: (p) => `${p.fund} is credit, lent to households through the policy bank: it is never allocated to a work`,
    vi: (p) => `Nguồn ${p.fund} là vốn tín dụng cho hộ gia đình vay qua Ngân hàng Chính sách xã hội, không phân bổ cho công trình`,
  },
  mobilised_not_allocatable: {
    en: (p) =>
      `${p.fund} is what residents and enterprises mobilise: it counts their contributions and pledges and is not allocated as a grant`,
    vi: (p) =>
      `Nguồn ${p.fund} là nguồn lực huy động từ doanh nghiệp, cộng đồng và người dân (tính theo đóng góp và cam kết), không phân bổ như vốn ngân sách`,
  },
  fund_year_mismatch: {
    en: (p) => `${p.fund} funds only works of ${p.fundYear}; this work is of ${p.year}`,
    vi: (p) => `Nguồn ${p.fund} chỉ hỗ trợ công trình năm ${p.fundYear}; công trình này thuộc năm ${p.year}`,
  },
  fund_not_credit: {
    en: (p) => `${p.fund} is not a credit fund: loans are recorded on credit funds only`,
    vi: (p) => `Nguồn ${p.fund} không phải vốn tín dụng: chỉ ghi nhận khoản vay trên nguồn vốn tín dụng`,
  },
  fund_not_mobilised: {
    en: (p) => `${p.fund} is not a mobilised fund: enterprises' pledges are recorded on mobilised funds only`,
    vi: (p) => `Nguồn ${p.fund} không phải nguồn huy động: chỉ ghi nhận cam kết của doanh nghiệp trên nguồn huy động`,
  },
  insufficient_funds: {
    en: (p) => `not enough available in ${p.funds}; nothing was allocated`,
    vi: (p) => `Nguồn vốn ${p.funds} không đủ số còn lại; chưa phân bổ khoản nào`,
  },
  settlement_exceeds_allocation: {
    en: (p) => `the settled amount ${p.settled} is more than the allocation ${p.allocated}`,
    vi: (p) => `Giá trị quyết toán ${p.settled} lớn hơn số vốn đã phân bổ ${p.allocated}`,
  },
  settlement_exceeds_accepted_value: {
    en: (p) => `the settled amount ${p.settled} is more than the accepted value ${p.accepted}`,
    vi: (p) => `Giá trị quyết toán ${p.settled} đồng vượt giá trị nghiệm thu ${p.accepted} đồng`,
  },
  receipts_closed: {
    en: (p) => `receipts cannot be recorded once the work is ${p.state}`,
    vi: (p) => `Không thể ghi nhận đóng góp khi công trình đã ở trạng thái “${p.state}”`,
  },
  contribution_unit_fixed: {
    en: (p) => `a ${p.kind} contribution is counted in ${p.expected}, not "${p.unit}": leave unit out`,
    vi: (p) => `Đóng góp ${p.kind} được tính bằng ${p.expected}, không dùng đơn vị “${p.unit}”: không cần gửi đơn vị`,
  },
  contribution_quantity_is_value: {
    en: (p) =>
      `a ${p.kind} contribution is counted by its value in đồng: its quantity (${p.quantity}) must equal valueVnd (${p.value}), or be left out`,
    vi: (p) =>
      `Đóng góp ${p.kind} được tính theo giá trị bằng đồng: số lượng (${p.quantity}) phải bằng giá trị (${p.value}), hoặc không cần gửi`,
  },
  quantity_required: {
    en: (p) => `quantity is required for ${p.kind}, in ${p.unit}`,
    vi: (p) => `Vui lòng nhập số lượng ${p.kind} (đơn vị: ${p.unit})`,
  },
  real_date: {
    en: (p) => `${p.field} must be a real day (dd/mm/yyyy or YYYY-MM-DD), not in the future`,
    vi: (p) => `“${p.field}” phải là một ngày có thật (dd/mm/yyyy hoặc YYYY-MM-DD), không sau ngày hôm nay`,
  },

  // ---- requests ----
  year_integer: { en: () => 'year must be an integer', vi: () => 'Năm phải là số nguyên' },
  if_match_format: {
    en: () => 'If-Match must be the ETag the resource was read with (one strong entity tag, such as "Xk3…"), or *',
    vi: () => 'If-Match phải là ETag đã nhận khi đọc (một thẻ, ví dụ "Xk3…"), hoặc *',
  },
  idempotency_key_format: {
    en: () => 'Idempotency-Key must be 1 to 200 visible ASCII characters',
    vi: () => 'Idempotency-Key phải gồm 1 đến 200 ký tự ASCII in được',
  },
  idempotency_key_reused: {
    en: () => 'this Idempotency-Key was used for a different request',
    vi: () => 'Idempotency-Key này đã được dùng cho một yêu cầu khác',
  },
  idempotency_key_running: {
    en: () => 'a request with this Idempotency-Key is still running',
    vi: () => 'Yêu cầu với Idempotency-Key này vẫn đang được xử lý',
  },
  invalid_input: { en: (p) => p.text || 'invalid input', vi: (p) => p.text || 'Dữ liệu không hợp lệ' },
  cursor_invalid: {
    en: () => 'cursor is not a cursor this list gave (take nextCursor from the previous page)',
    vi: () => 'Tham số “cursor” không hợp lệ (dùng nextCursor của trang trước)',
  },
  no_route: { en: (p) => `Cannot ${p.method} ${p.path}`, vi: (p) => `Không có địa chỉ ${p.method} ${p.path}` },
  body_json: { en: () => 'body is not valid JSON', vi: () => 'Nội dung gửi lên không phải JSON hợp lệ' },
  body_too_large: { en: () => 'body is too large', vi: () => 'Nội dung gửi lên quá lớn' },
  content_type: {
    en: () => 'the Content-Type header is not a valid media type',
    vi: () => 'Tiêu đề Content-Type không hợp lệ',
  },
  one_file: { en: () => 'send one file per upload', vi: () => 'Mỗi lần chỉ tải lên một tệp' },
  too_many_fields: { en: () => 'too many form fields', vi: () => 'Biểu mẫu có quá nhiều trường' },
  too_many_parts: { en: () => 'too many form parts', vi: () => 'Biểu mẫu có quá nhiều phần' },
  json_field: { en: () => 'a form field declared as JSON is not valid JSON', vi: () => 'Một trường dạng JSON không hợp lệ' },
  proto_field: {
    en: () => 'a form field may not be named after a prototype property',
    vi: () => 'Tên trường biểu mẫu không hợp lệ',
  },
  csrf_refused: {
    en: () => 'this form has expired or was not sent by this site; reload the page and try again',
    vi: () => 'Biểu mẫu đã hết hiệu lực, vui lòng tải lại trang và thử lại',
  },
  internal: { en: () => 'internal error', vi: () => 'Lỗi hệ thống, vui lòng thử lại sau' },
  unavailable: {
    en: () => 'the service is briefly unavailable (its database cannot be reached); nothing was changed, try again in a few seconds',
    vi: () => 'Hệ thống tạm thời gián đoạn (không kết nối được cơ sở dữ liệu); chưa có thay đổi nào được ghi, vui lòng thử lại sau ít giây',
  },
} satisfies Record<string, { vi: Render; en: Render }>;

export type MessageKey = keyof typeof CATALOG;

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(CATALOG, key);
}

function text(locale: Locale, value: MessageParam): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return (value as Words)[locale];
  return String(value);
}

/** The message `key` with `params`, in `locale`. */
export function say(locale: Locale, key: MessageKey, params: MessageParams = {}): string {
  const entry = CATALOG[key];
  const words = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, text(locale, v)]));
  return entry[locale](words);
}

/** The language a request asks for (`Accept-Language`), Vietnamese unless English comes first. */
export function localeOf(acceptLanguage: string | undefined, fallback: Locale = 'vi'): Locale {
  if (!acceptLanguage) return fallback;
  const ranked = acceptLanguage
    .split(',')
    .map((part, i) => {
      const [tag, ...rest] = part.trim().toLowerCase().split(';');
      const q = rest.map((r) => /^\s*q=([\d.]+)/.exec(r)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((l) => l.tag && l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === 'vi' || tag.startsWith('vi-')) return 'vi';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return fallback;
}

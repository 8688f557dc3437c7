import type { WorkflowLabels } from '../../src/engine/definition.js';

/** The words people see for the certification workflow's states and events (pages, emails, messages). */
export const CERTIFICATION_LABELS: WorkflowLabels = {
  states: {
    draft: { vi: 'Đang tự đánh giá', en: 'Self-assessment in progress' },
    consultation: { vi: 'Đang niêm yết lấy ý kiến nhân dân', en: "Public posting for residents' comments" },
    ready_to_submit: { vi: 'Chờ nộp hồ sơ', en: 'Ready to submit' },
    review: { vi: 'Đang thẩm định', en: 'Under review' },
    revision_requested: { vi: 'Trả lại để bổ sung, hoàn thiện', en: 'Returned for revision' },
    province_review: { vi: 'Chờ quyết định công nhận', en: "Awaiting the province's decision" },
    certified: { vi: 'Đã được công nhận đạt chuẩn', en: 'Certified' },
    rejected: { vi: 'Không công nhận', en: 'Not certified' },
    withdrawn: { vi: 'Đã rút hồ sơ', en: 'Withdrawn' },
    lapsed: { vi: 'Hết hạn bổ sung', en: 'Lapsed (not resubmitted in time)' },
    revoked: { vi: 'Đã thu hồi quyết định công nhận', en: 'Certification revoked' },
  },
  events: {
    OPEN_CONSULTATION: { vi: 'Niêm yết lấy ý kiến nhân dân', en: 'Open the public posting' },
    SUBMIT: { vi: 'Nộp hồ sơ', en: 'Submit' },
    RESUBMIT: { vi: 'Nộp lại hồ sơ', en: 'Resubmit' },
    REVIEW_CRITERION: { vi: 'Thẩm định tiêu chí', en: 'Review a criterion' },
    RETURN: { vi: 'Trả lại hồ sơ để bổ sung', en: 'Return to the commune' },
    APPROVE: { vi: 'Đề nghị công nhận (trình cấp tỉnh)', en: 'Approve and forward to the province' },
    SIGN_OFF: { vi: 'Ban hành quyết định công nhận', en: 'Sign off (issue the decision)' },
    REJECT: { vi: 'Không công nhận', en: 'Reject' },
    WITHDRAW: { vi: 'Rút hồ sơ', en: 'Withdraw' },
    REVOKE: { vi: 'Thu hồi quyết định công nhận', en: 'Revoke' },
  },
};

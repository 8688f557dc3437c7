import type { WorkflowLabels } from '../../src/engine/definition.js';

/** The words people see for the assessment workflow's states and events (pages, emails, messages). */
export const ASSESSMENT_LABELS: WorkflowLabels = {
  states: {
    draft: { vi: 'Đang lập kết quả đánh giá', en: 'Being recorded' },
    review: { vi: 'Chờ huyện xác nhận', en: "Awaiting the district's confirmation" },
    returned: { vi: 'Trả lại để bổ sung, hoàn thiện', en: 'Returned for revision' },
    confirmed: { vi: 'Đã xác nhận', en: 'Confirmed' },
    withdrawn: { vi: 'Đã hủy', en: 'Withdrawn' },
    lapsed: { vi: 'Hết hạn bổ sung', en: 'Lapsed (not resubmitted in time)' },
  },
  events: {
    SUBMIT: { vi: 'Gửi đề nghị xác nhận', en: 'Submit for confirmation' },
    CONFIRM: { vi: 'Xác nhận kết quả đánh giá', en: 'Confirm the assessment' },
    RETURN: { vi: 'Trả lại để bổ sung', en: 'Return to the commune' },
    WITHDRAW: { vi: 'Hủy kết quả đánh giá', en: 'Withdraw' },
  },
};

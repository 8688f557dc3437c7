import type { WorkflowLabels } from '../../src/engine/definition.js';

/** The words people see for the funding workflow's states and events (pages, emails, messages). */
export const FUNDING_LABELS: WorkflowLabels = {
  states: {
    draft: { vi: 'Dự thảo', en: 'Draft' },
    review: { vi: 'Đang thẩm định', en: 'Under review' },
    province_review: { vi: 'Chờ phân bổ vốn', en: 'Awaiting allocation' },
    approved: { vi: 'Đã phê duyệt', en: 'Approved' },
    in_progress: { vi: 'Đang thi công', en: 'Under construction' },
    acceptance: { vi: 'Chờ nghiệm thu', en: 'Awaiting acceptance' },
    accepted: { vi: 'Đã nghiệm thu', en: 'Accepted' },
    settled: { vi: 'Đã quyết toán', en: 'Settled' },
    rejected: { vi: 'Không phê duyệt', en: 'Rejected' },
    cancelled: { vi: 'Đã hủy', en: 'Cancelled' },
  },
  events: {
    SUBMIT: { vi: 'Trình thẩm định', en: 'Submit' },
    RETURN: { vi: 'Trả lại để chỉnh sửa', en: 'Return to the commune' },
    APPROVE: { vi: 'Thông qua, trình tỉnh phân bổ vốn', en: 'Approve' },
    ALLOCATE: { vi: 'Phân bổ vốn', en: 'Allocate' },
    REJECT: { vi: 'Không phê duyệt', en: 'Reject' },
    START: { vi: 'Khởi công', en: 'Start' },
    REPORT_PROGRESS: { vi: 'Báo cáo tiến độ', en: 'Report progress' },
    REQUEST_ACCEPTANCE: { vi: 'Đề nghị nghiệm thu', en: 'Request acceptance' },
    ACCEPT: { vi: 'Nghiệm thu', en: 'Accept' },
    REFUSE_ACCEPTANCE: { vi: 'Không nghiệm thu, trả lại để hoàn thiện', en: 'Refuse acceptance' },
    SETTLE: { vi: 'Quyết toán', en: 'Settle' },
    CANCEL: { vi: 'Hủy công trình', en: 'Cancel' },
    FUNDS_SHORT: { vi: 'Thiếu vốn', en: 'Funds short' },
  },
};

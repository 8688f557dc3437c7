import type { Words } from '../../src/common/messages.js';

/**
 * The dossier's steps as the dossier page's step bar shows them, in order, each with the machine's states that
 * belong to it (a state in none, e.g. rejected or withdrawn, marks no step current).
 */
export const CERTIFICATION_STEPS: readonly { label: Words; states: readonly string[] }[] = [
  { label: { vi: 'Tự đánh giá', en: 'Self-assessment' }, states: ['draft'] },
  { label: { vi: 'Niêm yết', en: 'Public posting' }, states: ['consultation'] },
  { label: { vi: 'Nộp hồ sơ', en: 'Submission' }, states: ['ready_to_submit'] },
  { label: { vi: 'Thẩm định', en: 'Review' }, states: ['review', 'revision_requested'] },
  { label: { vi: 'Cấp tỉnh', en: 'Province' }, states: ['province_review'] },
  { label: { vi: 'Công nhận', en: 'Certified' }, states: ['certified', 'revoked'] },
];

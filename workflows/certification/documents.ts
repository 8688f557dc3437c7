import type { Words } from '../../src/common/messages.js';
import type { PartyName } from '../common/parties.js';

/**
 * The documents of a certification dossier: each kind's name, who attaches it (a party, in the states the
 * machine tags `<party>_attach`), and which step needs which. The certification module and the pages read this;
 * the machine's guards check the steps' needs against the kinds attached.
 */
export const DOCUMENT_KINDS = {
  submission_letter: { vi: 'Tờ trình đề nghị công nhận', en: 'Submission letter', by: 'commune' },
  self_assessment_report: { vi: 'Báo cáo kết quả tự đánh giá', en: 'Self-assessment report', by: 'commune' },
  meeting_minutes: { vi: 'Biên bản họp thôn', en: 'Village meeting minutes', by: 'commune' },
  appraisal_report: { vi: 'Báo cáo thẩm định', en: 'Appraisal report', by: 'reviewers' },
  decision: { vi: 'Quyết định công nhận', en: 'Decision', by: 'province' },
  evidence: { vi: 'Tài liệu minh chứng', en: 'Evidence', by: ['commune', 'reviewers', 'province'] },
} as const satisfies Record<string, Words & { by: PartyName | readonly PartyName[] }>;

export type DocumentKind = keyof typeof DOCUMENT_KINDS;
export const DOCUMENT_KIND_NAMES = Object.keys(DOCUMENT_KINDS) as DocumentKind[];

/** The documents a step needs attached before it is taken. */
export const REQUIRED_DOCUMENTS = {
  SUBMIT: ['submission_letter', 'self_assessment_report', 'meeting_minutes'],
  APPROVE: ['appraisal_report'],
  SIGN_OFF: ['decision'],
} as const satisfies Record<string, readonly DocumentKind[]>;

export type StepNeedingDocuments = keyof typeof REQUIRED_DOCUMENTS;

/** The kinds a party attaches. */
export function kindsAttachedBy(party: PartyName): DocumentKind[] {
  return DOCUMENT_KIND_NAMES.filter((k) => {
    const by = DOCUMENT_KINDS[k].by;
    return typeof by === 'string' ? by === party : (by as readonly PartyName[]).includes(party);
  });
}

/** The documents `step` needs that are not among `attached`, in the order listed. */
export function missingDocuments(step: StepNeedingDocuments, attached: readonly string[]): DocumentKind[] {
  return REQUIRED_DOCUMENTS[step].filter((k) => !attached.includes(k));
}

import { InvalidInput } from '../common/errors.js';
import { say, type MessageKey, type MessageParams } from '../common/messages.js';

/** What SUBMIT says about the village meeting, as the client sent it. */
export interface MeetingInput {
  agreementPercent?: number;
  householdsRepresented?: number;
  householdsAgreeing?: number;
}

/** The village meeting as the workflow records it. */
export interface MeetingAgreement {
  agreementPercent: number;
  households?: { represented: number; agreeing: number };
}

/** How far a share the client also sent may be from the one its households give (rounding). */
const TOLERANCE = 0.5;

/**
 * The meeting's agreement from the households represented and agreeing (the share rounded down to a tenth, so a
 * share just under the threshold never rounds up to it), or, from clients that send only the share, that share.
 */
export function meetingAgreement(input: MeetingInput): MeetingAgreement {
  const { agreementPercent: given, householdsRepresented: represented, householdsAgreeing: agreeing } = input;
  if (represented == null && agreeing == null) {
    if (given == null) throw invalid('agreementPercent', 'agreement_required');
    return { agreementPercent: given };
  }
  if (represented == null) throw invalid('householdsRepresented', 'households_incomplete');
  if (agreeing == null) throw invalid('householdsAgreeing', 'households_incomplete');
  if (agreeing > represented) throw invalid('householdsAgreeing', 'households_agreeing_over', { agreeing, represented });
  const exact = (agreeing * 100) / represented;
  const agreementPercent = Math.floor((agreeing * 1000) / represented) / 10;
  if (given != null && Math.abs(given - exact) > TOLERANCE)
    throw invalid('agreementPercent', 'agreement_mismatch', { given, computed: agreementPercent });
  return { agreementPercent, households: { represented, agreeing } };
}

function invalid(field: string, key: MessageKey, params: MessageParams = {}): InvalidInput {
  return new InvalidInput(key, params, [{ field, messages: [say('en', key, params)], keys: [{ key, params }] }]);
}

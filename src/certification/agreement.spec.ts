import { InvalidInput } from '../common/errors.js';
import { meetingAgreement } from './agreement.js';

describe('the village meeting agreement', () => {
  it('computes the share from the households, rounded down to a tenth', () => {
    expect(meetingAgreement({ householdsRepresented: 120, householdsAgreeing: 114 })).toEqual({
      agreementPercent: 95,
      households: { represented: 120, agreeing: 114 },
    });
    // 89.99…% stays under 90.
    expect(meetingAgreement({ householdsRepresented: 1111, householdsAgreeing: 999 }).agreementPercent).toBe(89.9);
  });

  it('takes the share alone from clients that send only it', () => {
    expect(meetingAgreement({ agreementPercent: 92.5 })).toEqual({ agreementPercent: 92.5 });
  });

  it('accepts a share sent with the households when it matches them within half a point', () => {
    expect(meetingAgreement({ agreementPercent: 95.2, householdsRepresented: 21, householdsAgreeing: 20 }).agreementPercent).toBe(95.2);
  });

  it.each([
    [{}, 'agreement_required', 'agreementPercent'],
    [{ householdsRepresented: 10 }, 'households_incomplete', 'householdsAgreeing'],
    [{ householdsAgreeing: 10 }, 'households_incomplete', 'householdsRepresented'],
    [{ householdsRepresented: 10, householdsAgreeing: 11 }, 'households_agreeing_over', 'householdsAgreeing'],
    [{ agreementPercent: 99, householdsRepresented: 100, householdsAgreeing: 90 }, 'agreement_mismatch', 'agreementPercent'],
  ])('refuses %j with %s on the field %s', (input, key, field) => {
    let error: unknown;
    try {
      meetingAgreement(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).key).toBe(key);
    expect((error as InvalidInput).fields.map((f) => f.field)).toEqual([field]);
  });
});

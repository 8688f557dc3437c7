import type { Party } from '../../src/engine/definition.js';

/**
 * Who acts on a village's subject and whom its notifications go to, relative to the village in the unit tree:
 * the commune's staff (the village's parent), the reviewers of the commune's parent unit (the district, or the
 * province in a two-tier tree) and the province's officers (the root). The workflows' permissions and the
 * notifications' recipients both come from here, so whoever is told about a step is whoever may act on it.
 */
export const PARTIES = {
  commune: { roles: ['COMMUNE_STAFF'], unit: 'ancestor:1' },
  reviewers: { roles: ['REVIEWER'], unit: 'ancestor:2' },
  province: { roles: ['PROVINCE_OFFICER'], unit: 'root' },
} as const satisfies Record<string, Party>;

export type PartyName = keyof typeof PARTIES;
export const PARTY_NAMES = Object.keys(PARTIES) as PartyName[];

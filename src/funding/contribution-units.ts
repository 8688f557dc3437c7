import { InvalidInput, RuleViolation } from '../common/errors.js';
import type { Words } from '../common/messages.js';

export type ContributionKind = 'land' | 'labor' | 'cash' | 'materials';

/**
 * Each kind of community contribution has one unit, so that its quantities add up: land in square metres,
 * labour in days of work (ngày công), cash and materials in đồng (materials by their value, so a material's
 * quantity is its value). The unit stored is `unit`; `aliases` are the spellings a client may still send.
 */
export const CONTRIBUTION_UNITS: Record<ContributionKind, { unit: string; words: Words; aliases: readonly string[]; byValue: boolean }> = {
  land: { unit: 'm2', words: { vi: 'm²', en: 'm²' }, aliases: ['m2', 'm²', 'm^2', 'mét vuông', 'met vuong', 'sqm'], byValue: false },
  labor: {
    unit: 'ngày công',
    words: { vi: 'ngày công', en: 'days of work' },
    aliases: ['ngày công', 'ngay cong', 'ngày', 'công', 'day', 'days', 'man-day', 'man-days', 'workday', 'workdays'],
    byValue: false,
  },
  cash: { unit: 'đồng', words: { vi: 'đồng', en: 'đồng (VND)' }, aliases: ['đồng', 'dong', 'đ', 'vnd', 'vnđ'], byValue: true },
  materials: { unit: 'đồng', words: { vi: 'đồng', en: 'đồng (VND)' }, aliases: ['đồng', 'dong', 'đ', 'vnd', 'vnđ'], byValue: true },
};

const normal = (s: string) => s.normalize('NFC').trim().toLowerCase();

/**
 * The quantity of a pledge or receipt in its kind's unit. A `unit` the client sends must be one of the kind's
 * spellings (422 contribution_unit_fixed otherwise); cash and materials are counted in đồng, so their quantity
 * is their value (a different one is 422 contribution_quantity_is_value; none is taken as the value); land and
 * labour need theirs.
 */
export function contributionQuantity(
  kind: ContributionKind,
  given: { quantity?: number; unit?: string; valueVnd: number | string },
  field = 'quantity',
): number {
  const spec = CONTRIBUTION_UNITS[kind];
  if (given.unit !== undefined && !spec.aliases.includes(normal(given.unit))) {
    throw new RuleViolation(
      'contribution_unit_fixed',
      'contribution_unit_fixed',
      { kind: KIND_WORDS[kind], unit: given.unit, expected: spec.words },
      { kind, unit: given.unit, expectedUnit: spec.unit },
    );
  }
  if (spec.byValue) {
    const value = Number(given.valueVnd);
    if (given.quantity !== undefined && given.quantity !== value) {
      throw new RuleViolation(
        'contribution_quantity_is_value',
        'contribution_quantity_is_value',
        { kind: KIND_WORDS[kind], quantity: given.quantity, value },
        { kind, quantity: given.quantity, valueVnd: value },
      );
    }
    return value;
  }
  if (given.quantity === undefined) {
    throw new InvalidInput('quantity_required', { kind: KIND_WORDS[kind], unit: spec.words }, [
      { field, messages: [`${field} is required for ${kind}, in ${spec.words.en}`] },
    ]);
  }
  return given.quantity;
}

export const KIND_WORDS: Record<ContributionKind, Words> = {
  land: { vi: 'hiến đất', en: 'land' },
  labor: { vi: 'ngày công lao động', en: 'labour' },
  cash: { vi: 'tiền mặt', en: 'cash' },
  materials: { vi: 'vật tư, vật liệu', en: 'materials' },
};

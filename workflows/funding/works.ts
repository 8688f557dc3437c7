import type { Words } from '../../src/common/messages.js';

/** How a work's physical quantity is measured. */
export type WorkMeasure = 'km' | 'works';

export const MEASURE_WORDS: Record<WorkMeasure, Words> = {
  km: { vi: 'km', en: 'km' },
  works: { vi: 'công trình', en: 'works' },
};

export interface WorkType {
  /** The village criterion the work serves. */
  criterion: number;
  /** Essential infrastructure ("công trình thiết yếu"): the only works central-budget lines may fund. */
  essential: boolean;
  measure: WorkMeasure;
  words: Words;
}

/**
 * The works plan 136 funds (section IV.1: "Hỗ trợ xây dựng công trình thiết yếu, gồm: công trình giao thông,
 * thủy lợi, cấp nước sinh hoạt nông thôn, cơ sở vật chất, trang thiết bị nhà văn hóa, trường học, hệ thống thu
 * gom và xử lý rác thải", and the production-support models), each tied to the village criterion it serves.
 * Irrigation is two types because the plan counts canals in km and irrigation works by number. Domestic water
 * and waste collection serve criterion 14 (environment), the reading of the village criteria set this code
 * takes. Central-budget lines go only to the essential types (section VI.3).
 */
export const WORK_TYPES = {
  rural_road: { criterion: 1, essential: true, measure: 'km', words: { vi: 'Đường giao thông trục thôn, ngõ xóm', en: 'Village road' } },
  irrigation_canal: { criterion: 2, essential: true, measure: 'km', words: { vi: 'Kênh mương', en: 'Irrigation canal' } },
  irrigation_work: { criterion: 2, essential: true, measure: 'works', words: { vi: 'Công trình thủy lợi', en: 'Irrigation work' } },
  domestic_water: {
    criterion: 14,
    essential: true,
    measure: 'works',
    words: { vi: 'Công trình cấp nước sinh hoạt', en: 'Domestic water supply' },
  },
  cultural_house: {
    criterion: 4,
    essential: true,
    measure: 'works',
    words: { vi: 'Nhà văn hóa thôn và trang thiết bị', en: 'Cultural house and its equipment' },
  },
  school_facilities: {
    criterion: 11,
    essential: true,
    measure: 'works',
    words: { vi: 'Cơ sở vật chất trường học', en: 'School facilities' },
  },
  waste_collection: {
    criterion: 14,
    essential: true,
    measure: 'works',
    words: { vi: 'Hệ thống thu gom, xử lý rác thải', en: 'Waste collection and treatment' },
  },
  production_model: {
    criterion: 10,
    essential: false,
    measure: 'works',
    words: { vi: 'Mô hình hỗ trợ phát triển sản xuất', en: 'Production-support model' },
  },
} as const satisfies Record<string, WorkType>;

export type WorkTypeCode = keyof typeof WORK_TYPES;
export const WORK_TYPE_CODES = Object.keys(WORK_TYPES) as WorkTypeCode[];

/** The plan's physical targets for 2019-2020 (section III, criteria 1 and 2), against what was accepted. */
export const PHYSICAL_TARGETS: readonly { workType: WorkTypeCode; target: number; words: Words }[] = [
  { workType: 'rural_road', target: 60, words: { vi: 'Đường giao thông trục thôn, ngõ xóm (km)', en: 'Village roads (km)' } },
  { workType: 'irrigation_canal', target: 20, words: { vi: 'Kênh mương được kiên cố (km, khoảng)', en: 'Canals (km, about)' } },
  { workType: 'irrigation_work', target: 10, words: { vi: 'Công trình thủy lợi (công trình)', en: 'Irrigation works (number)' } },
];

/** The type a criterion's works have when only one type serves it (for clients that send no type), else null. */
export function typeOfCriterion(criterion: number): WorkTypeCode | null {
  const types = WORK_TYPE_CODES.filter((t) => WORK_TYPES[t].criterion === criterion);
  return types.length === 1 ? types[0] : null;
}

import ExcelJS from 'exceljs';
import type { FundingReport, ProgressReport } from './reports.service.js';

/** Vietnamese labels for the level enum. */
const LEVEL_VI: Record<string, string> = { PROVINCE: 'Tỉnh', DISTRICT: 'Huyện', COMMUNE: 'Xã', VILLAGE: 'Thôn' };
const KIND_VI: Record<string, string> = { land: 'Hiến đất', labor: 'Ngày công lao động', cash: 'Tiền mặt', materials: 'Vật tư, vật liệu' };

/** The plan's average criteria per village (targets.averageCriteriaPerVillage), and the notes on inferred baselines. */
function planFigures(r: ProgressReport) {
  const avg = r.targets.averageCriteriaPerVillage as { baseline?: number; targetMin?: number; targetMax?: number } | undefined;
  const notes = (r.targets.baselineNotes ?? {}) as Record<string, { vi?: string } | undefined>;
  const decimal = (n: number) => String(n).replace('.', ',');
  const target =
    avg?.targetMin !== undefined ? decimal(avg.targetMin) + (avg.targetMax !== undefined ? ` – ${decimal(avg.targetMax)}` : '') : '';
  return { target, note: (code: number) => notes[String(code)]?.vi ?? '' };
}

type Sheet = { name: string; headers: string[]; rows: (string | number | boolean)[][] };

function progressSheets(r: ProgressReport): Sheet[] {
  return [
    {
      name: 'Tổng hợp',
      headers: ['Chỉ tiêu', 'Giá trị'],
      rows: [
        ['Tổng số thôn', r.villages.total],
        ['Số thôn đạt chuẩn', r.villages.certified],
        ...Object.entries(r.villages.certifiedByYear).map(([y, n]) => [`Số thôn đạt chuẩn năm ${y}`, n] as [string, number]),
        ['Số tiêu chí đạt bình quân/thôn (hiện tại)', r.averageCriteriaMet],
        ['Số tiêu chí đạt bình quân/thôn – Hiện trạng 5/2019', r.baselineAverageCriteriaMet],
        ['Số tiêu chí đạt bình quân/thôn – Mục tiêu đến hết năm 2020', planFigures(r).target],
        ['Số tiêu chí theo số liệu ước tính khi khởi tạo', r.flagSources['seed-estimate']],
        ['Số tiêu chí theo kết quả đánh giá đã xác nhận', r.flagSources.assessment],
        ['Số tiêu chí theo quyết định công nhận', r.flagSources.certification],
        ['Số tiêu chí theo số liệu nhập từ tệp', r.flagSources.import],
        ...(r.note ? [['Ghi chú', r.note.vi] as [string, string]] : []),
      ],
    },
    {
      name: 'Tiêu chí',
      headers: [
        'Mã tiêu chí',
        'Tên tiêu chí',
        'Hiện trạng 5/2019 (số thôn đạt)',
        'Hiện tại (số thôn đạt)',
        'Mục tiêu đến hết năm 2020',
        'Ghi chú',
      ],
      rows: r.criteria.map((c) => [c.code, c.name, c.baseline, c.met, c.target, planFigures(r).note(c.code)]),
    },
    {
      name: 'Theo đơn vị',
      headers: ['Đơn vị', 'Cấp', 'Số thôn', 'Số thôn đạt chuẩn', 'Bình quân tiêu chí đạt'],
      rows: r.byUnit.map((u) => [u.name, LEVEL_VI[u.level] ?? u.level, u.villages, u.certified, u.averageCriteriaMet]),
    },
    {
      name: 'Phân bố',
      headers: ['Số tiêu chí đạt', 'Số thôn'],
      rows: r.distribution.map((d) => [d.criteriaMet, d.villages]),
    },
    {
      name: 'Khối lượng công trình',
      headers: ['Hạng mục', 'Mục tiêu đến hết năm 2020', 'Đã nghiệm thu', 'Số công trình đã nghiệm thu'],
      rows: r.physical.map((p) => [p.name, p.target, p.accepted, p.works]),
    },
  ];
}

const FUND_KIND_VI: Record<string, string> = {
  grant: 'Vốn ngân sách (phân bổ cho công trình)',
  credit: 'Vốn tín dụng (cho hộ vay)',
  mobilised: 'Huy động (doanh nghiệp, cộng đồng, người dân)',
};

/** Each fund as what its kind is: a grant's allocations, credit's loans, what was mobilised. */
function fundsByKindSheet(r: FundingReport): Sheet {
  return {
    name: 'Nguồn vốn theo loại',
    headers: [
      'Mã nguồn',
      'Tên nguồn vốn',
      'Loại nguồn',
      'Năm',
      'Ngân sách trung ương',
      'Kế hoạch (VNĐ)',
      'Đã phân bổ (VNĐ)',
      'Đã giải ngân (VNĐ)',
      'Đã cho vay (VNĐ)',
      'Số hộ vay',
      'Đã huy động (VNĐ)',
      'Còn lại (VNĐ)',
    ],
    rows: [
      ...r.funds.map((f) => [
        f.code,
        f.name,
        FUND_KIND_VI[f.kind] ?? f.kind,
        f.year ?? '',
        f.centralBudget ? 'Có' : 'Không',
        f.plannedVnd,
        f.allocatedVnd,
        f.disbursedVnd,
        f.lentVnd ?? '',
        f.households ?? '',
        f.mobilisedVnd ?? '',
        f.availableVnd,
      ]),
      [
        '',
        'Tổng cộng',
        '',
        '',
        '',
        r.totals.plannedVnd,
        r.totals.allocatedVnd,
        r.totals.disbursedVnd,
        r.byKind.credit.lentVnd,
        r.byKind.credit.households,
        r.byKind.mobilised.mobilisedVnd,
        r.totals.availableVnd,
      ],
    ],
  };
}

/** The sheets of the funding workbook: the first three as before, then each kind of fund as what it is. */
function fundingSheets(r: FundingReport): Sheet[] {
  const k = r.byKind;
  return [
    {
      name: 'Nguồn vốn',
      headers: [
        'Mã nguồn',
        'Tên nguồn vốn',
        'Ngân sách trung ương',
        'Kế hoạch (VNĐ)',
        'Đã phân bổ (VNĐ)',
        'Đã giải ngân (VNĐ)',
        'Còn lại (VNĐ)',
      ],
      rows: [
        ...r.funds.map((f) => [
          f.code,
          f.name,
          f.centralBudget ? 'Có' : 'Không',
          f.plannedVnd,
          f.allocatedVnd,
          f.disbursedVnd,
          f.availableVnd,
        ]),
        ['', 'Tổng cộng', '', r.totals.plannedVnd, r.totals.allocatedVnd, r.totals.disbursedVnd, r.totals.availableVnd],
      ],
    },
    {
      name: 'Đóng góp cộng đồng',
      headers: ['Hình thức', 'Số lượng cam kết', 'Giá trị cam kết (VNĐ)', 'Số lượng đã nhận', 'Giá trị đã nhận (VNĐ)'],
      rows: r.contributions.map((c) => [KIND_VI[c.kind] ?? c.kind, c.pledgedQuantity, c.pledgedVnd, c.receivedQuantity, c.receivedVnd]),
    },
    {
      name: 'Theo đơn vị',
      headers: ['Đơn vị', 'Cấp', 'Đóng góp cam kết (VNĐ)', 'Đóng góp đã nhận (VNĐ)', 'Vốn đã phân bổ (VNĐ)'],
      rows: r.byUnit.map((u) => [u.name, LEVEL_VI[u.level] ?? u.level, u.pledgedVnd, u.receivedVnd, u.allocatedVnd]),
    },
    fundsByKindSheet(r),
    {
      name: 'Tổng hợp theo loại nguồn',
      headers: ['Loại nguồn', 'Chỉ tiêu', 'Giá trị (VNĐ)'],
      rows: [
        [FUND_KIND_VI.grant, 'Kế hoạch', k.grant.plannedVnd],
        [FUND_KIND_VI.grant, 'Đã phân bổ', k.grant.allocatedVnd],
        [FUND_KIND_VI.grant, 'Đã giải ngân', k.grant.disbursedVnd],
        [FUND_KIND_VI.grant, 'Còn lại', k.grant.availableVnd],
        [FUND_KIND_VI.credit, 'Kế hoạch', k.credit.plannedVnd],
        [FUND_KIND_VI.credit, 'Đã cho vay', k.credit.lentVnd],
        [FUND_KIND_VI.credit, 'Số hộ vay', k.credit.households],
        [FUND_KIND_VI.mobilised, 'Kế hoạch', k.mobilised.plannedVnd],
        [FUND_KIND_VI.mobilised, 'Đóng góp của cộng đồng đã nhận', k.mobilised.contributionsReceivedVnd],
        [FUND_KIND_VI.mobilised, 'Cam kết của doanh nghiệp', k.mobilised.enterprisePledgedVnd],
        [FUND_KIND_VI.mobilised, 'Đã huy động', k.mobilised.mobilisedVnd],
      ],
    },
    {
      name: 'Vốn tín dụng theo xã',
      headers: ['Mã nguồn', 'Xã', 'Số lượt giải ngân', 'Số hộ vay', 'Đã cho vay (VNĐ)'],
      rows: k.credit.byCommune.map((c) => [c.fundCode, c.name, c.loans, c.households, c.lentVnd]),
    },
  ];
}

async function workbook(sheets: Sheet[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'NTM Workflow';
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    ws.addRow(s.headers).font = { bold: true };
    for (const row of s.rows) ws.addRow(row);
    ws.columns.forEach((col, i) => {
      col.width = Math.max(12, s.headers[i].length + 2);
      if (s.headers[i].includes('VNĐ')) col.numFmt = '#,##0';
    });
    ws.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function progressXlsx(r: ProgressReport): Promise<Buffer> {
  return workbook(progressSheets(r));
}

export function fundingXlsx(r: FundingReport): Promise<Buffer> {
  return workbook(fundingSheets(r));
}

/** The first characters a spreadsheet reads as the start of a formula (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell. A text cell that a spreadsheet would take for a formula (`=HYPERLINK(…)`, `+`, `-`, `@`, a tab or a
 * carriage return first) gets a single quote in front, so Excel and LibreOffice show it as text; numbers and
 * booleans are written as they are, so `-5` stays the number −5 (only the database's text can carry a formula).
 * Then the usual quoting: a cell with a quote, comma or line break goes in double quotes.
 */
export function csvField(v: string | number | boolean): string {
  let s = String(v);
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The per-criterion view as CSV, UTF-8 with a byte-order mark so that Excel shows the diacritics: the 16 criteria,
 * then the average criteria met per village in the same columns (baseline, now, the plan's target), the figures
 * of the workbook's summary sheet. Decimals are written with a point (7.66), so that they parse back as numbers;
 * the target is the plan's text ("11,5 – 12"), as in the workbook.
 */
export function progressCsv(r: ProgressReport): Buffer {
  const sheet = progressSheets(r)[1];
  const average = ['', 'Số tiêu chí đạt bình quân/thôn', r.baselineAverageCriteriaMet, r.averageCriteriaMet, planFigures(r).target, ''];
  const lines = [sheet.headers, ...sheet.rows, average].map((row) => row.map(csvField).join(','));
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
}

/** The funds by kind as CSV (UTF-8 with a byte-order mark), the workbook's first sheet. */
export function fundingCsv(r: FundingReport): Buffer {
  const sheet = fundsByKindSheet(r);
  const lines = [sheet.headers, ...sheet.rows].map((row) => row.map(csvField).join(','));
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
}

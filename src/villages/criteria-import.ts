import ExcelJS from 'exceljs';
import type { Words } from '../common/messages.js';

/**
 * Reading an import of villages' flags: a table whose first row is a header and whose rows are a village's
 * code (column A) and its 16 marks (columns B to Q, criteria 1 to 16). Pure: the file in, the rows and every
 * problem out, each with its row number as a spreadsheet shows it (the header is row 1), its column and words.
 */
export const CRITERIA_COLUMNS = 16;
export const MAX_IMPORT_ROWS = 20_000;

export interface ImportRow {
  row: number;
  villageCode: string;
  marks: boolean[];
}

export interface ImportProblem {
  row: number;
  /** The column's letter (A: the village code, B-Q: criteria 1-16), or null for the whole row. */
  column: string | null;
  code: 'header' | 'columns' | 'village_code_missing' | 'village_unknown' | 'village_twice' | 'mark_invalid' | 'too_many_rows' | 'empty';
  message: Words;
}

const TRUE = new Set(['1', 'x', 'đạt', 'true', 'có', 'yes', 'met']);
const FALSE = new Set(['0', 'chưa đạt', 'không đạt', 'false', 'không', 'no', 'not met']);

/** A mark as a flag, or null when it is neither. */
export function markOf(cell: string): boolean | null {
  const v = cell.normalize('NFC').trim().toLocaleLowerCase('vi');
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return null;
}

export const columnLetter = (index: number): string => String.fromCharCode(65 + index);

/** RFC 4180 CSV (a byte-order mark, CRLF or LF, quoted fields with "" inside), comma or semicolon separated. */
export function parseCsv(text: string): string[][] {
  const src = text.replace(/^\uFEFF/, '');
  const firstLine = src.split(/\r?\n/, 1)[0] ?? '';
  const sep = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const v = value as { result?: ExcelJS.CellValue; richText?: { text: string }[]; text?: string };
  if (v.richText) return v.richText.map((r) => r.text).join('');
  if (v.result !== undefined) return cellText(v.result);
  return typeof v.text === 'string' ? v.text : '';
}

/** The first sheet of an XLSX workbook as rows of text (exceljs), empty rows kept so row numbers stay true. */
export async function readXlsx(bytes: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  if (!ws) return [];
  const rows: string[][] = [];
  ws.eachRow({ includeEmpty: true }, (row, n) => {
    const cells: string[] = [];
    for (let c = 1; c <= Math.max(row.cellCount, CRITERIA_COLUMNS + 1); c++) cells.push(cellText(row.getCell(c).value));
    while (cells.length && cells[cells.length - 1] === '') cells.pop();
    rows[n - 1] = cells;
  });
  return Array.from(rows, (r) => r ?? []);
}

/**
 * The first row with a problem (the refusal's message names it). A loop, not `Math.min(...rows)`: spreading a
 * large file's row numbers as arguments overflows the call stack (RangeError past about 120,000 on Node 20).
 */
export function firstProblemRow(problems: readonly ImportProblem[]): number {
  let first = Infinity;
  for (const p of problems) if (p.row < first) first = p.row;
  return first;
}

const isBlank = (r: string[]) => r.every((c) => c.trim() === '');

/**
 * Checks every row: the header's width, each village code known (`villages`: the codes of the villages that
 * exist) and given once, each of the 16 marks readable. Blank rows are skipped. All problems, not the first.
 */
export function checkImport(table: string[][], villages: ReadonlySet<string>): { rows: ImportRow[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const rows: ImportRow[] = [];
  const header = table[0] ?? [];
  if (isBlank(header) || header.length < CRITERIA_COLUMNS + 1) {
    problems.push({
      row: 1,
      column: null,
      code: 'header',
      message: {
        vi: `Dòng tiêu đề phải có ${CRITERIA_COLUMNS + 1} cột: mã thôn và 16 tiêu chí (TC1 đến TC16)`,
        en: `the header row must have ${CRITERIA_COLUMNS + 1} columns: the village code and criteria 1 to 16`,
      },
    });
  }
  if (table.length - 1 > MAX_IMPORT_ROWS) {
    problems.push({
      row: MAX_IMPORT_ROWS + 2,
      column: null,
      code: 'too_many_rows',
      message: { vi: `Tệp có quá ${MAX_IMPORT_ROWS} dòng`, en: `the file has more than ${MAX_IMPORT_ROWS} rows` },
    });
    return { rows, problems };
  }
  const seen = new Map<string, number>();
  for (let i = 1; i < table.length; i++) {
    const cells = table[i];
    const row = i + 1;
    if (isBlank(cells)) continue;
    const code = (cells[0] ?? '').normalize('NFC').trim();
    if (!code) {
      problems.push({
        row,
        column: 'A',
        code: 'village_code_missing',
        message: { vi: 'Thiếu mã thôn', en: 'the village code is missing' },
      });
    } else if (!villages.has(code)) {
      problems.push({
        row,
        column: 'A',
        code: 'village_unknown',
        message: { vi: `Không có thôn mã “${code}”`, en: `no village has the code "${code}"` },
      });
    } else if (seen.has(code)) {
      problems.push({
        row,
        column: 'A',
        code: 'village_twice',
        message: { vi: `Thôn mã “${code}” đã có ở dòng ${seen.get(code)}`, en: `village "${code}" is already on row ${seen.get(code)}` },
      });
    } else seen.set(code, row);
    if (cells.length > CRITERIA_COLUMNS + 1 && cells.slice(CRITERIA_COLUMNS + 1).some((c) => c.trim() !== '')) {
      problems.push({
        row,
        column: columnLetter(CRITERIA_COLUMNS + 1),
        code: 'columns',
        message: { vi: 'Dòng có nhiều hơn 17 cột', en: 'the row has more than 17 columns' },
      });
    }
    const marks: boolean[] = [];
    for (let c = 1; c <= CRITERIA_COLUMNS; c++) {
      const cell = cells[c] ?? '';
      const mark = markOf(cell);
      if (mark === null) {
        problems.push({
          row,
          column: columnLetter(c),
          code: 'mark_invalid',
          message: {
            vi: `Tiêu chí ${c}: “${cell.trim()}” không hợp lệ, ghi 1 (đạt) hoặc 0 (chưa đạt)`,
            en: `criterion ${c}: "${cell.trim()}" is not a mark; write 1 (met) or 0 (not met)`,
          },
        });
      } else marks.push(mark);
    }
    if (code && marks.length === CRITERIA_COLUMNS) rows.push({ row, villageCode: code, marks });
  }
  if (!problems.length && !rows.length)
    problems.push({ row: 2, column: null, code: 'empty', message: { vi: 'Tệp không có dòng dữ liệu nào', en: 'the file has no rows' } });
  return { rows, problems };
}

import { checkImport, firstProblemRow, markOf, parseCsv, type ImportProblem } from './criteria-import.js';

const HEADER = ['Mã thôn', ...Array.from({ length: 16 }, (_, i) => `TC${i + 1}`)];
const marks = (n: string) => Array.from({ length: 16 }, () => n);

describe('criteria import: reading the table', () => {
  it('parses CSV with a BOM, quotes, CRLF and semicolons', () => {
    expect(parseCsv('\uFEFFa,"b,""c""",d\r\n1,2,3\n')).toEqual([
      ['a', 'b,"c"', 'd'],
      ['1', '2', '3'],
    ]);
    expect(parseCsv('a;b;c\n1;2;3')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('reads marks in Vietnamese and as 1/0', () => {
    expect([markOf('1'), markOf(' Đạt '), markOf('x'), markOf('0'), markOf('Chưa đạt'), markOf(''), markOf('2')]).toEqual([
      true,
      true,
      true,
      false,
      false,
      null,
      null,
    ]);
  });

  it('reports every bad row with its row number and column, and no rows then', () => {
    const table = [
      HEADER,
      ['V1', ...marks('1')],
      ['V9', ...marks('0')],
      ['V1', ...marks('1')],
      [],
      ['V2', ...marks('1').slice(0, 15), 'có lẽ'],
    ];
    const { problems } = checkImport(table, new Set(['V1', 'V2']));
    expect(problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [3, 'A', 'village_unknown'],
      [4, 'A', 'village_twice'],
      [6, 'Q', 'mark_invalid'],
    ]);
    expect(problems[0].message.vi).toBe('Không có thôn mã “V9”');
  });

  it('gives the rows of a good table', () => {
    const { rows, problems } = checkImport([HEADER, ['V1', ...marks('1')]], new Set(['V1']));
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ row: 2, villageCode: 'V1', marks: Array.from({ length: 16 }, () => true) }]);
  });

  it("names the first bad row of a file with more problems than a call's arguments can hold", () => {
    const problem = (row: number): ImportProblem => ({ row, column: 'B', code: 'mark_invalid', message: { vi: '', en: '' } });
    // 20,000 rows of 16 bad marks each: 320,000 problems, in no particular order.
    const problems = Array.from({ length: 320_000 }, (_, i) => problem(2 + ((i * 7919) % 20_000)));
    expect(firstProblemRow(problems)).toBe(2);
    expect(firstProblemRow([problem(9), problem(4), problem(7)])).toBe(4);
  });
});

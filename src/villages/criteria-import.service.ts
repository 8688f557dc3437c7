import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { RuleViolation } from '../common/errors.js';
import { todayInVietnam } from '../common/calendar-day.js';
import { DB, type Db } from '../database/db.js';
import { Clock } from '../engine/clock.js';
import { CRITERIA_COLUMNS, checkImport, firstProblemRow, parseCsv, readXlsx, type ImportProblem } from './criteria-import.js';
import { VillageCriteriaRepository } from './village-criteria.repository.js';

export interface ImportResult {
  importId: string;
  rows: number;
  flags: number;
  changed: number;
  baseline: boolean;
}

/** How many problems a refusal lists (all of them are counted). */
const LISTED = 1000;

/**
 * An ADMIN's import of the villages' real flags from an XLSX or CSV file: every row checked, every bad row
 * reported, and nothing imported when any row is bad; otherwise all flags set in one transaction (source
 * `import`), each change recorded with the import as its cause.
 */
@Injectable()
export class CriteriaImportService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly flags: VillageCriteriaRepository,
    private readonly clock: Clock,
  ) {}

  async import(actor: Actor, file: { fileName: string; bytes: Buffer }, options: { baseline: boolean }): Promise<ImportResult> {
    const table = await this.table(file);
    const villages = await this.flags.villagesByCode(
      table
        .slice(1)
        .map((r) => (r[0] ?? '').normalize('NFC').trim())
        .filter(Boolean),
    );
    const { rows, problems } = checkImport(table, new Set(villages.keys()));
    if (problems.length) throw refusal(problems);
    const importId = randomUUID();
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    const changed = await this.db.transaction().execute(async (tx) => {
      await this.flags.recordImport(
        tx,
        {
          fileName: file.fileName.normalize('NFC'),
          sha256,
          rows: rows.length,
          changed: 0,
          baseline: options.baseline,
          importedBy: actor.id,
        },
        importId,
      );
      const all = rows.flatMap((r) => r.marks.map((met, i) => ({ villageId: villages.get(r.villageCode)!.id, code: i + 1, met })));
      // An import's facts are of the day it is made.
      const cause = { kind: 'import', id: importId, by: actor.id, factsOn: todayInVietnam(this.clock.now()) } as const;
      const { changed: n } = await this.flags.apply(tx, all, 'import', cause, { baseline: options.baseline });
      await this.flags.setImportChanged(tx, importId, n);
      return n;
    });
    return { importId, rows: rows.length, flags: rows.length * CRITERIA_COLUMNS, changed, baseline: options.baseline };
  }

  /** The file as rows of text: an XLSX workbook (a ZIP) by its content, anything else as UTF-8 CSV. */
  private async table(file: { fileName: string; bytes: Buffer }): Promise<string[][]> {
    const zip = file.bytes.length >= 4 && file.bytes.readUInt32LE(0) === 0x04034b50;
    if (zip) {
      try {
        return await readXlsx(file.bytes);
      } catch {
        throw refusal([
          { row: 1, column: null, code: 'header', message: { vi: 'Không đọc được tệp XLSX', en: 'the XLSX file cannot be read' } },
        ]);
      }
    }
    const text = new TextDecoder('utf-8', { fatal: false }).decode(file.bytes);
    if (text.includes('\uFFFD'))
      throw refusal([
        { row: 1, column: null, code: 'header', message: { vi: 'Tệp CSV phải mã hóa UTF-8', en: 'the CSV file must be UTF-8' } },
      ]);
    return parseCsv(text);
  }
}

function refusal(problems: ImportProblem[]): RuleViolation {
  const rows = new Set(problems.map((p) => p.row));
  return new RuleViolation(
    'import_rows_invalid',
    'import_rows_invalid',
    { rows: rows.size, first: firstProblemRow(problems) },
    {
      problems: problems
        .slice(0, LISTED)
        .map((p) => ({ row: p.row, column: p.column, code: p.code, message: p.message.vi, messageEn: p.message.en })),
      problemCount: problems.length,
    },
  );
}

import ExcelJS from 'exceljs';
import { parseString } from '@fast-csv/parse';
import type { Response } from 'supertest';
import type { Kit } from './certification-kit.js';

/** Helpers shared by the report e2e files (test/reports-*.e2e.spec.ts). */

export async function progress(k: Kit, auth: string, query: Record<string, string | number> = {}): Promise<Record<string, any>> {
  const res = await k.t.http.get('/reports/progress').query(query).set('Authorization', auth);
  if (res.status !== 200) throw new Error(`GET /reports/progress: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function funding(k: Kit, auth: string, query: Record<string, string> = {}): Promise<Record<string, any>> {
  const res = await k.t.http.get('/reports/funding').query(query).set('Authorization', auth);
  if (res.status !== 200) throw new Error(`GET /reports/funding: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Downloads a file route, the body as raw bytes. */
export function download(k: Kit, auth: string, path: string): Promise<Response> {
  return k.t.http
    .get(path)
    .set('Authorization', auth)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
}

export async function readWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  return wb;
}

/** The rows of a sheet as arrays of cell values (ExcelJS rows are 1-based). */
export function sheetRows(ws: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

export function parseCsv(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString(text, { headers: false })
      .on('data', (r: string[]) => rows.push(r))
      .on('error', reject)
      .on('end', () => resolve(rows));
  });
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';
import type { TestApp } from './app.js';

export interface UnitItem {
  id: string;
  code: string;
  name: string;
  level: 'PROVINCE' | 'DISTRICT' | 'COMMUNE' | 'VILLAGE';
  parentId: string | null;
}

/** The plan's figures as the seed reads them (src/seed). */
export interface PlanFile {
  scope: { province: string; districts: string[]; communes: number; villages: number };
  targets: { averageCriteriaPerVillage: { baseline: number } };
  criteria: { code: number; vi: string; en: string; baseline: number }[];
  fundingMillionVnd: {
    total: number;
    sources: { code: string; vi: string; amount: number; centralBudget: boolean; kind: string; year: number | null }[];
  };
}

export function readPlanFile(): PlanFile {
  return JSON.parse(readFileSync(join(process.cwd(), 'prisma', 'seed', 'plan-136-2019.json'), 'utf8'));
}

/** Every unit the caller can see, following `nextCursor` page by page. */
export async function listAllUnits(
  t: TestApp,
  auth: string,
  query: Record<string, string | number> = {},
  limit = 500,
): Promise<UnitItem[]> {
  const items: UnitItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const res: Response = await t.http
      .get('/units')
      .query({ ...query, limit, ...(cursor ? { cursor } : {}) })
      .set('Authorization', auth);
    if (res.status !== 200) throw new Error(`GET /units: ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('GET /units never ended');
}

/** Code → unit, for everything the caller can see. */
export async function unitsByCode(t: TestApp, auth: string): Promise<Map<string, UnitItem>> {
  return new Map((await listAllUnits(t, auth)).map((u) => [u.code, u]));
}

let serial = 0;

/** Creates a user through POST /users as the given admin and signs it in; returns its view and Authorization header. */
export async function createUser(
  t: TestApp,
  adminAuth: string,
  fields: { role: string; unitId: string; username?: string; password?: string; fullName?: string; email?: string; criteria?: number[] },
): Promise<{ user: Record<string, unknown>; auth: string; username: string; password: string }> {
  const username = fields.username ?? `${fields.role.toLowerCase().replace(/_/g, '-')}.${process.pid}.${++serial}`;
  const password = fields.password ?? `pw-${username}-long`;
  const res = await t.http
    .post('/users')
    .set('Authorization', adminAuth)
    .send({
      username,
      password,
      fullName: fields.fullName ?? `Người dùng ${serial}`,
      email: fields.email ?? `${username}@example.vn`,
      role: fields.role,
      unitId: fields.unitId,
      ...(fields.criteria ? { criteria: fields.criteria } : {}),
    });
  if (res.status !== 201) throw new Error(`POST /users ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { user: res.body, auth: await t.login(username, password), username, password };
}

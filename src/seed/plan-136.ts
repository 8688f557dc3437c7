import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import type { Db, Tables } from '../database/db.js';
import type { UnitLevel } from '../generated/kysely/enums.js';

/** The plan's figures (plan 136/KH-UBND of 2019, as this repository keeps them) and its unit tree. */
export interface PlanFile {
  source: string;
  period: { from: number; to: number };
  targets: Record<string, unknown>;
  criteria: { code: number; vi: string; en: string; baseline: number; target2020: number; targetShare: number }[];
  fundingMillionVnd: {
    total: number;
    sources: {
      code: string;
      group: string;
      vi: string;
      en: string;
      amount: number;
      centralBudget: boolean;
      kind: 'grant' | 'credit' | 'mobilised';
      year: number | null;
    }[];
  };
}

interface SeedUnit {
  code: string;
  name: string;
  placeholder?: boolean;
}
export interface UnitsFile {
  province: SeedUnit;
  districts: (SeedUnit & { communes: (SeedUnit & { villages: SeedUnit[] })[] })[];
}

export const PLAN_136 = 'plan-136-2019';

export function seedDir(): string {
  return join(process.cwd(), 'prisma', 'seed');
}

export function readPlan(): PlanFile {
  return JSON.parse(readFileSync(join(seedDir(), `${PLAN_136}.json`), 'utf8'));
}

export function readUnits(): UnitsFile {
  return JSON.parse(readFileSync(join(seedDir(), `${PLAN_136}.units.json`), 'utf8'));
}

function unitHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Which criteria each village meets at the baseline: for each criterion, the `baseline` villages with the
 * highest score, where a village's score mixes an overall development level with a per-criterion share
 * (both from a hash of its code). Deterministic, and each criterion's count equals its baseline exactly.
 */
export function assignBaselineCriteria(villageCodes: string[], criteria: { code: number; baseline: number }[]): Map<string, Set<number>> {
  const met = new Map(villageCodes.map((code) => [code, new Set<number>()]));
  for (const c of criteria) {
    if (c.baseline > villageCodes.length)
      throw new Error(`criterion ${c.code}: baseline ${c.baseline} exceeds ${villageCodes.length} villages`);
    const ranked = villageCodes
      .map((code) => ({ code, score: 0.6 * unitHash(code) + 0.4 * unitHash(`${code}:${c.code}`) }))
      .sort((a, b) => b.score - a.score || a.code.localeCompare(b.code));
    for (const { code } of ranked.slice(0, c.baseline)) met.get(code)!.add(c.code);
  }
  return met;
}

/** Writes the plan's tree, criteria, baseline flags, funds and targets. Runs inside the caller's transaction. */
export async function loadPlan136(tx: Db, plan = readPlan(), units = readUnits()) {
  await tx
    .insertInto('criteria')
    .values(
      plan.criteria.map((c) => ({
        code: c.code,
        name_vi: c.vi.normalize('NFC'),
        name_en: c.en,
        baseline: c.baseline,
        target: c.target2020,
        target_share: String(c.targetShare),
      })),
    )
    .execute();

  const rows: Required<Omit<Insertable<Tables['units']>, 'created_at'>>[] = [];
  const villages: { id: string; code: string }[] = [];
  const add = (u: SeedUnit, level: UnitLevel, parent?: { id: string; path: string }) => {
    const id = randomUUID();
    const path = `${parent?.path ?? '/'}${id}/`;
    rows.push({
      id,
      code: u.code,
      name: u.name.normalize('NFC'),
      level,
      parent_id: parent?.id ?? null,
      path,
      placeholder: u.placeholder ?? false,
    });
    return { id, path };
  };
  const province = add(units.province, 'PROVINCE');
  for (const d of units.districts) {
    const district = add(d, 'DISTRICT', province);
    for (const c of d.communes) {
      const commune = add(c, 'COMMUNE', district);
      for (const v of c.villages) villages.push({ id: add(v, 'VILLAGE', commune).id, code: v.code });
    }
  }
  await tx.insertInto('units').values(rows).execute();

  const met = assignBaselineCriteria(
    villages.map((v) => v.code),
    plan.criteria,
  );
  await tx
    .insertInto('village_criteria')
    .values(
      // The plan gives counts per criterion, not per village: these flags are an estimate (source 'seed-estimate'),
      // and also each village's baseline, until an ADMIN imports the real ones.
      villages.flatMap((v) =>
        plan.criteria.map((c) => {
          const flag = met.get(v.code)!.has(c.code);
          return { village_id: v.id, criterion_code: c.code, met: flag, baseline_met: flag, source: 'seed-estimate' };
        }),
      ),
    )
    .execute();

  await tx
    .insertInto('funds')
    .values(
      plan.fundingMillionVnd.sources.map((s) => ({
        code: s.code,
        group: s.group,
        name_vi: s.vi.normalize('NFC'),
        name_en: s.en,
        central_budget: s.centralBudget,
        kind: s.kind,
        year: s.year,
        planned_vnd: (BigInt(s.amount) * 1_000_000n).toString(),
      })),
    )
    .execute();

  await tx
    .insertInto('plans')
    .values({
      id: PLAN_136,
      title: 'Kế hoạch 136/KH-UBND ngày 07/08/2019 của UBND tỉnh Lạng Sơn',
      period_from: plan.period.from,
      period_to: plan.period.to,
      targets: JSON.stringify(plan.targets),
    })
    .execute();
  return { provinceId: province.id, units: rows.length, villages: villages.length };
}

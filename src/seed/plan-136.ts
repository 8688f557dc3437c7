import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Prisma } from '../generated/prisma/client.js';

/** The plan's figures (plan 136/KH-UBND of 2019, as this repository keeps them) and its unit tree. */
export interface PlanFile {
  source: string;
  period: { from: number; to: number };
  targets: Record<string, unknown>;
  criteria: { code: number; vi: string; en: string; baseline: number; target2020: number; targetShare: number }[];
  fundingMillionVnd: {
    total: number;
    sources: { code: string; group: string; vi: string; en: string; amount: number; centralBudget: boolean }[];
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
export async function loadPlan136(tx: Prisma.TransactionClient, plan = readPlan(), units = readUnits()) {
  await tx.criterion.createMany({
    data: plan.criteria.map((c) => ({
      code: c.code,
      nameVi: c.vi.normalize('NFC'),
      nameEn: c.en,
      baseline: c.baseline,
      target: c.target2020,
      targetShare: c.targetShare,
    })),
  });

  const rows: Prisma.UnitCreateManyInput[] = [];
  const villages: { id: string; code: string }[] = [];
  const add = (u: SeedUnit, level: Prisma.UnitCreateManyInput['level'], parent?: { id: string; path: string }) => {
    const id = randomUUID();
    const path = `${parent?.path ?? '/'}${id}/`;
    rows.push({
      id,
      code: u.code,
      name: u.name.normalize('NFC'),
      level,
      parentId: parent?.id ?? null,
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
  await tx.unit.createMany({ data: rows });

  const met = assignBaselineCriteria(
    villages.map((v) => v.code),
    plan.criteria,
  );
  await tx.villageCriterion.createMany({
    data: villages.flatMap((v) =>
      plan.criteria.map((c) => ({ villageId: v.id, criterionCode: c.code, met: met.get(v.code)!.has(c.code) })),
    ),
  });

  await tx.fund.createMany({
    data: plan.fundingMillionVnd.sources.map((s) => ({
      code: s.code,
      group: s.group,
      nameVi: s.vi.normalize('NFC'),
      nameEn: s.en,
      centralBudget: s.centralBudget,
      plannedVnd: BigInt(s.amount) * 1_000_000n,
    })),
  });

  await tx.plan.create({
    data: {
      id: PLAN_136,
      title: 'Kế hoạch 136/KH-UBND ngày 07/08/2019 của UBND tỉnh Lạng Sơn',
      periodFrom: plan.period.from,
      periodTo: plan.period.to,
      targets: plan.targets as Prisma.InputJsonValue,
    },
  });
  return { provinceId: province.id, units: rows.length, villages: villages.length };
}

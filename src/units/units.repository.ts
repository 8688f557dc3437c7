import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma, UnitLevel } from '../generated/prisma/client.js';

const UNIT_FIELDS = { id: true, code: true, name: true, level: true, parentId: true, path: true } as const;
export type UnitRow = Prisma.UnitGetPayload<{ select: typeof UNIT_FIELDS }>;

/** Queries on the unit tree. `scope` is a path prefix: only units under it are found. */
@Injectable()
export class UnitsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string, scope = ''): Promise<UnitRow | null> {
    return this.prisma.unit.findFirst({ where: { id, path: { startsWith: scope } }, select: UNIT_FIELDS });
  }

  findByCode(code: string): Promise<UnitRow | null> {
    return this.prisma.unit.findUnique({ where: { code }, select: UNIT_FIELDS });
  }

  list(scope: string, filter: { level?: UnitLevel; parentId?: string }, limit: number, afterCode?: string) {
    return this.prisma.unit.findMany({
      where: {
        path: { startsWith: scope },
        level: filter.level,
        parentId: filter.parentId,
        code: afterCode ? { gt: afterCode } : undefined,
      },
      orderBy: { code: 'asc' },
      take: limit + 1,
      select: UNIT_FIELDS,
    });
  }

  villageCriteria(villageId: string) {
    return this.prisma.villageCriterion.findMany({
      where: { villageId },
      orderBy: { criterionCode: 'asc' },
      select: { criterionCode: true, met: true, criterion: { select: { nameVi: true } } },
    });
  }

  /** Creates a unit; a village gets its 16 criteria, none met yet. */
  async create(unit: { id: string; code: string; name: string; level: UnitLevel; parentId: string | null; path: string }) {
    return this.prisma.$transaction(async (tx) => {
      const created = await tx.unit.create({ data: unit, select: UNIT_FIELDS });
      if (unit.level === 'VILLAGE') {
        const criteria = await tx.criterion.findMany({ select: { code: true } });
        await tx.villageCriterion.createMany({
          data: criteria.map((c) => ({ villageId: unit.id, criterionCode: c.code, met: false })),
        });
      }
      return created;
    });
  }
}

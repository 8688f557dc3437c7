import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { Conflict, NotFound, RuleViolation } from '../common/errors.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import type { CreateUnitDto, ListUnitsQuery, UnitDetailView, UnitLevelName, UnitView } from './units.dto.js';
import { UnitsRepository, type UnitRow } from './units.repository.js';

/** Which parent level each level may sit directly under (a commune under a district or, two-tier, the province). */
export const ALLOWED_PARENT: Record<UnitLevelName, UnitLevelName[]> = {
  PROVINCE: [],
  DISTRICT: ['PROVINCE'],
  COMMUNE: ['DISTRICT', 'PROVINCE'],
  VILLAGE: ['COMMUNE'],
};

function view(row: UnitRow): UnitView {
  return { id: row.id, code: row.code, name: row.name, level: row.level, parentId: row.parentId };
}

@Injectable()
export class UnitsService {
  constructor(private readonly units: UnitsRepository) {}

  async list(actor: Actor, query: ListUnitsQuery): Promise<Page<UnitView>> {
    const limit = query.limit ?? 50;
    const rows = await this.units.list(
      scopePath(actor),
      { level: query.level, parentId: query.parentId },
      limit,
      decodeCursor(query.cursor),
    );
    return toPage(rows.map(view), limit, (u) => u.code);
  }

  /** A unit the caller may see, or 404. */
  async getVisible(actor: Actor, id: string): Promise<UnitRow> {
    const unit = await this.units.findById(id, scopePath(actor));
    if (!unit) throw new NotFound('unit');
    return unit;
  }

  async detail(actor: Actor, id: string): Promise<UnitDetailView> {
    const unit = await this.getVisible(actor, id);
    if (unit.level !== 'VILLAGE') return view(unit);
    const flags = await this.units.villageCriteria(unit.id);
    return {
      ...view(unit),
      criteriaMet: flags.filter((f) => f.met).length,
      criteria: flags.map((f) => ({ code: f.criterionCode, name: f.criterion.nameVi, met: f.met })),
    };
  }

  async create(actor: Actor, dto: CreateUnitDto): Promise<UnitView> {
    const allowed = ALLOWED_PARENT[dto.level];
    let parent: UnitRow | null = null;
    if (dto.parentId) {
      parent = await this.units.findById(dto.parentId, scopePath(actor));
      if (!parent) throw new NotFound('parent unit');
    }
    const parentLevel = parent?.level ?? null;
    if (allowed.length === 0 ? parent !== null : !parentLevel || !allowed.includes(parentLevel)) {
      throw allowed.length === 0
        ? new RuleViolation('unit_parent_level', 'unit_parent_none', { level: dto.level })
        : new RuleViolation('unit_parent_level', 'unit_parent_level', {
            level: dto.level,
            allowed: allowed.join(' or '),
            parent: parentLevel,
          });
    }
    if (await this.units.findByCode(dto.code)) throw new Conflict('unit_code_taken', { code: dto.code });
    const id = randomUUID();
    const created = await this.units.create({
      id,
      code: dto.code,
      name: dto.name,
      level: dto.level,
      parentId: parent?.id ?? null,
      path: `${parent?.path ?? '/'}${id}/`,
    });
    return view(created);
  }
}

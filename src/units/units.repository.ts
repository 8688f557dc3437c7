import { Inject, Injectable } from '@nestjs/common';
import { DB, pathsUnder, type Db, type RowOf } from '../database/db.js';
import type { UnitLevel } from '../generated/kysely/enums.js';

export type UnitRow = RowOf<'units', 'id' | 'code' | 'name' | 'level' | 'parent_id' | 'path'>;

const UNIT_COLUMNS = ['id', 'code', 'name', 'level', 'parent_id as parentId', 'path'] as const;

/** Queries on the unit tree. `scope` is a path prefix: only units under it are found. */
@Injectable()
export class UnitsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async findById(id: string, scope = ''): Promise<UnitRow | null> {
    const row = await this.db
      .selectFrom('units')
      .select(UNIT_COLUMNS)
      .where('id', '=', id)
      .where('path', 'like', pathsUnder(scope))
      .executeTakeFirst();
    return row ?? null;
  }

  async findByCode(code: string): Promise<UnitRow | null> {
    const row = await this.db.selectFrom('units').select(UNIT_COLUMNS).where('code', '=', code).executeTakeFirst();
    return row ?? null;
  }

  async list(scope: string, filter: { level?: UnitLevel; parentId?: string }, limit: number, afterCode?: string): Promise<UnitRow[]> {
    let query = this.db.selectFrom('units').select(UNIT_COLUMNS).where('path', 'like', pathsUnder(scope));
    if (filter.level) query = query.where('level', '=', filter.level);
    if (filter.parentId) query = query.where('parent_id', '=', filter.parentId);
    if (afterCode) query = query.where('code', '>', afterCode);
    return query
      .orderBy('code')
      .limit(limit + 1)
      .execute();
  }

  async villageCriteria(villageId: string): Promise<{ criterionCode: number; met: boolean; criterion: { nameVi: string } }[]> {
    const rows = await this.db
      .selectFrom('village_criteria as v')
      .innerJoin('criteria as c', 'c.code', 'v.criterion_code')
      .select(['v.criterion_code', 'v.met', 'c.name_vi'])
      .where('v.village_id', '=', villageId)
      .orderBy('v.criterion_code')
      .execute();
    return rows.map((r) => ({ criterionCode: r.criterion_code, met: r.met, criterion: { nameVi: r.name_vi } }));
  }

  /** Creates a unit; a village gets its 16 criteria, none met yet. */
  async create(unit: UnitRow): Promise<UnitRow> {
    return this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('units')
        .values({ id: unit.id, code: unit.code, name: unit.name, level: unit.level, parent_id: unit.parentId, path: unit.path })
        .execute();
      if (unit.level === 'VILLAGE') {
        const criteria = await tx.selectFrom('criteria').select('code').execute();
        if (criteria.length > 0) {
          await tx
            .insertInto('village_criteria')
            .values(criteria.map((c) => ({ village_id: unit.id, criterion_code: c.code, met: false })))
            .execute();
        }
      }
      return { ...unit };
    });
  }
}

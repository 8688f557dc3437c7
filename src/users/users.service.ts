import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { hashPassword } from '../auth/password.js';
import { conflict, notFound, ruleViolation } from '../common/http-errors.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import type { UnitLevel } from '../generated/prisma/enums.js';
import { UnitsRepository } from '../units/units.repository.js';
import type { CreateUserDto, ListUsersQuery, RoleName, UserView } from './users.dto.js';
import { UsersRepository, type UserRow } from './users.repository.js';

const ALL_CRITERIA = Array.from({ length: 16 }, (_, i) => i + 1);

/** The unit level each role works at (API.md, "Roles and jurisdiction"). */
export const ROLE_UNIT_LEVELS: Record<RoleName, UnitLevel[]> = {
  COMMUNE_STAFF: ['COMMUNE'],
  REVIEWER: ['DISTRICT', 'PROVINCE'],
  PROVINCE_OFFICER: ['PROVINCE'],
  ADMIN: ['PROVINCE'],
};

export function userView(row: UserRow): UserView {
  const criteria = row.role === 'REVIEWER' && row.criteria.length === 0 ? ALL_CRITERIA : row.criteria;
  return { ...row, criteria: [...criteria].sort((a, b) => a - b) };
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
  ) {}

  async list(actor: Actor, query: ListUsersQuery): Promise<Page<UserView>> {
    const limit = query.limit ?? 50;
    const rows = await this.users.list(scopePath(actor), { role: query.role, unitId: query.unitId }, limit, decodeCursor(query.cursor));
    return toPage(rows.map(userView), limit, (u) => u.username);
  }

  async get(actor: Actor, id: string): Promise<UserView> {
    const row = await this.users.findById(id, scopePath(actor));
    if (!row) throw notFound('user');
    return userView(row);
  }

  /** Creates a user; `actor` null is the system (first start, demo accounts). */
  async create(actor: Actor | null, dto: CreateUserDto): Promise<UserView> {
    const unit = await this.units.findById(dto.unitId, actor ? scopePath(actor) : '');
    if (!unit) throw notFound('unit');
    const levels = ROLE_UNIT_LEVELS[dto.role];
    if (!levels.includes(unit.level)) {
      throw ruleViolation('role_unit_level', `a ${dto.role} belongs to a ${levels.join(' or ')}, not a ${unit.level}`);
    }
    if (dto.criteria && dto.role !== 'REVIEWER') {
      throw ruleViolation('criteria_for_reviewers', 'criteria (specialities) apply to REVIEWER users only');
    }
    if (await this.users.exists(dto.username)) throw conflict(`username ${dto.username} is taken`);
    try {
      const row = await this.users.create({
        id: randomUUID(),
        username: dto.username,
        passwordHash: await hashPassword(dto.password),
        fullName: dto.fullName,
        email: dto.email,
        role: dto.role,
        unitId: unit.id,
        locale: dto.locale ?? 'vi',
        criteria: dto.criteria ?? [],
      });
      return userView(row);
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw conflict(`username ${dto.username} is taken`);
      throw err;
    }
  }
}

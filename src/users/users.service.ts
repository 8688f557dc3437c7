import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { hashPassword } from '../auth/password.js';
import { SessionLookup } from '../auth/sessions/session-lookup.js';
import { Conflict, NotFound, RuleViolation } from '../common/errors.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import type { UnitLevel } from '../generated/kysely/enums.js';
import { UnitsRepository } from '../units/units.repository.js';
import type { CreateUserDto, ListUsersQuery, RoleName, UserView } from './users.dto.js';
import { UsersRepository, type UserRow } from './users.repository.js';

const ALL_CRITERIA = Array.from({ length: 16 }, (_, i) => i + 1);

/** The unit level each role works at (README, "Roles and jurisdiction"). */
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
    private readonly sessions: SessionLookup,
  ) {}

  async list(actor: Actor, query: ListUsersQuery): Promise<Page<UserView>> {
    const limit = query.limit ?? 50;
    const rows = await this.users.list(scopePath(actor), { role: query.role, unitId: query.unitId }, limit, decodeCursor(query.cursor));
    return toPage(rows.map(userView), limit, (u) => u.username);
  }

  async get(actor: Actor, id: string): Promise<UserView> {
    const row = await this.users.findById(id, scopePath(actor));
    if (!row) throw new NotFound('user');
    return userView(row);
  }

  /**
   * Deactivates (or reactivates) a user: a deactivated one cannot sign in, and every session it has, page or
   * API token, ends at once (deleted, so reactivating the user does not bring them back).
   */
  async setActive(actor: Actor, id: string, active: boolean): Promise<UserView> {
    const row = await this.users.setActive(id, scopePath(actor), active);
    if (!row) throw new NotFound('user');
    if (!active) await this.sessions.endForUser(id);
    return userView(row);
  }

  /** Creates a user; `actor` null is the system (first start, demo accounts). */
  async create(actor: Actor | null, dto: CreateUserDto): Promise<UserView> {
    const unit = await this.units.findById(dto.unitId, actor ? scopePath(actor) : '');
    if (!unit) throw new NotFound('unit');
    const levels = ROLE_UNIT_LEVELS[dto.role];
    if (!levels.includes(unit.level)) {
      throw new RuleViolation('role_unit_level', 'role_unit_level', { role: dto.role, levels: levels.join(' or '), level: unit.level });
    }
    if (dto.criteria && dto.role !== 'REVIEWER') {
      throw new RuleViolation('criteria_for_reviewers', 'criteria_for_reviewers');
    }
    if (await this.users.exists(dto.username)) throw new Conflict('username_taken', { username: dto.username });
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
      if ((err as { code?: string }).code === '23505') throw new Conflict('username_taken', { username: dto.username });
      throw err;
    }
  }
}

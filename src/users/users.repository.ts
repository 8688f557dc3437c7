import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma, Role } from '../generated/prisma/client.js';

/** Columns a caller may ever see: never the password hash. */
export const PUBLIC_USER_FIELDS = {
  id: true,
  username: true,
  fullName: true,
  email: true,
  role: true,
  unitId: true,
  locale: true,
  criteria: true,
  active: true,
} as const;
export type UserRow = Prisma.UserGetPayload<{ select: typeof PUBLIC_USER_FIELDS }>;

@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The one query that reads password material, for sign-in only. */
  findCredentials(username: string) {
    return this.prisma.user.findUnique({
      where: { username },
      select: { ...PUBLIC_USER_FIELDS, passwordHash: true, unit: { select: { path: true } } },
    });
  }

  findById(id: string, scope = '') {
    return this.prisma.user.findFirst({ where: { id, unit: { path: { startsWith: scope } } }, select: PUBLIC_USER_FIELDS });
  }

  /** Full names of users by id (for a history's "who"), whatever their unit. */
  async fullNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true, fullName: true } });
    return new Map(rows.map((r) => [r.id, r.fullName]));
  }

  exists(username: string) {
    return this.prisma.user.count({ where: { username } }).then((n) => n > 0);
  }

  count() {
    return this.prisma.user.count();
  }

  list(scope: string, filter: { role?: Role; unitId?: string }, limit: number, afterUsername?: string) {
    return this.prisma.user.findMany({
      where: {
        unit: { path: { startsWith: scope } },
        role: filter.role,
        unitId: filter.unitId,
        username: afterUsername ? { gt: afterUsername } : undefined,
      },
      orderBy: { username: 'asc' },
      take: limit + 1,
      select: PUBLIC_USER_FIELDS,
    });
  }

  /** Activates or deactivates a user inside `scope`; null when there is none. */
  async setActive(id: string, scope: string, active: boolean) {
    const { count } = await this.prisma.user.updateMany({ where: { id, unit: { path: { startsWith: scope } } }, data: { active } });
    return count === 0 ? null : this.findById(id, scope);
  }

  create(data: Prisma.UserUncheckedCreateInput) {
    return this.prisma.user.create({ data, select: PUBLIC_USER_FIELDS });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import { DB, type Db, type Tables } from '../database/db.js';
import { unitAt } from '../engine/authoriser.js';
import { PARTIES, type PartyName } from '../../workflows/common/parties.js';
import type { RecipientRole } from './templates.js';

export type { PartyName };

export interface Recipient {
  id: string;
  fullName: string;
  email: string;
  locale: 'vi' | 'en';
  role: RecipientRole;
  unitId: string;
}

/**
 * The (role, unit) pairs a notify effect's parties stand for, from the subject's unit path, by the same
 * relations the workflows' permissions use (workflows/common/parties.ts), so whoever is told about a step is
 * whoever may act on it: `commune` is the village's commune's staff, `reviewers` the reviewers of the commune's
 * parent (the district, or the province in a two-tier tree), `province` the province's officers.
 */
export function recipientUnits(unitPath: string, parties: readonly PartyName[]): { role: RecipientRole; unitId: string }[] {
  if (unitPath.split('/').filter(Boolean).length < 3)
    throw new Error(`unit path ${unitPath} is not a village's (province, [district,] commune, village)`);
  const pairs = new Map<string, { role: RecipientRole; unitId: string }>();
  for (const name of parties) {
    const party = Object.hasOwn(PARTIES, name) ? PARTIES[name] : undefined;
    if (!party) throw new Error(`unknown recipient party ${String(name)}`);
    const unitId = unitAt(party.unit, unitPath)!;
    for (const role of party.roles) pairs.set(`${role}/${unitId}`, { role: role as RecipientRole, unitId });
  }
  return [...pairs.values()];
}

/** Resolves a notify effect's parties to the active users they are now: one entry per user, ordered by id. */
@Injectable()
export class RecipientResolver {
  constructor(@Inject(DB) private readonly db: Db) {}

  async resolve(unitPath: string, parties: readonly PartyName[]): Promise<Recipient[]> {
    const pairs = recipientUnits(unitPath, parties);
    const { rows } = await sql<
      Pick<Selectable<Tables['users']>, 'id' | 'full_name' | 'email' | 'locale' | 'unit_id'> & { role: RecipientRole }
    >`
      SELECT DISTINCT ON (u.id) u.id, u.full_name, u.email, u.locale, u.role::text AS role, u.unit_id
        FROM users u
        JOIN unnest(${pairs.map((p) => p.role)}::text[], ${pairs.map((p) => p.unitId)}::text[]) AS p(role, unit_id)
          ON u.role::text = p.role AND u.unit_id = p.unit_id
       WHERE u.active
       ORDER BY u.id`.execute(this.db);
    return rows.map((r) => ({
      id: r.id,
      fullName: r.full_name,
      email: r.email,
      locale: r.locale === 'en' ? 'en' : 'vi',
      role: r.role,
      unitId: r.unit_id,
    }));
  }
}

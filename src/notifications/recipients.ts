import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import type { RecipientRole } from './templates.js';

/** Who a `notify` effect is for, relative to its subject's place in the unit tree. */
export type Party = 'commune' | 'reviewers' | 'province';
export const PARTIES: readonly Party[] = ['commune', 'reviewers', 'province'];

export interface Recipient {
  id: string;
  fullName: string;
  email: string;
  locale: 'vi' | 'en';
  role: RecipientRole;
  unitId: string;
}

/**
 * The (role, unit) pairs a party stands for, from the subject's unit path (ids from the root down, each
 * followed by '/': '/P/D/C/V/' or, without districts, '/P/C/V/'):
 * - `commune`: COMMUNE_STAFF of the village's commune (ancestor 1);
 * - `reviewers`: REVIEWER of the commune's parent (ancestor 2): the district, or the province in a two-tier tree;
 * - `province`: PROVINCE_OFFICER of the root.
 * The same relations the workflows' permissions use (`ancestor:1`, `ancestor:2`, `root`), so whoever is told
 * about a step is whoever may act on it.
 */
export function recipientUnits(unitPath: string, parties: readonly Party[]): { role: RecipientRole; unitId: string }[] {
  const ids = unitPath.split('/').filter(Boolean);
  if (ids.length < 3) throw new Error(`unit path ${unitPath} is not a village's (province, [district,] commune, village)`);
  const at = (ancestor: number) => ids[ids.length - 1 - ancestor];
  const pairs = new Map<string, { role: RecipientRole; unitId: string }>();
  for (const party of parties) {
    const pair =
      party === 'commune'
        ? { role: 'COMMUNE_STAFF' as const, unitId: at(1) }
        : party === 'reviewers'
          ? { role: 'REVIEWER' as const, unitId: at(2) }
          : party === 'province'
            ? { role: 'PROVINCE_OFFICER' as const, unitId: ids[0] }
            : null;
    if (!pair) throw new Error(`unknown recipient party ${String(party)}`);
    pairs.set(`${pair.role}/${pair.unitId}`, pair);
  }
  return [...pairs.values()];
}

/** Resolves a notify effect's parties to the active users they are now: one entry per user, ordered by id. */
@Injectable()
export class RecipientResolver {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async resolve(unitPath: string, parties: readonly Party[]): Promise<Recipient[]> {
    const pairs = recipientUnits(unitPath, parties);
    const { rows } = await this.pool.query<{ id: string; full_name: string; email: string; locale: string; role: RecipientRole; unit_id: string }>(
      `SELECT DISTINCT ON (u.id) u.id, u.full_name, u.email, u.locale, u.role::text AS role, u.unit_id
         FROM users u
         JOIN unnest($1::text[], $2::text[]) AS p(role, unit_id) ON u.role::text = p.role AND u.unit_id = p.unit_id
        WHERE u.active
        ORDER BY u.id`,
      [pairs.map((p) => p.role), pairs.map((p) => p.unitId)],
    );
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

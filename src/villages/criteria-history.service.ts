import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { NotFound } from '../common/errors.js';
import { decodeTimeCursor, encodeCursor, type Page } from '../common/pagination.js';
import { UnitsRepository } from '../units/units.repository.js';
import { VillageCriteriaRepository } from './village-criteria.repository.js';

export interface FlagChangeView {
  id: string;
  criterion: number;
  /** Null when the write created the flag. */
  from: boolean | null;
  to: boolean;
  cause: { kind: 'assessment' | 'certification' | 'revocation' | 'import'; id: string };
  /** The day of the cause's facts (YYYY-MM-DD); null for changes recorded before dates were kept. */
  factsOn: string | null;
  /** False when the flag kept its value because its facts were newer than the cause's (see `supersededBy`). */
  applied: boolean;
  /** Not applied: the day of the newer facts the flag kept. */
  supersededBy: { factsOn: string } | null;
  at: string;
  by: { id: string; name: string | null } | null;
}

export interface VillageFlagView {
  code: number;
  name: string;
  met: boolean;
  source: string;
  /** The day of the facts the flag stands on (YYYY-MM-DD); null for the seed's estimate. */
  factsOn: string | null;
  updatedAt: string;
}

/** A village's flags with their source, and every change of them with its cause (newest first). */
@Injectable()
export class CriteriaHistoryService {
  constructor(
    private readonly units: UnitsRepository,
    private readonly flags: VillageCriteriaRepository,
  ) {}

  private async village(actor: Actor, id: string) {
    const village = await this.units.findById(id, scopePath(actor));
    if (!village || village.level !== 'VILLAGE') throw new NotFound('village');
    return village;
  }

  async current(actor: Actor, id: string): Promise<VillageFlagView[]> {
    const village = await this.village(actor, id);
    return (await this.flags.flags(village.id)).map((f) => ({
      code: f.code,
      name: f.name,
      met: f.met,
      source: f.source,
      factsOn: f.facts_on,
      updatedAt: new Date(f.updated_at).toISOString(),
    }));
  }

  async history(actor: Actor, id: string, query: { limit?: number; cursor?: string }): Promise<Page<FlagChangeView>> {
    const village = await this.village(actor, id);
    const limit = query.limit ?? 50;
    const rows = await this.flags.changes(village.id, limit, decodeTimeCursor(query.cursor));
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      criterion: r.criterion_code,
      from: r.from_met,
      to: r.to_met,
      cause: { kind: r.cause_kind, id: r.cause_id },
      factsOn: r.facts_on,
      applied: r.applied,
      supersededBy: r.superseded_on ? { factsOn: r.superseded_on } : null,
      at: new Date(r.at).toISOString(),
      by: r.by ? { id: r.by, name: r.by_name } : null,
    }));
    const last = rows.length > limit ? items[items.length - 1] : null;
    return { items, nextCursor: last ? encodeCursor(`${last.at}|${last.id}`) : null };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { Conflict, InvalidInput, NotFound, NotPermitted } from '../common/errors.js';
import { invalidPayload } from '../common/validation.js';
import { assertMatches } from '../common/if-match.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EngineService } from '../engine/engine.service.js';
import type { Db } from '../database/db.js';
import { statesTagged } from '../engine/machine.js';
import { UnitsRepository } from '../units/units.repository.js';
import { certificationMachine } from '../../workflows/certification/v2.js';
import {
  DOSSIER_EVENTS,
  type CreateDossierDto,
  type DossierSummaryView,
  type DossierView,
  type HistoryEntryView,
  type ListDossiersQuery,
  type SubmitEvent,
  type UpdateCriterionDto,
} from './dossiers.dto.js';
import { DOSSIER_DETAIL, DossiersRepository, type DossierRow } from './dossiers.repository.js';
import { meetingAgreement } from './agreement.js';

export const DOSSIER = 'dossier';
/** Where the commune may edit its self-assessment (the machine's `criteria_editable` states). */
const EDITABLE_STATES = statesTagged(certificationMachine, 'criteria_editable');

/** Village certification dossiers: the domain side. State changes go through the engine. */
@Injectable()
export class DossiersService {
  constructor(
    private readonly dossiers: DossiersRepository,
    private readonly units: UnitsRepository,
    private readonly engine: EngineService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Opens a dossier. With an Idempotency-Key, a dossier this actor already opened under it (the first answer lost
   * between commit and reply) is returned instead of refused as a second one.
   */
  async create(actor: Actor, dto: CreateDossierDto, { idempotencyKey }: { idempotencyKey?: string } = {}): Promise<DossierView> {
    const village = await this.units.findById(dto.villageId, scopePath(actor));
    if (!village || village.level !== 'VILLAGE') throw new NotFound('village');
    if (village.parentId !== actor.unitId)
      throw new NotPermitted('commune_only', { action: { vi: 'lập hồ sơ của thôn', en: 'open its dossier' } });
    const commune = (await this.units.findById(village.parentId))!;
    const parent = commune.parentId ? await this.units.findById(commune.parentId) : null;
    let id: string = randomUUID();
    try {
      await this.engine.transaction(async (tx) => {
        const earlier = idempotencyKey ? await this.engine.claimStartKey(tx, DOSSIER, actor, idempotencyKey) : undefined;
        if (earlier) return void (id = earlier); // a repeat: the dossier this key opened, as it is now
        await this.dossiers.insert(tx, {
          id,
          villageId: village.id,
          communeId: commune.id,
          districtId: parent?.level === 'DISTRICT' ? parent.id : null,
          unitPath: village.path,
          year: dto.year,
          createdBy: actor.id,
        });
        await this.engine.start(
          'certification',
          { type: DOSSIER, id, unitId: village.id, unitPath: village.path },
          actor,
          { requiredAgreement: this.config.minAgreementPercent },
          tx,
          { idempotencyKey },
        );
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new Conflict('dossier_exists', { village: village.name, year: dto.year });
      throw err;
    }
    return this.get(actor, id);
  }

  async list(actor: Actor, query: ListDossiersQuery): Promise<Page<DossierSummaryView>> {
    const limit = query.limit ?? 50;
    let unitPath: string | undefined;
    if (query.unitId) {
      const unit = await this.units.findById(query.unitId, scopePath(actor));
      if (!unit) throw new NotFound('unit');
      unitPath = unit.path;
    }
    const rows = await this.dossiers.list(
      scopePath(actor),
      { state: query.state, year: query.year, unitPath },
      limit,
      decodeCursor(query.cursor),
    );
    return toPage(
      rows.map((r) => ({
        id: r.id,
        villageId: r.village_id,
        villageName: r.village_name,
        communeId: r.commune_id,
        districtId: r.district_id,
        year: r.year,
        state: r.state,
        version: r.version,
      })),
      limit,
      (d) => d.id,
    );
  }

  async get(actor: Actor, id: string): Promise<DossierView> {
    return (await this.getWithNames(actor, id)).dossier;
  }

  /** The dossier as `get` gives it, with the names of its commune (for a page's heading), from one read. */
  async getWithNames(actor: Actor, id: string): Promise<{ dossier: DossierView; communeName: string; unitPath: string }> {
    const row = await this.dossiers.detail(id, scopePath(actor));
    if (!row) throw new NotFound('dossier');
    return { dossier: this.view(row, actor), communeName: row.commune_name, unitPath: row.unit_path };
  }

  /** `allowedEvents`: when the caller already has them for this row's snapshot (an event's result). */
  private view(row: DossierRow, actor: Actor, allowedEvents?: string[]): DossierView {
    const context = row.snapshot.context as {
      overdue?: boolean;
      agreementPercent?: number | null;
      households?: { represented: number; agreeing: number } | null;
      decision?: { number: string; date: string } | null;
    };
    return {
      id: row.id,
      villageId: row.village_id,
      villageName: row.village_name,
      communeId: row.commune_id,
      districtId: row.district_id,
      year: row.year,
      state: row.state,
      version: row.version,
      overdue: context.overdue ?? false,
      agreementPercent: context.agreementPercent ?? null,
      households: context.households ?? null,
      decision: context.decision ?? null,
      criteria: row.criteria.map((c) => ({
        code: c.code,
        name: c.name,
        met: c.met,
        note: c.note,
        review: { status: c.status, comment: c.comment, assigneeId: c.assigneeId },
      })),
      attachments: row.attachments ?? [],
      deadlines: (row.deadlines ?? []).map((d) => ({ ...d, dueAt: new Date(d.dueAt).toISOString() })),
      allowedEvents:
        allowedEvents ??
        this.engine.allowedEventsFor(
          { workflow: row.workflow_key, version: row.workflow_version, snapshot: row.snapshot, unitPath: row.unit_path },
          actor,
        ),
    };
  }

  /** Whether the caller may edit the dossier's self-assessment now (its commune's staff, in an editable state). */
  criteriaEditable(actor: Actor, dossier: Pick<DossierView, 'communeId' | 'state'>): boolean {
    return actor.role === 'COMMUNE_STAFF' && actor.unitId === dossier.communeId && EDITABLE_STATES.includes(dossier.state);
  }

  /** The commune edits its self-assessment of one criterion while the dossier is with it. */
  updateCriterion(actor: Actor, id: string, code: number, dto: UpdateCriterionDto, ifMatch?: string): Promise<DossierView> {
    return this.updateCriteria(actor, id, [{ code, ...dto }], ifMatch);
  }

  /** Several criteria at once (the dossier page's one form): all of them or none. */
  async updateCriteria(
    actor: Actor,
    id: string,
    entries: ({ code: number } & UpdateCriterionDto)[],
    ifMatch?: string,
  ): Promise<DossierView> {
    const row = await this.dossiers.detail(id, scopePath(actor));
    if (!row) throw new NotFound('dossier');
    if (actor.unitId !== row.commune_id)
      throw new NotPermitted('commune_only', { action: { vi: 'sửa tiêu chí của thôn', en: 'edit its criteria' } });
    await this.engine.transaction(async (tx) => {
      const locked = await this.engine.lockState(tx, { type: DOSSIER, id });
      if (locked && ifMatch !== undefined) {
        // Edits take the instance's lock shared: the dossier's row, locked here, orders edits with If-Match.
        await this.dossiers.lockRow(tx, id);
        await this.requireMatch(tx, actor, id, ifMatch);
      }
      if (!locked || !EDITABLE_STATES.includes(locked.state)) {
        throw new Conflict(
          'criteria_not_editable',
          { states: EDITABLE_STATES.join(' or '), state: this.engine.stateWords('certification', locked?.state ?? '') },
          { allowedEvents: locked?.allowedEvents(actor) ?? [] },
        );
      }
      for (const e of entries) await this.dossiers.updateCriterion(tx, id, e.code, e.met, e.note ?? null);
    });
    return this.get(actor, id);
  }

  /** Validates an event's payload by its type, adds the facts the machine's rules need, and asks the engine. */
  async send(
    actor: Actor,
    id: string,
    body: Record<string, unknown>,
    { idempotencyKey, ifMatch }: { idempotencyKey?: string; ifMatch?: string } = {},
  ): Promise<DossierView> {
    const type = typeof body?.type === 'string' ? body.type : undefined;
    // Own keys only: 'toString', 'constructor' and the like are unknown types, not Object.prototype's members.
    const dtoClass = type && Object.hasOwn(DOSSIER_EVENTS, type) ? DOSSIER_EVENTS[type] : undefined;
    if (!dtoClass) {
      throw new InvalidInput('event_type', { types: Object.keys(DOSSIER_EVENTS).join(', ') });
    }
    const payload = plainToInstance(dtoClass, body);
    const errors = await validate(payload, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) throw invalidPayload(errors);
    // Jurisdiction (404) and the actor's role and unit (403) are the engine's to check, in its transaction; the
    // facts the rules read are the certification hooks'.
    // SUBMIT's households become the share the machine's rule reads (and the households it records).
    const fields = type === 'SUBMIT' ? meetingAgreement(payload as SubmitEvent) : (payload as Record<string, unknown>);
    const event: Record<string, unknown> & { type: string } = { ...fields, type: type! };
    const result = await this.engine.send({ type: DOSSIER, id }, event, actor, {
      idempotencyKey,
      precondition: ifMatch === undefined ? undefined : (tx) => this.requireMatch(tx, actor, id, ifMatch),
      readBack: { statement: DOSSIER_DETAIL.name, values: [id, scopePath(actor)] },
    });
    const row = result.readBack?.[0] as DossierRow | undefined;
    return row ? this.view(row, actor, result.allowedEvents?.(actor)) : this.get(actor, id);
  }

  /** If-Match: the dossier must read, in `tx` and to this caller, as it did when the tag was given. */
  private async requireMatch(tx: Db, actor: Actor, id: string, ifMatch: string): Promise<void> {
    const row = await this.dossiers.detail(id, scopePath(actor), tx);
    assertMatches(DOSSIER, row && this.view(row, actor), ifMatch);
  }

  async history(actor: Actor, id: string, page?: { afterSeq?: number; limit?: number }): Promise<HistoryEntryView[]> {
    if (!(await this.dossiers.detail(id, scopePath(actor)))) throw new NotFound('dossier');
    return this.engine.history({ type: DOSSIER, id }, page);
  }

  /** The history of a dossier the caller has already been given by `get` (so it may see it). */
  historyOf(dossier: Pick<DossierView, 'id'>): Promise<HistoryEntryView[]> {
    return this.engine.history({ type: DOSSIER, id: dossier.id });
  }

  /** The dossier if the caller may see it; for attachments. */
  async visible(actor: Actor, id: string): Promise<DossierRow> {
    const row = await this.dossiers.detail(id, scopePath(actor));
    if (!row) throw new NotFound('dossier');
    return row;
  }
}

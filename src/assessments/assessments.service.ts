import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { parseDay, todayInVietnam } from '../common/calendar-day.js';
import { Conflict, InvalidInput, NotFound, NotPermitted } from '../common/errors.js';
import { assertMatches } from '../common/if-match.js';
import { decodeTimeCursor, encodeCursor, type Page } from '../common/pagination.js';
import { invalidPayload } from '../common/validation.js';
import type { Db } from '../database/db.js';
import { EngineService } from '../engine/engine.service.js';
import { statesTagged } from '../engine/machine.js';
import { UnitsRepository } from '../units/units.repository.js';
import { assessmentMachine } from '../../workflows/assessment/v1.js';
import {
  ASSESSMENT_EVENTS,
  type AssessedCriterionDto,
  type AssessmentView,
  type CreateAssessmentDto,
  type UpdateAssessmentDto,
} from './assessments.dto.js';
import { ASSESSMENT_DETAIL, AssessmentsRepository, type AssessmentRow } from './assessments.repository.js';

export const ASSESSMENT = 'assessment';
/** Where the commune may change what the assessment records (the machine's `assessment_editable` states). */
const EDITABLE_STATES = statesTagged(assessmentMachine, 'assessment_editable');

/** A real calendar date, not after today (Vietnam's), as YYYY-MM-DD. */
function checkDate(value: string): string {
  const day = parseDay(value);
  if (day === null || day > todayInVietnam(new Date()))
    throw new InvalidInput('assessment_date', { date: value }, [{ field: 'assessedOn', messages: ['assessedOn must be a past date'] }]);
  return day;
}

function checkCriteria(criteria: AssessedCriterionDto[]): { code: number; met: boolean }[] {
  const codes = criteria.map((c) => c.code);
  if (new Set(codes).size !== codes.length)
    throw new InvalidInput('assessment_criteria_twice', {}, [{ field: 'criteria', messages: ['each criterion at most once'] }]);
  return criteria.map((c) => ({ code: c.code, met: c.met })).sort((a, b) => a.code - b.code);
}

/** Criteria assessments between certifications: the domain side. State changes go through the engine. */
@Injectable()
export class AssessmentsService {
  constructor(
    private readonly assessments: AssessmentsRepository,
    private readonly units: UnitsRepository,
    private readonly engine: EngineService,
  ) {}

  /** The commune's staff record an assessment of a village of their commune (state draft). */
  async create(actor: Actor, villageId: string, dto: CreateAssessmentDto): Promise<AssessmentView> {
    const village = await this.units.findById(villageId, scopePath(actor));
    if (!village || village.level !== 'VILLAGE') throw new NotFound('village');
    if (!this.mayRecord(actor, village))
      throw new NotPermitted('commune_only', { action: { vi: 'ghi kết quả đánh giá tiêu chí của thôn', en: 'record its assessment' } });
    const assessedOn = checkDate(dto.assessedOn);
    const criteria = checkCriteria(dto.criteria);
    const commune = (await this.units.findById(village.parentId!))!;
    const parent = commune.parentId ? await this.units.findById(commune.parentId) : null;
    const id = randomUUID();
    await this.engine.transaction(async (tx) => {
      await this.assessments.insert(tx, {
        id,
        villageId: village.id,
        communeId: commune.id,
        districtId: parent?.level === 'DISTRICT' ? parent.id : null,
        unitPath: village.path,
        assessedOn,
        note: dto.note ?? null,
        createdBy: actor.id,
      });
      await this.assessments.update(tx, id, { criteria });
      await this.engine.start(ASSESSMENT, { type: ASSESSMENT, id, unitId: village.id, unitPath: village.path }, actor, {}, tx);
    });
    return this.get(actor, id);
  }

  /** Whether the caller may record an assessment of this village (its commune's staff): what the pages offer. */
  mayRecord(actor: Actor, village: { parentId: string | null }): boolean {
    return actor.role === 'COMMUNE_STAFF' && village.parentId === actor.unitId;
  }

  async listForVillage(actor: Actor, villageId: string, query: { limit?: number; cursor?: string }): Promise<Page<AssessmentView>> {
    const village = await this.units.findById(villageId, scopePath(actor));
    if (!village || village.level !== 'VILLAGE') throw new NotFound('village');
    const limit = query.limit ?? 50;
    const rows = await this.assessments.listForVillage(village.id, scopePath(actor), limit, decodeTimeCursor(query.cursor));
    const items = rows.slice(0, limit).map((r) => this.view(r, actor));
    const last = rows.length > limit ? rows[limit - 1] : null;
    return { items, nextCursor: last ? encodeCursor(`${new Date(last.created_at).toISOString()}|${last.id}`) : null };
  }

  async get(actor: Actor, id: string): Promise<AssessmentView> {
    const row = await this.assessments.detail(id, scopePath(actor));
    if (!row) throw new NotFound('assessment');
    return this.view(row, actor);
  }

  /** The assessment if the caller may see it (attachments). */
  async visible(actor: Actor, id: string): Promise<AssessmentRow> {
    const row = await this.assessments.detail(id, scopePath(actor));
    if (!row) throw new NotFound('assessment');
    return row;
  }

  private view(row: AssessmentRow, actor: Actor, allowedEvents?: string[]): AssessmentView {
    const context = row.snapshot.context as { overdue?: boolean; returnReason?: string | null };
    return {
      id: row.id,
      villageId: row.village_id,
      villageName: row.village_name,
      communeId: row.commune_id,
      districtId: row.district_id,
      assessedOn: row.assessed_on,
      note: row.note,
      state: row.state,
      version: row.version,
      overdue: context.overdue ?? false,
      returnReason: context.returnReason ?? null,
      criteria: row.criteria ?? [],
      attachments: row.attachments ?? [],
      deadlines: (row.deadlines ?? []).map((d) => ({ ...d, dueAt: new Date(d.dueAt).toISOString() })),
      allowedEvents:
        allowedEvents ??
        this.engine.allowedEventsFor(
          { workflow: row.workflow_key, version: row.workflow_version, snapshot: row.snapshot, unitPath: row.unit_path },
          actor,
        ),
      createdAt: new Date(row.created_at).toISOString(),
    };
  }

  /** Whether the caller may change the assessment now (its commune's staff, in an editable state). */
  editable(actor: Actor, a: Pick<AssessmentView, 'communeId' | 'state'>): boolean {
    return actor.role === 'COMMUNE_STAFF' && actor.unitId === a.communeId && EDITABLE_STATES.includes(a.state);
  }

  /** The commune changes the date, note or criteria while the assessment is with it (draft, returned). */
  async update(actor: Actor, id: string, dto: UpdateAssessmentDto, ifMatch?: string): Promise<AssessmentView> {
    const row = await this.visible(actor, id);
    if (actor.role !== 'COMMUNE_STAFF' || actor.unitId !== row.commune_id)
      throw new NotPermitted('commune_only', { action: { vi: 'sửa kết quả đánh giá tiêu chí', en: 'edit the assessment' } });
    const fields = {
      assessedOn: dto.assessedOn === undefined ? undefined : checkDate(dto.assessedOn),
      note: dto.note,
      criteria: dto.criteria === undefined ? undefined : checkCriteria(dto.criteria),
    };
    await this.engine.transaction(async (tx) => {
      const locked = await this.engine.lockState(tx, { type: ASSESSMENT, id });
      await this.assessments.lockRow(tx, id);
      if (ifMatch !== undefined) await this.requireMatch(tx, actor, id, ifMatch);
      if (!locked || !EDITABLE_STATES.includes(locked.state)) {
        throw new Conflict(
          'assessment_not_editable',
          { state: this.engine.stateWords(ASSESSMENT, locked?.state ?? '') },
          { allowedEvents: locked?.allowedEvents(actor) ?? [] },
        );
      }
      await this.assessments.update(tx, id, fields);
    });
    return this.get(actor, id);
  }

  /** Validates an event's payload by its type and asks the engine (the facts SUBMIT needs are the hooks'). */
  async send(
    actor: Actor,
    id: string,
    body: Record<string, unknown>,
    { idempotencyKey, ifMatch }: { idempotencyKey?: string; ifMatch?: string } = {},
  ): Promise<AssessmentView> {
    const type = typeof body?.type === 'string' ? body.type : undefined;
    const dtoClass = type && Object.hasOwn(ASSESSMENT_EVENTS, type) ? ASSESSMENT_EVENTS[type] : undefined;
    if (!dtoClass) throw new InvalidInput('event_type', { types: Object.keys(ASSESSMENT_EVENTS).join(', ') });
    const payload = plainToInstance(dtoClass, body);
    const errors = await validate(payload, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) throw invalidPayload(errors);
    const result = await this.engine.send({ type: ASSESSMENT, id }, { ...(payload as Record<string, unknown>), type: type! }, actor, {
      idempotencyKey,
      precondition: ifMatch === undefined ? undefined : (tx) => this.requireMatch(tx, actor, id, ifMatch),
      readBack: { statement: ASSESSMENT_DETAIL.name, values: [id, scopePath(actor)] },
    });
    const row = result.readBack?.[0] as AssessmentRow | undefined;
    return row ? this.view(row, actor, result.allowedEvents?.(actor)) : this.get(actor, id);
  }

  private async requireMatch(tx: Db, actor: Actor, id: string, ifMatch: string): Promise<void> {
    const row = await this.assessments.detail(id, scopePath(actor), tx);
    assertMatches(ASSESSMENT, row && this.view(row, actor), ifMatch);
  }

  async history(actor: Actor, id: string, page?: { afterSeq?: number; limit?: number }) {
    await this.visible(actor, id);
    return this.engine.history({ type: ASSESSMENT, id }, page);
  }
}

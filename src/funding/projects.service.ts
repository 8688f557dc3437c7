import { Inject, Injectable, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { pastDay } from '../common/calendar-day.js';
import { decodeCursor, toPage } from '../common/pagination.js';
import { Conflict, InsufficientFunds, InvalidInput, NotFound, NotPermitted, RuleViolation } from '../common/errors.js';
import { statesTagged } from '../engine/machine.js';
import { invalidPayload } from '../common/validation.js';
import { assertMatches } from '../common/if-match.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EngineService } from '../engine/engine.service.js';
import { SYSTEM_ACTOR } from '../engine/engine.types.js';
import { Clock } from '../engine/clock.js';
import { UnitsRepository } from '../units/units.repository.js';
import { fundingMachine } from '../../workflows/funding/v2.js';
import { checkFundingRules, linesOf, mayCancel, resolveWork } from './funding-rules.js';
import { WORK_TYPES, type WorkTypeCode } from '../../workflows/funding/works.js';
import { contributionQuantity, CONTRIBUTION_UNITS } from './contribution-units.js';
import { FundsRepository, type FundListRow } from './funds.repository.js';
import {
  PROJECT_EVENTS,
  toBig,
  type CreateProjectDto,
  type FundingLineDto,
  type ListProjectsQuery,
  type ReceiptDto,
} from './projects.dto.js';
import { ProjectsRepository, type ProjectRow } from './projects.repository.js';

export const PROJECT = 'project';
/** Where a work is over: no receipts are recorded any more (the machine's final states). */
const CLOSED = statesTagged(fundingMachine, 'closed');

const num = (v: string | null | undefined) => (v == null ? 0 : Number(v));

const VN_YEAR = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric' });
/** The calendar year in Vietnam at `at` (a work proposed without a year is of the year it is proposed in). */
export const yearInVietnam = (at: Date): number => Number(VN_YEAR.format(at));

/** The funds and the special-mechanism projects drawing on them. */
@Injectable()
export class ProjectsService {
  private readonly logger = new Logger(ProjectsService.name);

  constructor(
    private readonly projects: ProjectsRepository,
    private readonly funds: FundsRepository,
    private readonly units: UnitsRepository,
    private readonly engine: EngineService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async listFunds() {
    return (await this.funds.list()).map((f) => fundView(f));
  }

  /**
   * Proposes a work. With an Idempotency-Key, a work this actor already created under it (the first answer lost
   * between commit and reply) is returned instead of proposed again.
   */
  async create(actor: Actor, dto: CreateProjectDto, { idempotencyKey }: { idempotencyKey?: string } = {}) {
    const village = await this.units.findById(dto.villageId, scopePath(actor));
    if (!village || village.level !== 'VILLAGE') throw new NotFound('village');
    if (village.parentId !== actor.unitId)
      throw new NotPermitted('commune_only', { action: { vi: 'đề xuất công trình của thôn', en: 'propose its works' } });
    const lines = linesOf(dto.funding);
    const funds = await this.funds.known([...lines.keys()]);
    const cost = toBig(dto.estimatedCostVnd);
    if (cost >= BigInt(this.config.specialMechanismCapVnd)) {
      throw new RuleViolation('special_mechanism_cap', 'special_mechanism_cap', { cap: this.config.specialMechanismCapVnd });
    }
    const pledges = dto.contributions.map((c) => ({
      ...c,
      quantity: contributionQuantity(c.kind, c),
      unit: CONTRIBUTION_UNITS[c.kind].unit,
    }));
    const pledgedVnd = dto.contributions.reduce((a, c) => a + toBig(c.valueVnd), 0n);
    const year = dto.year ?? yearInVietnam(this.clock.now());
    const work = resolveWork(dto);
    checkFundingRules(lines, funds, { cost, pledges: dto.contributions.length, pledgedVnd, year, workType: work.workType });
    const commune = (await this.units.findById(village.parentId))!;
    const parent = commune.parentId ? await this.units.findById(commune.parentId) : null;
    let id: string = randomUUID();
    await this.engine.transaction(async (tx) => {
      const earlier = idempotencyKey ? await this.engine.claimStartKey(tx, PROJECT, actor, idempotencyKey) : undefined;
      if (earlier) return void (id = earlier); // a repeat: the work this key proposed, as it is now
      await this.projects.insert(tx, {
        id,
        villageId: village.id,
        communeId: commune.id,
        districtId: parent?.level === 'DISTRICT' ? parent.id : null,
        unitPath: village.path,
        title: dto.title,
        criterionCode: work.criterionCode,
        workType: work.workType,
        physicalQuantity: work.physicalQuantity,
        year,
        estimatedCostVnd: cost,
        createdBy: actor.id,
      });
      await this.projects.replaceFunding(tx, id, lines);
      await this.projects.insertContributions(
        tx,
        id,
        pledges.map((c, position) => ({
          id: randomUUID(),
          position,
          kind: c.kind,
          quantity: c.quantity,
          unit: c.unit,
          valueVnd: toBig(c.valueVnd),
          pledgedBy: c.pledgedBy,
        })),
      );
      await this.engine.start('funding', { type: PROJECT, id, unitId: village.id, unitPath: village.path }, actor, {}, tx, {
        idempotencyKey,
      });
    });
    return this.get(actor, id);
  }

  async list(actor: Actor, query: ListProjectsQuery) {
    let unitPath: string | undefined;
    if (query.unitId) {
      const unit = await this.units.findById(query.unitId, scopePath(actor));
      if (!unit) throw new NotFound('unit');
      unitPath = unit.path;
    }
    const limit = query.limit ?? 50;
    const rows = await this.projects.list(scopePath(actor), { state: query.state, unitPath }, limit, decodeCursor(query.cursor));
    return toPage(
      rows.map((r) => this.view(r, actor)),
      limit,
      (p) => p.id,
    );
  }

  async get(actor: Actor, id: string) {
    const row = await this.projects.detail(id, scopePath(actor));
    if (!row) throw new NotFound('project');
    return this.view(row, actor);
  }

  private view(row: ProjectRow, actor: Actor) {
    const context = row.snapshot.context as {
      overdue?: boolean;
      progress?: unknown;
      acceptedValueVnd?: string | null;
      settledVnd?: string | null;
    };
    const contributions = (row.contributions ?? []).map((c) => ({ ...c, valueVnd: num(c.valueVnd), receivedVnd: num(c.receivedVnd) }));
    const allowed = this.engine.allowedEventsFor(
      { workflow: row.workflow_key, version: row.workflow_version, snapshot: row.snapshot, unitPath: row.unit_path },
      actor,
    );
    return {
      id: row.id,
      villageId: row.village_id,
      villageName: row.village_name,
      communeId: row.commune_id,
      districtId: row.district_id,
      title: row.title,
      criterionCode: row.criterion_code,
      workType: row.work_type,
      physicalQuantity: row.physical_quantity,
      acceptedQuantity: row.accepted_quantity,
      measure: row.work_type ? WORK_TYPES[row.work_type as WorkTypeCode].measure : null,
      year: row.year,
      state: row.state,
      version: row.version,
      estimatedCostVnd: num(row.estimated_cost_vnd),
      funding: (row.funding ?? []).map((f) => ({
        fundCode: f.fundCode,
        amountVnd: num(f.amountVnd),
        allocatedVnd: num(f.allocatedVnd),
        disbursedVnd: num(f.disbursedVnd),
      })),
      contributions,
      pledgedVnd: contributions.reduce((a, c) => a + c.valueVnd, 0),
      receivedVnd: contributions.reduce((a, c) => a + c.receivedVnd, 0),
      overdue: context.overdue ?? false,
      progress: context.progress ?? null,
      acceptedValueVnd: context.acceptedValueVnd == null ? null : num(context.acceptedValueVnd),
      settledVnd: context.settledVnd == null ? null : num(context.settledVnd),
      deadlines: (row.deadlines ?? []).map((d) => ({ ...d, dueAt: new Date(d.dueAt).toISOString() })),
      allowedEvents: allowed.filter((e) => e !== 'CANCEL' || mayCancel(actor.role, row.state)),
    };
  }

  /** Validates an event's payload by its type and asks the engine; money moves in the event's transaction. */
  async send(
    actor: Actor,
    id: string,
    body: Record<string, unknown>,
    { idempotencyKey, ifMatch }: { idempotencyKey?: string; ifMatch?: string } = {},
  ) {
    const type = typeof body?.type === 'string' ? body.type : undefined;
    const dtoClass = type && Object.hasOwn(PROJECT_EVENTS, type) ? PROJECT_EVENTS[type] : undefined;
    if (!dtoClass) throw new InvalidInput('event_type', { types: Object.keys(PROJECT_EVENTS).join(', ') });
    const payload = plainToInstance(dtoClass, body);
    const errors = await validate(payload, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) throw invalidPayload(errors);
    const event: Record<string, unknown> & { type: string } = { ...(payload as Record<string, unknown>), type: type! };
    if (type === 'APPROVE' && Array.isArray(event.funding)) {
      // The reviewers' adjusted lines, checked here; the funding hooks apply them in the event's transaction.
      const lines = linesOf(event.funding as FundingLineDto[]);
      await this.funds.known([...lines.keys()]);
      event.funding = [...lines].map(([fundCode, amount]) => ({ fundCode, amountVnd: amount.toString() }));
    }
    try {
      await this.engine.send({ type: PROJECT, id }, event, actor, {
        idempotencyKey,
        // If-Match: the project must read, under the event's lock and to this caller, as it did when the tag was given.
        precondition:
          ifMatch === undefined
            ? undefined
            : async (tx) => {
                const row = await this.projects.detail(id, scopePath(actor), tx);
                assertMatches(PROJECT, row && this.view(row, actor), ifMatch);
              },
      });
    } catch (err) {
      if (type === 'ALLOCATE' && err instanceof InsufficientFunds) {
        // The refusal rolled everything back; record it (history) and tell the province and the commune.
        const reason = err.message;
        await this.engine
          .send({ type: PROJECT, id }, { type: 'FUNDS_SHORT', reason }, SYSTEM_ACTOR)
          .catch((e: Error) => this.logger.warn(`FUNDS_SHORT for project ${id} not recorded: ${e.message}`));
      }
      throw err;
    }
    return this.get(actor, id);
  }

  /** The project's hash-chained history (the same shape as a dossier's). */
  async history(actor: Actor, id: string, page?: { afterSeq?: number; limit?: number }) {
    if (!(await this.projects.detail(id, scopePath(actor)))) throw new NotFound('project');
    return this.engine.history({ type: PROJECT, id }, page);
  }

  /** The commune records what it received of a pledged contribution. */
  async addReceipt(actor: Actor, id: string, contributionId: string, dto: ReceiptDto) {
    const row = await this.projects.detail(id, scopePath(actor));
    const kind = row && (await this.projects.contributionKind(id, contributionId));
    if (!row || !kind) throw new NotFound('contribution');
    if (actor.unitId !== row.commune_id)
      throw new NotPermitted('commune_only', { action: { vi: 'ghi nhận đóng góp', en: 'record receipts' } });
    const receivedAt = pastDay(dto.receivedAt, 'receivedAt', this.clock.now());
    const quantity = contributionQuantity(kind, dto);
    const receiptId = randomUUID();
    await this.engine.transaction(async (tx) => {
      const locked = await this.engine.lockState(tx, { type: PROJECT, id });
      if (!locked || CLOSED.includes(locked.state))
        throw new Conflict('receipts_closed', { state: this.engine.stateWords('funding', locked?.state ?? '') });
      await this.projects.insertReceipt(tx, {
        id: receiptId,
        contributionId,
        quantity,
        valueVnd: toBig(dto.valueVnd),
        receivedAt,
        recordedBy: actor.id,
      });
    });
    const project = await this.get(actor, id);
    return {
      id: receiptId,
      contributionId,
      quantity,
      valueVnd: Number(dto.valueVnd),
      receivedAt,
      contribution: project.contributions.find((c) => c.id === contributionId),
    };
  }

  async describe(id: string) {
    const d = await this.projects.detail(id, '');
    if (!d) return null;
    return {
      title: { vi: d.title, en: d.title },
      villageName: d.village_name,
      communeName: d.commune_name,
      unitPath: d.unit_path,
      link: `/projects/${d.id}`,
    };
  }
}

/**
 * A fund as what its kind is: a grant's planned, allocated, disbursed and available; a credit fund's loans
 * (lent and households, which reduce what is available); a mobilised fund's contributions received and
 * enterprises' pledges, whose sum is what has been mobilised.
 */
export function fundView(f: FundListRow) {
  const planned = BigInt(f.planned_vnd);
  const allocated = BigInt(f.allocated_vnd);
  const disbursed = BigInt(f.disbursed_vnd);
  const lent = BigInt(f.lent_vnd ?? '0');
  const base = {
    code: f.code,
    group: f.group,
    name: f.name_vi,
    nameEn: f.name_en,
    kind: f.kind,
    year: f.year,
    centralBudget: f.central_budget,
    plannedVnd: Number(planned),
    allocatedVnd: Number(allocated),
    disbursedVnd: Number(disbursed),
    availableVnd: Number(planned - allocated - disbursed - lent),
  };
  if (f.kind === 'credit') return { ...base, lentVnd: Number(lent), households: f.households ?? 0 };
  if (f.kind === 'mobilised') {
    const received = BigInt(f.contributions_received_vnd);
    const pledged = BigInt(f.enterprise_pledged_vnd ?? '0');
    return {
      ...base,
      contributionsReceivedVnd: Number(received),
      enterprisePledgedVnd: Number(pledged),
      mobilisedVnd: Number(received + pledged),
    };
  }
  return base;
}

import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { WorkingCalendar } from '../calendar/working-calendar.js';
import { AttachmentsService } from '../certification/attachments/attachments.service.js';
import { DOSSIER_STATES, type DossierView } from '../certification/dossiers.dto.js';
import type { Page } from '../common/pagination.js';
import { DOSSIER, DossiersService } from '../certification/dossiers.service.js';
import { BatchSignOffService } from '../certification/batch-sign-off.service.js';
import { etagOf } from '../common/if-match.js';
import type { Locale } from '../common/messages.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EngineService } from '../engine/engine.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import { UnitsService } from '../units/units.service.js';
import { UsersRepository } from '../users/users.repository.js';
import { dueWords, formatDate } from './format.js';
import type { DossierPageProps, Flash, HistoryItem } from './views/dossier.page.js';
import type { BatchSignOffForm, DossierGroup } from './views/dossier-list.page.js';
import type { InboxItem } from './views/inbox.page.js';
import type { VillageRow } from './views/villages.page.js';
import type { VillageView } from './views/village.page.js';
import { CriteriaHistoryService } from '../villages/criteria-history.service.js';
import { AssessmentsService } from '../assessments/assessments.service.js';
import { ROLE_WORDS, word } from './words.js';

/** What each task asks of the user (the workflows' `meta.tasks`), as the inbox says it. */
const ACTION_WORDS: Record<string, { vi: string; en: string }> = {
  complete_self_assessment: { vi: 'Hoàn thành tự đánh giá 16 tiêu chí', en: 'Complete the self-assessment' },
  submit: { vi: 'Nộp hồ sơ', en: 'Submit the dossier' },
  revise_and_resubmit: { vi: 'Bổ sung, hoàn thiện và nộp lại hồ sơ', en: 'Revise and resubmit' },
  review_criteria: { vi: 'Thẩm định các tiêu chí', en: 'Review the criteria' },
  sign_off: { vi: 'Ban hành quyết định công nhận', en: 'Sign off' },
  start: { vi: 'Khởi công công trình', en: 'Start the work' },
  report_progress: { vi: 'Báo cáo tiến độ thi công', en: 'Report progress' },
  review_project: { vi: 'Thẩm định công trình', en: 'Review the work' },
  allocate: { vi: 'Phân bổ vốn', en: 'Allocate funds' },
  accept: { vi: 'Nghiệm thu công trình', en: 'Accept the work' },
  settle: { vi: 'Quyết toán công trình', en: 'Settle the work' },
  submit_assessment: { vi: 'Gửi kết quả đánh giá tiêu chí để huyện xác nhận', en: 'Submit the criteria assessment' },
  revise_assessment: { vi: 'Bổ sung, hoàn thiện kết quả đánh giá tiêu chí', en: 'Revise the criteria assessment' },
  confirm_assessment: { vi: 'Xác nhận kết quả đánh giá tiêu chí', en: 'Confirm the criteria assessment' },
};

/** How many dossiers a list of the dossiers page shows at a time (the next ones behind a link). */
const LIST_PAGE = 50;

/** The state each role's work waits in, listed first on the dossiers page. */
const WAITING: Partial<Record<string, string>> = { REVIEWER: 'review', PROVINCE_OFFICER: 'province_review' };

/** Every item of a paged list, page after page. */
async function everyPage<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** What the pages show, read through the same services as the JSON API: no rule of its own. */
@Injectable()
export class PagesService {
  constructor(
    private readonly tasks: TasksService,
    private readonly dossiers: DossiersService,
    private readonly batch: BatchSignOffService,
    private readonly attachments: AttachmentsService,
    private readonly units: UnitsService,
    private readonly criteriaHistory: CriteriaHistoryService,
    private readonly assessments: AssessmentsService,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly engine: EngineService,
    private readonly calendar: WorkingCalendar,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async inboxCount(actor: Actor): Promise<number> {
    return (await this.tasks.inbox(actor)).length;
  }

  stateWords(locale: Locale, workflow: string, state: string): string {
    return this.engine.labels(workflow)?.states[state]?.[locale] ?? state;
  }

  eventWords(locale: Locale, workflow: string, event: string): string {
    return this.engine.labels(workflow)?.events[event]?.[locale] ?? event;
  }

  async inbox(actor: Actor, locale: Locale): Promise<InboxItem[]> {
    const now = new Date();
    return (await this.tasks.inbox(actor)).map((t) => {
      const workflow = t.subjectType === 'dossier' ? 'certification' : t.subjectType === 'assessment' ? 'assessment' : 'funding';
      return {
        href:
          t.subjectType === 'dossier'
            ? `/app/dossiers/${t.subjectId}`
            : t.subjectType === 'assessment'
              ? `/app/villages/${t.unitId}`
              : null,
        title:
          t.subjectType === 'project'
            ? `${t.title} · ${word(locale, 'projectTask')}`
            : t.subjectType === 'assessment'
              ? `${t.title} · ${word(locale, 'assessments')}`
              : t.title,
        stateWords: this.stateWords(locale, workflow, t.state),
        actionWords: ACTION_WORDS[t.action]?.[locale] ?? this.eventWords(locale, workflow, t.action),
        due: t.dueAt ? { at: t.dueAt, ...dueWords(locale, t.dueAt, now, this.calendar) } : null,
        overdue: t.overdue,
      };
    });
  }

  /** A village's page: its flags with their source, its assessments and every change of a flag (all pages of both). */
  async village(actor: Actor, id: string, locale: Locale): Promise<VillageView> {
    const unit = await this.units.getVisible(actor, id);
    const flags = await this.criteriaHistory.current(actor, id);
    const [commune, assessments, changes] = await Promise.all([
      unit.parentId ? this.units.getVisible(actor, unit.parentId).catch(() => null) : null,
      everyPage((cursor) => this.assessments.listForVillage(actor, id, { limit: 500, cursor })),
      everyPage((cursor) => this.criteriaHistory.history(actor, id, { limit: 500, cursor })),
    ]);
    const names = new Map(flags.map((f) => [f.code, f.name]));
    const people = new Map(changes.filter((c) => c.by).map((c) => [c.by!.id, c.by!.name ?? c.by!.id]));
    return {
      id: unit.id,
      name: unit.name,
      communeName: commune?.name ?? null,
      flags,
      assessments: assessments.map((a) => ({
        id: a.id,
        assessedOn: a.assessedOn,
        stateWords: this.stateWords(locale, 'assessment', a.state),
        criteria: a.criteria.map((c) => ({ code: c.code, met: c.met })),
      })),
      changes: changes.map((c) => ({
        criterion: c.criterion,
        name: names.get(c.criterion) ?? '',
        from: c.from,
        to: c.to,
        cause: c.cause,
        factsOn: c.factsOn,
        applied: c.applied,
        supersededBy: c.supersededBy,
        at: c.at,
        by: c.by ? (people.get(c.by.id) ?? null) : null,
      })),
    };
  }

  async villages(actor: Actor, locale: Locale): Promise<VillageRow[]> {
    // A commune's villages and their dossiers, every page of them: a commune is small, but no cap hides one.
    const villages = await everyPage((cursor) => this.units.list(actor, { level: 'VILLAGE', parentId: actor.unitId, limit: 500, cursor }));
    const dossiers = await everyPage((cursor) => this.dossiers.list(actor, { limit: 500, cursor }));
    const rows: VillageRow[] = [];
    for (const v of villages) {
      const detail = await this.units.detail(actor, v.id);
      const latest = dossiers.filter((d) => d.villageId === v.id).sort((a, b) => b.year - a.year)[0];
      rows.push({
        id: v.id,
        code: v.code,
        name: v.name,
        flags: 'criteria' in detail && detail.criteria ? detail.criteria.map((c) => ({ code: c.code, name: c.name, met: c.met })) : [],
        dossier: latest ? { id: latest.id, year: latest.year, stateWords: this.stateWords(locale, 'certification', latest.state) } : null,
      });
    }
    return rows;
  }

  /**
   * The dossiers page, a page of each list at a time: reviewers first see what waits for review, province officers
   * what waits for their decision, then everyone all the rest. `state` narrows to one state (the "more" link of a
   * waiting list), `cursor` is the next page's.
   */
  async dossierGroups(
    actor: Actor,
    locale: Locale,
    query: { state?: string; cursor?: string } = {},
    batch?: Omit<BatchSignOffForm, 'documents'>,
  ): Promise<DossierGroup[]> {
    const group = async (title: string, state: string | undefined, cursor?: string): Promise<DossierGroup> => {
      const page = await this.dossiers.list(actor, { state, cursor, limit: LIST_PAGE });
      const next = new URLSearchParams({ ...(state ? { state } : {}), ...(page.nextCursor ? { cursor: page.nextCursor } : {}) });
      return {
        title,
        rows: page.items.map((d) => ({
          id: d.id,
          villageName: d.villageName,
          year: d.year,
          state: d.state,
          stateWords: this.stateWords(locale, 'certification', d.state),
        })),
        more: page.nextCursor ? `/app/dossiers?${next}` : null,
      };
    };
    // A province officer's waiting list is also the form of one decision for several of them.
    const withBatch = async (g: DossierGroup): Promise<DossierGroup> => {
      if (!batch || actor.role !== 'PROVINCE_OFFICER' || g.rows.length === 0) return g;
      const names = new Map(g.rows.map((r) => [r.id, `${r.villageName} ${r.year}`]));
      const documents = (
        await this.batch.decisionDocuments(
          actor,
          g.rows.map((r) => r.id),
        )
      ).map((d) => ({
        id: d.id,
        label: `${d.fileName} (${names.get(d.dossierId) ?? ''})`,
      }));
      return { ...g, batch: { ...batch, documents } };
    };
    const waiting = WAITING[actor.role];
    const waitingTitle = (state: string) => word(locale, state === 'review' ? 'waitingForReview' : 'waitingForSignOff');
    if (query.state && (DOSSIER_STATES as readonly string[]).includes(query.state)) {
      const title = query.state === waiting ? waitingTitle(query.state) : this.stateWords(locale, 'certification', query.state);
      const one = await group(title, query.state, query.cursor);
      return [query.state === 'province_review' ? await withBatch(one) : one];
    }
    const groups: DossierGroup[] = [];
    if (waiting && !query.cursor) {
      const first = await group(waitingTitle(waiting), waiting);
      groups.push(waiting === 'province_review' ? await withBatch(first) : first);
    }
    groups.push(await group(word(locale, 'allDossiers'), undefined, query.cursor));
    return groups;
  }

  async dossier(actor: Actor, locale: Locale, id: string, flash: Flash, csrf: string): Promise<DossierPageProps> {
    // The dossier first (404 before anything else is read), then its history and the chain's check together.
    const { dossier, communeName, unitPath } = await this.dossiers.getWithNames(actor, id);
    const now = new Date();
    const due = dossier.deadlines.filter((d) => d.kind === 'due').sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
    const consultation = dossier.deadlines.find((d) => d.id === 'certification.consultation' && d.kind === 'due');
    const [history, integrity] = await Promise.all([this.history(locale, dossier), this.audit.verify(actor, { type: DOSSIER, id })]);
    return {
      dossier,
      communeName,
      stateWords: (s) => this.stateWords(locale, 'certification', s),
      eventWords: (e) => this.eventWords(locale, 'certification', e),
      editable: this.dossiers.criteriaEditable(actor, dossier),
      canAttach: this.attachments.canAttach(actor, { unitPath, state: dossier.state }),
      attachKinds: this.attachments.attachableKinds(actor, { unitPath, state: dossier.state }),
      maxUploadBytes: this.config.maxUploadBytes,
      currentDue: due ? { at: due.dueAt, ...dueWords(locale, due.dueAt, now, this.calendar) } : null,
      // Once open, when it ends; before, when it would end if opened now.
      consultationEnds: consultation
        ? formatDate(consultation.dueAt)
        : dossier.state === 'draft'
          ? formatDate(this.engine.projectedDue('certification', 'certification.consultation', now) ?? now)
          : null,
      history,
      integrity: { ok: integrity.ok, checked: integrity.checkedEvents, reason: integrity.brokenAt?.reason },
      flash,
      csrf,
      etag: etagOf(dossier),
    };
  }

  /** An event of the history as people say it (a timer's event is the end of its step's time). */
  private historyWords(locale: Locale, type: string, payload: Record<string, unknown>): string {
    if (type === 'START') return word(locale, 'started');
    if (type.startsWith('xstate.after.')) return word(locale, 'deadlinePassed');
    const words = this.eventWords(locale, 'certification', type);
    if (type !== 'REVIEW_CRITERION') return words;
    const decision = payload.decision === 'approve' ? word(locale, 'approve') : word(locale, 'requestRevision');
    return `${words} ${String(payload.code)}: ${decision}`;
  }

  private async history(locale: Locale, dossier: DossierView): Promise<HistoryItem[]> {
    const entries = await this.dossiers.historyOf(dossier);
    const names = await this.users.fullNames([...new Set(entries.map((e) => e.actor.id).filter((x): x is string => x !== null))]);
    return entries
      .map((e) => {
        const p = e.payload as Record<string, unknown>;
        const comment =
          [p.comment, p.reason, p.decisionNumber].filter((x): x is string => typeof x === 'string' && x.length > 0).join(' · ') || null;
        const role = ROLE_WORDS[e.actor.role]?.[locale];
        return {
          at: e.at,
          who: e.actor.id ? `${names.get(e.actor.id) ?? e.actor.id}${role ? ` (${role})` : ''}` : word(locale, 'system'),
          what: this.historyWords(locale, e.type, p),
          change: `${this.stateWords(locale, 'certification', e.fromState)} → ${this.stateWords(locale, 'certification', e.toState)}`,
          comment,
        };
      })
      .reverse();
  }
}

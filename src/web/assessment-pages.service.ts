import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { WorkingCalendar } from '../calendar/working-calendar.js';
import { AssessmentAttachmentsService } from '../assessments/assessment-attachments.service.js';
import { ASSESSMENT, AssessmentsService } from '../assessments/assessments.service.js';
import { etagOf } from '../common/if-match.js';
import { assessmentTitle } from '../common/place-names.js';
import type { Locale } from '../common/messages.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { UnitsService } from '../units/units.service.js';
import { UsersRepository } from '../users/users.repository.js';
import { CriteriaHistoryService } from '../villages/criteria-history.service.js';
import { dueWords, formatDay } from './format.js';
import { PagesService } from './pages.service.js';
import type { AssessmentPageProps } from './views/assessment.page.js';
import type { HistoryItem } from './views/dossier.page.js';
import type { Flash } from './views/flash.js';
import type { VillageView } from './views/village.page.js';
import { ROLE_WORDS, word } from './words.js';

/** How many assessments, and how many changes of a flag, the village page shows at a time. */
export const VILLAGE_PAGE = 20;

/** The village page's place in its two lists: the cursor of each (`assessments`, `changes`), from its links. */
export interface VillagePageQuery {
  assessments?: string;
  changes?: string;
}

/** What the village and assessment pages show, read through the assessments' and villages' services. */
@Injectable()
export class AssessmentPagesService {
  constructor(
    private readonly pages: PagesService,
    private readonly units: UnitsService,
    private readonly criteriaHistory: CriteriaHistoryService,
    private readonly assessments: AssessmentsService,
    private readonly attachments: AssessmentAttachmentsService,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly calendar: WorkingCalendar,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A village's page: its flags with their source, a page of its assessments and a page of the changes of its
   * flags (each with its own "more" link), and the form to record an assessment when the user may.
   */
  async village(actor: Actor, id: string, locale: Locale, query: VillagePageQuery, flash: Flash, csrf: string): Promise<VillageView> {
    const unit = await this.units.getVisible(actor, id);
    const [commune, flags, assessments, changes] = await Promise.all([
      unit.parentId ? this.units.getVisible(actor, unit.parentId).catch(() => null) : null,
      this.criteriaHistory.current(actor, id),
      this.assessments.listForVillage(actor, id, { limit: VILLAGE_PAGE, cursor: query.assessments }),
      this.criteriaHistory.history(actor, id, { limit: VILLAGE_PAGE, cursor: query.changes }),
    ]);
    const link = (q: VillagePageQuery) => {
      const params = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
      return `/app/villages/${id}${params.size ? `?${params}` : ''}`;
    };
    const names = new Map(flags.map((f) => [f.code, f.name]));
    return {
      id: unit.id,
      name: unit.name,
      communeName: commune?.name ?? null,
      flags,
      assessments: assessments.items.map((a) => ({
        id: a.id,
        assessedOn: a.assessedOn,
        stateWords: this.pages.stateWords(locale, ASSESSMENT, a.state),
        criteria: a.criteria.map((c) => ({ code: c.code, met: c.met })),
      })),
      assessmentsMore: assessments.nextCursor ? link({ ...query, assessments: assessments.nextCursor }) : null,
      assessmentsFirst: query.assessments ? link({ ...query, assessments: undefined }) : null,
      changes: changes.items.map((c) => ({
        criterion: c.criterion,
        name: names.get(c.criterion) ?? '',
        from: c.from,
        to: c.to,
        cause: c.cause,
        factsOn: c.factsOn,
        applied: c.applied,
        supersededBy: c.supersededBy,
        at: c.at,
        by: c.by ? (c.by.name ?? c.by.id) : null,
      })),
      changesMore: changes.nextCursor ? link({ ...query, changes: changes.nextCursor }) : null,
      changesFirst: query.changes ? link({ ...query, changes: undefined }) : null,
      record: this.assessments.mayRecord(actor, unit) ? { csrf } : null,
      flash,
    };
  }

  /** An assessment's page: the assessment first (404 before anything else is read), then its history and its chain's check. */
  async assessment(actor: Actor, locale: Locale, id: string, flash: Flash, csrf: string): Promise<AssessmentPageProps> {
    const assessment = await this.assessments.get(actor, id);
    const editable = this.assessments.editable(actor, assessment);
    const [communeName, history, integrity, criteria] = await Promise.all([
      this.units.getVisible(actor, assessment.communeId).then(
        (c) => c.name,
        () => null,
      ),
      this.history(actor, locale, id),
      this.audit.verify(actor, { type: ASSESSMENT, id }),
      // The 16 criteria's names, for the form that corrects it.
      editable ? this.criteriaHistory.current(actor, assessment.villageId) : null,
    ]);
    const due = assessment.deadlines.filter((d) => d.kind === 'due').sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
    return {
      assessment,
      title: assessmentTitle(assessment.villageName, formatDay(assessment.assessedOn))[locale],
      communeName,
      stateWords: this.pages.stateWords(locale, ASSESSMENT, assessment.state),
      eventWords: (e) => this.pages.eventWords(locale, ASSESSMENT, e),
      currentDue: due ? { at: due.dueAt, ...dueWords(locale, due.dueAt, new Date(), this.calendar) } : null,
      canAttach: this.attachments.canAttach(actor, assessment),
      edit: criteria
        ? {
            criteria,
            now: {
              marks: new Map(assessment.criteria.map((c) => [c.code, c.met])),
              assessedOn: formatDay(assessment.assessedOn),
              note: assessment.note ?? '',
            },
          }
        : null,
      maxUploadBytes: this.config.maxUploadBytes,
      history,
      integrity: { ok: integrity.ok, checked: integrity.checkedEvents, reason: integrity.brokenAt?.reason },
      flash,
      csrf,
      etag: etagOf(assessment),
    };
  }

  /** The history as people say it, newest first (a timer's event is the end of its step's time). */
  private async history(actor: Actor, locale: Locale, id: string): Promise<HistoryItem[]> {
    const entries = await this.assessments.history(actor, id);
    const names = await this.users.fullNames([...new Set(entries.map((e) => e.actor.id).filter((x): x is string => x !== null))]);
    const state = (s: string) => this.pages.stateWords(locale, ASSESSMENT, s);
    return entries
      .map((e) => {
        const p = e.payload as Record<string, unknown>;
        const comment = [p.comment, p.reason].filter((x): x is string => typeof x === 'string' && x.length > 0).join(' · ') || null;
        const role = ROLE_WORDS[e.actor.role]?.[locale];
        return {
          at: e.at,
          who: e.actor.id ? `${names.get(e.actor.id) ?? e.actor.id}${role ? ` (${role})` : ''}` : word(locale, 'system'),
          what:
            e.type === 'START'
              ? word(locale, 'assessmentStarted')
              : e.type.startsWith('xstate.after.')
                ? word(locale, 'deadlinePassed')
                : this.pages.eventWords(locale, ASSESSMENT, e.type),
          change: `${state(e.fromState)} → ${state(e.toState)}`,
          comment,
        };
      })
      .reverse();
  }
}

import { Body, Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public, type Actor } from '../auth/actor.js';
import { AssessmentAttachmentsService } from '../assessments/assessment-attachments.service.js';
import { ASSESSMENT_EVENTS } from '../assessments/assessments.dto.js';
import { AssessmentsService } from '../assessments/assessments.service.js';
import type { UploadedFileInfo } from '../certification/attachments/file-store.js';
import { receiveUploadThrough, Upload, UploadRefusal } from '../certification/attachments/receive-upload.interceptor.js';
import { DomainError, InvalidInput, Stale } from '../common/errors.js';
import { statusOf } from '../common/exception.filter.js';
import { parseIfMatch } from '../common/if-match.js';
import { say, type Locale } from '../common/messages.js';
import { AssessmentPagesService, type VillagePageQuery } from './assessment-pages.service.js';
import { assessmentEventFromForm, assessmentFromForm, FormProblem } from './forms.js';
import { sendPageFile } from './page-file.js';
import { PagesService } from './pages.service.js';
import { field, pageContext, seeOther, sendHtml, type WebRequest } from './web-request.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { CsrfRefused } from './web-errors.js';
import { assertCsrf, CsrfAmongUploadFields, WebSessionGuard } from './web-session.guard.js';
import { AssessmentPage } from './views/assessment.page.js';
import type { Flash } from './views/flash.js';
import { render } from './views/layout.js';
import { VillagePage } from './views/village.page.js';
import { word, type WordKey } from './words.js';

const ReceiveEvidence = receiveUploadThrough(AssessmentAttachmentsService);

/** The confirmations a redirect may ask the assessment page for (a link cannot make up its own). */
const DONE: Record<string, WordKey> = { recorded: 'assessmentRecorded', attached: 'fileAdded', saved: 'saved' };

/** The form's fields as typed (text only), to show again when it comes back refused. */
function typed(body: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries((body ?? {}) as Record<string, unknown>).filter(([k, v]) => k !== '_csrf' && typeof v === 'string'),
  ) as Record<string, string>;
}

/**
 * The village page (its flags, assessments and changes, and the form to record an assessment) and the
 * assessment page (its marks, state and due date, evidence, the events the user may send now, history). Each
 * reads and acts through the services the JSON API uses; a refused form comes back to its page with the reason
 * beside the field and what was typed.
 */
@ApiExcludeController()
@Public()
@Controller('app')
@UseGuards(WebSessionGuard)
@UseFilters(WebExceptionFilter)
export class AssessmentPagesController {
  constructor(
    private readonly pages: PagesService,
    private readonly assessmentPages: AssessmentPagesService,
    private readonly assessments: AssessmentsService,
    private readonly attachments: AssessmentAttachmentsService,
  ) {}

  private actor(req: WebRequest): Actor {
    return req.webSession!.actor;
  }

  @Get('villages/:id')
  async village(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const cursors: VillagePageQuery = {
      assessments: typeof query.assessments === 'string' ? query.assessments : undefined,
      changes: typeof query.changes === 'string' ? query.changes : undefined,
    };
    await this.showVillage(req, reply, 200, id, {}, cursors);
  }

  private async showVillage(
    req: WebRequest,
    reply: FastifyReply,
    status: number,
    id: string,
    flash: Flash,
    cursors: VillagePageQuery = {},
  ) {
    const locale = pageContext(req).locale;
    const [count, village] = await Promise.all([
      this.pages.inboxCount(this.actor(req)),
      this.assessmentPages.village(this.actor(req), id, locale, cursors, flash, req.webSession!.csrfToken),
    ]);
    sendHtml(reply, status, render(<VillagePage ctx={pageContext(req, count)} village={village} />));
  }

  /** Records an assessment of the village (state draft) and lands on its page, or the village page with the reasons. */
  @Post('villages/:id/assessments')
  async record(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const locale = pageContext(req).locale;
    const values = typed(body);
    try {
      const assessment = await this.assessments.create(this.actor(req), id, assessmentFromForm(locale, body));
      seeOther(reply, `/app/assessments/${assessment.id}?done=recorded`);
    } catch (err) {
      const [status, flash] = this.refusal(locale, 'record', err, values);
      await this.showVillage(req, reply, status, id, flash);
    }
  }

  @Get('assessments/:id')
  async assessment(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const locale = pageContext(req).locale;
    const done = (req.query as Record<string, string | undefined> | undefined)?.done;
    await this.showAssessment(req, reply, 200, { done: done ? this.doneWords(locale, done) : undefined }, id);
  }

  private doneWords(locale: Locale, done: string): string | undefined {
    if (Object.hasOwn(DONE, done)) return word(locale, DONE[done]);
    if (!Object.hasOwn(ASSESSMENT_EVENTS, done)) return undefined;
    return word(locale, 'eventDone', { event: this.pages.eventWords(locale, 'assessment', done) });
  }

  private async showAssessment(req: WebRequest, reply: FastifyReply, status: number, flash: Flash, id: string) {
    const [count, props] = await Promise.all([
      this.pages.inboxCount(this.actor(req)),
      this.assessmentPages.assessment(this.actor(req), pageContext(req).locale, id, flash, req.webSession!.csrfToken),
    ]);
    sendHtml(reply, status, render(<AssessmentPage ctx={pageContext(req, count)} props={props} />));
  }

  /** A refused form as its page shows it: the status the API gives, the reason, each field's message, what was typed. */
  private refusal(locale: Locale, form: string, err: unknown, values: Record<string, string>): [number, Flash] {
    if (err instanceof FormProblem) {
      return [400, { form, error: Object.values(err.fields)[0] ?? word(locale, 'invalidValue'), fields: err.fields, values }];
    }
    if (!(err instanceof DomainError)) throw err;
    if (err instanceof Stale) return [statusOf(err), { form, error: word(locale, 'staleAssessment'), fields: {}, values }];
    const message = say(locale, err.key, err.params);
    const fields =
      err instanceof InvalidInput
        ? Object.fromEntries(err.fields.map((f) => [f.field, f.keys?.length ? say(locale, f.keys[0].key, f.keys[0].params) : message]))
        : {};
    // The date the user typed (dd/mm/yyyy), not the day the service was given.
    if (fields.assessedOn && err.key === 'assessment_date') fields.assessedOn = say(locale, err.key, { date: values.assessedOn ?? '' });
    return [statusOf(err), { form, error: fields.assessedOn ?? message, fields, values }];
  }

  /** The commune corrects the date, note and marks while the assessment is with it (the page's entity tag as If-Match). */
  @Post('assessments/:id')
  async edit(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const locale = pageContext(req).locale;
    const values = typed(body);
    try {
      const { assessedOn, note, criteria } = assessmentFromForm(locale, body);
      const etag = field(body, 'etag')?.trim();
      await this.assessments.update(this.actor(req), id, { assessedOn, note: note ?? '', criteria }, etag ? parseIfMatch(etag) : undefined);
      seeOther(reply, `/app/assessments/${id}?done=saved`);
    } catch (err) {
      const [status, flash] = this.refusal(locale, 'edit', err, values);
      await this.showAssessment(req, reply, status, flash, id);
    }
  }

  @Post('assessments/:id/events')
  async event(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const locale = pageContext(req).locale;
    const type = field(body, 'type') ?? '';
    const values = typed(body);
    try {
      const etag = field(body, 'etag')?.trim();
      await this.assessments.send(this.actor(req), id, assessmentEventFromForm(locale, type, body), {
        ifMatch: etag ? parseIfMatch(etag) : undefined,
      });
      seeOther(reply, `/app/assessments/${id}?done=${encodeURIComponent(type)}`);
    } catch (err) {
      const [status, flash] = this.refusal(locale, type, err, values);
      await this.showAssessment(req, reply, status, flash, id);
    }
  }

  @Post('assessments/:id/attachments')
  @CsrfAmongUploadFields()
  @UseInterceptors(ReceiveEvidence)
  async attach(
    @Req() req: WebRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Upload() file: UploadedFileInfo | undefined,
    @UploadRefusal() refusal: DomainError | undefined,
    @Body() body: Record<string, unknown>,
  ) {
    const locale = pageContext(req).locale;
    try {
      // Refused before the file was read (nothing stored, nothing changes): the page again with the reason.
      if (refusal) throw refusal;
      assertCsrf(req.webSession, body);
      if (!file) throw new FormProblem({ file: word(locale, 'fileRequired') });
      await this.attachments.add(this.actor(req), id, file, 'evidence');
      seeOther(reply, `/app/assessments/${id}?done=attached`);
    } catch (err) {
      if (err instanceof CsrfRefused) throw err;
      const [status, flash] = this.refusal(locale, 'attach', err, {});
      await this.showAssessment(req, reply, status, flash, id);
    }
  }

  /** Evidence: PDF and images shown in the browser, other files downloaded. */
  @Get('assessments/:id/files/:attachmentId')
  async file(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('attachmentId') attachmentId: string) {
    sendPageFile(reply, await this.attachments.find(this.actor(req), id, attachmentId));
  }
}

import { Body, Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public, type Actor } from '../auth/actor.js';
import { AttachmentsService } from '../certification/attachments/attachments.service.js';
import type { UploadedFileInfo } from '../certification/attachments/file-store.js';
import { ReceiveUpload, Upload, UploadRefusal } from '../certification/attachments/receive-upload.interceptor.js';
import { ATTACHMENT_KINDS, DOSSIER_EVENTS } from '../certification/dossiers.dto.js';
import type { DocumentKind } from '../../workflows/certification/documents.js';
import { DossiersService } from '../certification/dossiers.service.js';
import { BatchSignOffService } from '../certification/batch-sign-off.service.js';
import { DomainError, InvalidInput, NotPermitted, Stale } from '../common/errors.js';
import { parseIfMatch } from '../common/if-match.js';
import { say, type Locale } from '../common/messages.js';
import { PagesService } from './pages.service.js';
import { eventFromForm, criteriaFromForm, FormProblem } from './forms.js';
import { field, fields, pageContext, seeOther, sendHtml, type WebRequest } from './web-request.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { NoSuchPage } from './web-errors.js';
import { sendPageFile } from './page-file.js';
import { assertCsrf, CsrfAmongUploadFields, WebSessionGuard } from './web-session.guard.js';
import { render } from './views/layout.js';
import { InboxPage } from './views/inbox.page.js';
import { VillagesPage, type CreateDossierForm } from './views/villages.page.js';
import { DossierListPage, type BatchSignOffForm } from './views/dossier-list.page.js';
import { DossierPage, type Flash } from './views/dossier.page.js';
import { word } from './words.js';

/** Status of a page that comes back with a refusal: the API's for the same error. */
import { statusOf } from '../common/exception.filter.js';

/**
 * The dossier's entity tag the page was rendered with (a hidden field of its forms that change the dossier as a
 * whole): the write is refused as stale when the dossier reads otherwise now. A form without it is not checked.
 */
function pageIfMatch(body: unknown): string | undefined {
  const etag = field(body, 'etag')?.trim();
  return etag ? parseIfMatch(etag) : undefined;
}

/**
 * The pages of the certification flow, for every role. Each reads and acts through the services the JSON API
 * uses; a refused form comes back to its page with the reason beside the field and what was typed.
 */
@ApiExcludeController()
@Public()
@Controller('app')
@UseGuards(WebSessionGuard)
@UseFilters(WebExceptionFilter)
export class PagesController {
  constructor(
    private readonly pages: PagesService,
    private readonly dossiers: DossiersService,
    private readonly attachments: AttachmentsService,
    private readonly batch: BatchSignOffService,
  ) {}

  private actor(req: WebRequest): Actor {
    return req.webSession!.actor;
  }

  private async ctx(req: WebRequest) {
    return pageContext(req, await this.pages.inboxCount(this.actor(req)));
  }

  @Get()
  async inbox(@Req() req: WebRequest, @Res() reply: FastifyReply) {
    const items = await this.pages.inbox(this.actor(req), pageContext(req).locale);
    sendHtml(reply, 200, render(<InboxPage ctx={pageContext(req, items.length)} items={items} />));
  }

  @Get('villages')
  async villages(@Req() req: WebRequest, @Res() reply: FastifyReply) {
    await this.showVillages(req, reply, 200, {});
  }

  private async showVillages(req: WebRequest, reply: FastifyReply, status: number, form: CreateDossierForm) {
    const actor = this.actor(req);
    if (actor.role !== 'COMMUNE_STAFF') throw new NotPermitted('role_may_not', { role: actor.role, roles: 'COMMUNE_STAFF' });
    const locale = pageContext(req).locale;
    const [ctx, villages] = await Promise.all([this.ctx(req), this.pages.villages(actor, locale)]);
    sendHtml(reply, status, render(<VillagesPage ctx={ctx} villages={villages} form={form} />));
  }

  @Post('dossiers')
  async create(@Req() req: WebRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>) {
    const locale = pageContext(req).locale;
    const villageId = field(body, 'villageId') ?? '';
    const yearText = (field(body, 'year') ?? '').trim();
    const year = /^\d{4}$/.test(yearText) ? Number(yearText) : NaN;
    if (!(year >= 2000 && year <= 2100)) {
      return this.showVillages(req, reply, 400, { villageId, year: yearText, errors: { year: word(locale, 'yearInvalid') } });
    }
    try {
      const dossier = await this.dossiers.create(this.actor(req), { villageId, year });
      seeOther(reply, `/app/dossiers/${dossier.id}?done=created`);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      await this.showVillages(req, reply, statusOf(err), { villageId, year: yearText, errors: { form: say(locale, err.key, err.params) } });
    }
  }

  @Get('dossiers')
  async list(@Req() req: WebRequest, @Res() reply: FastifyReply) {
    const done = (req.query as Record<string, unknown> | undefined)?.done;
    const notice = done === 'signed' ? word(pageContext(req).locale, 'batchDone') : undefined;
    await this.showList(req, reply, 200, {}, notice);
  }

  private async showList(
    req: WebRequest,
    reply: FastifyReply,
    status: number,
    batch: Omit<BatchSignOffForm, 'documents' | 'csrf'>,
    notice?: string,
  ) {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const [ctx, groups] = await Promise.all([
      this.ctx(req),
      this.pages.dossierGroups(
        this.actor(req),
        pageContext(req).locale,
        {
          state: typeof query.state === 'string' ? query.state : undefined,
          cursor: typeof query.cursor === 'string' ? query.cursor : undefined,
        },
        { ...batch, csrf: req.webSession!.csrfToken },
      ),
    ]);
    sendHtml(reply, status, render(<DossierListPage ctx={ctx} groups={groups} notice={notice} />));
  }

  /** One decision for the dossiers ticked on the waiting list: all signed off, or the list again with the reason. */
  @Post('dossiers/sign-off')
  async batchSignOff(@Req() req: WebRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>) {
    const locale = pageContext(req).locale;
    const values = {
      dossierIds: fields(body, 'dossierIds'),
      decisionNumber: (field(body, 'decisionNumber') ?? '').trim(),
      decisionDate: (field(body, 'decisionDate') ?? '').trim(),
      decisionAttachmentId: field(body, 'decisionAttachmentId') ?? '',
    };
    const problems: Record<string, string> = {};
    if (values.dossierIds.length === 0) problems.dossierIds = word(locale, 'chooseDossiers');
    if (!values.decisionNumber) problems.decisionNumber = word(locale, 'required');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.decisionDate))
      problems.decisionDate = word(locale, values.decisionDate ? 'dateInvalid' : 'required');
    if (!values.decisionAttachmentId) problems.decisionAttachmentId = word(locale, 'noDecisionDocument');
    if (Object.keys(problems).length) {
      return this.showList(req, reply, 400, { error: Object.values(problems)[0], fields: problems, values });
    }
    try {
      await this.batch.signOff(this.actor(req), values);
      seeOther(reply, '/app/dossiers?done=signed');
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const reason = say(locale, err.key, err.params);
      const dossierId = err.details.dossierId;
      const village =
        typeof dossierId === 'string'
          ? await this.dossiers.get(this.actor(req), dossierId).then(
              (d) => `${d.villageName} ${d.year}`,
              () => dossierId,
            )
          : undefined;
      const error = village ? word(locale, 'batchRefusedFor', { village, reason }) : reason;
      await this.showList(req, reply, statusOf(err), { error, fields: {}, values });
    }
  }

  @Get('dossiers/:id')
  async dossier(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const locale = pageContext(req).locale;
    const done = (req.query as Record<string, string | undefined>)?.done;
    const words = done ? this.doneWords(locale, done) : undefined;
    await this.showDossier(req, reply, 200, id, words ? { done: words } : {});
  }

  /** The confirmation a redirect asks for: only ones this controller gives (a link cannot make up its own). */
  private doneWords(locale: Locale, done: string): string | undefined {
    if (done === 'created') return word(locale, 'dossierCreated');
    if (done === 'criteria') return word(locale, 'saved');
    if (done === 'attached') return word(locale, 'fileAdded');
    if (!Object.hasOwn(DOSSIER_EVENTS, done)) return undefined;
    return word(locale, 'eventDone', { event: this.pages.eventWords(locale, 'certification', done) });
  }

  private async showDossier(req: WebRequest, reply: FastifyReply, status: number, id: string, flash: Flash) {
    const [ctx, props] = await Promise.all([
      this.ctx(req),
      this.pages.dossier(this.actor(req), pageContext(req).locale, id, flash, req.webSession!.csrfToken),
    ]);
    sendHtml(reply, status, render(<DossierPage ctx={ctx} props={props} />));
  }

  /** A refusal of one of the dossier page's forms: the page again, the reason beside the field. */
  private async refused(
    req: WebRequest,
    reply: FastifyReply,
    id: string,
    form: string,
    err: unknown,
    values: Record<string, string | string[]>,
  ) {
    const locale = pageContext(req).locale;
    if (err instanceof FormProblem) {
      return this.showDossier(req, reply, 400, id, {
        form,
        error: err.fields.form ?? word(locale, 'invalidValue'),
        fields: err.fields,
        values,
      });
    }
    if (!(err instanceof DomainError)) throw err;
    if (err instanceof Stale) {
      return this.showDossier(req, reply, statusOf(err), id, { form, error: word(locale, 'stalePage'), fields: {}, values });
    }
    const fieldsOf =
      err instanceof InvalidInput
        ? Object.fromEntries(
            err.fields.map((f) => [f.field, f.keys?.length ? say(locale, f.keys[0].key, f.keys[0].params) : word(locale, 'invalidValue')]),
          )
        : {};
    await this.showDossier(req, reply, statusOf(err), id, { form, error: say(locale, err.key, err.params), fields: fieldsOf, values });
  }

  @Post('dossiers/:id/criteria')
  async criteria(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const locale = pageContext(req).locale;
    const values = Object.fromEntries(Object.entries(body ?? {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    try {
      await this.dossiers.updateCriteria(this.actor(req), id, criteriaFromForm(locale, body), pageIfMatch(body));
      seeOther(reply, `/app/dossiers/${id}?done=criteria`);
    } catch (err) {
      await this.refused(req, reply, id, 'criteria', err, values);
    }
  }

  @Post('dossiers/:id/events')
  async event(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const locale = pageContext(req).locale;
    const type = field(body, 'type') ?? '';
    const form = type === 'REVIEW_CRITERION' ? `REVIEW_CRITERION_${field(body, 'code') ?? ''}` : type;
    const values = Object.fromEntries(Object.entries(body ?? {}).filter(([k]) => k !== '_csrf')) as Record<string, string | string[]>;
    try {
      const event = eventFromForm(locale, type, body);
      await this.dossiers.send(this.actor(req), id, event, { ifMatch: pageIfMatch(body) });
      seeOther(reply, `/app/dossiers/${id}?done=${encodeURIComponent(type)}`);
    } catch (err) {
      await this.refused(req, reply, id, form, err, values);
    }
  }

  @Post('dossiers/:id/attachments')
  @CsrfAmongUploadFields()
  @UseInterceptors(ReceiveUpload)
  async attach(
    @Req() req: WebRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Upload() file: UploadedFileInfo | undefined,
    @UploadRefusal() refusal: DomainError | undefined,
    @Body() body: Record<string, unknown>,
  ) {
    // Refused before the file was read (nothing stored, nothing changes): the page again with the reason.
    if (refusal) return this.refused(req, reply, id, 'attach', refusal, {});
    const locale = pageContext(req).locale;
    assertCsrf(req.webSession, body);
    const kind = field(body, 'kind') ?? 'evidence';
    try {
      if (!file) throw new FormProblem({ file: word(locale, 'fileRequired') });
      if (!(ATTACHMENT_KINDS as readonly string[]).includes(kind)) throw new FormProblem({ kind: word(locale, 'invalidValue') });
      await this.attachments.add(this.actor(req), id, file, kind as DocumentKind);
      seeOther(reply, `/app/dossiers/${id}?done=attached`);
    } catch (err) {
      await this.refused(req, reply, id, 'attach', err, { kind });
    }
  }

  /** An attachment: PDF and images shown in the browser, other files downloaded. */
  @Get('dossiers/:id/files/:attachmentId')
  async file(@Req() req: WebRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('attachmentId') attachmentId: string) {
    sendPageFile(reply, await this.attachments.find(this.actor(req), id, attachmentId));
  }

  /** Any other address under /app: a page saying so (404), not the API's JSON. Static routes take precedence. */
  @Get('*')
  unknown(): never {
    throw new NoSuchPage();
  }
}

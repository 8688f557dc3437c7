import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import type { FastifyReply } from 'fastify';
import { historyPage, HistoryQuery } from '../common/pagination.js';
import { InvalidInput } from '../common/errors.js';
import { ETagInterceptor, parseIfMatch } from '../common/if-match.js';
import {
  BatchSignOffDto,
  BatchSignOffView,
  CreateDossierDto,
  DossierPage,
  DossierView,
  EventTypeDto,
  HistoryEntryView,
  ListDossiersQuery,
  UpdateCriterionDto,
} from './dossiers.dto.js';
import { DossiersService } from './dossiers.service.js';
import { BatchSignOffService } from './batch-sign-off.service.js';

const badCode = () => new InvalidInput('criterion_code');

@ApiTags('dossiers')
@ApiBearerAuth()
@Controller('dossiers')
@UseInterceptors(ETagInterceptor)
export class DossiersController {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly batch: BatchSignOffService,
  ) {}

  @Post()
  @Roles('COMMUNE_STAFF')
  @ApiOperation({ summary: "Open a certification dossier for a village of the caller's commune and a year" })
  @ApiCreatedResponse({ type: DossierView })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateDossierDto, @Headers('idempotency-key') key?: string) {
    return this.dossiers.create(actor, dto, { idempotencyKey: key });
  }

  @Post('sign-off')
  @HttpCode(200)
  @Roles('PROVINCE_OFFICER')
  @ApiOperation({
    summary:
      'Sign off several dossiers with one decision (number, date, the signed document attached to one of them): all of them or none; a refusal names the dossier (dossierId)',
  })
  @ApiOkResponse({ type: BatchSignOffView })
  signOff(@CurrentActor() actor: Actor, @Body() dto: BatchSignOffDto) {
    return this.batch.signOff(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: "Dossiers inside the caller's unit" })
  @ApiOkResponse({ type: DossierPage })
  list(@CurrentActor() actor: Actor, @Query() query: ListDossiersQuery) {
    return this.dossiers.list(actor, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A dossier with its criteria, reviews, attachments, deadlines and the events the caller may send' })
  @ApiOkResponse({ type: DossierView })
  get(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.dossiers.get(actor, id);
  }

  @Put(':id/criteria/:code')
  @Roles('COMMUNE_STAFF')
  @ApiOperation({ summary: 'Edit the self-assessment of one criterion (draft, revision_requested)' })
  @ApiOkResponse({ type: DossierView })
  @ApiParam({ name: 'code', type: Number, description: 'the criterion code, 1 to 16' })
  // The raw string, checked here: a `number` parameter would be converted by the global ValidationPipe first
  // (Number('1e1') is 10, Number('0x10') is 16), so ParseIntPipe would never see what the client sent.
  updateCriterion(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('code') code: string,
    @Body() dto: UpdateCriterionDto,
    @Headers('if-match') ifMatch?: string,
  ) {
    return this.dossiers.updateCriterion(actor, id, validCode(code), dto, parseIfMatch(ifMatch));
  }

  @Post(':id/events')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Send an event: OPEN_CONSULTATION, SUBMIT {agreementPercent}, REVIEW_CRITERION {code, decision, comment}, RETURN {comment}, RESUBMIT, APPROVE, SIGN_OFF {decisionNumber, decisionDate}, REJECT {reason}, WITHDRAW, REVOKE {reason, criteriaNoLongerMet}',
  })
  @ApiBody({ type: EventTypeDto, description: '{ type, ...payload }' })
  @ApiOkResponse({ type: DossierView, description: 'the dossier after the event; 409 with allowedEvents, 422 with rule' })
  send(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Headers('idempotency-key') key?: string,
    @Headers('if-match') ifMatch?: string,
  ) {
    return this.dossiers.send(actor, id, body, { idempotencyKey: key, ifMatch: parseIfMatch(ifMatch) });
  }

  @Get(':id/history')
  @ApiOperation({
    summary:
      "The dossier's hash-chained history: all of it, or limit events after seq after (the next page in Link rel=next and X-Next-Cursor)",
  })
  @ApiOkResponse({ type: [HistoryEntryView] })
  history(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query() query: HistoryQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return historyPage(query, `/dossiers/${encodeURIComponent(id)}/history`, reply, (page) => this.dossiers.history(actor, id, page));
  }
}

function validCode(code: string): number {
  if (!/^(?:[1-9]|1[0-6])$/.test(code)) throw badCode();
  return Number(code);
}

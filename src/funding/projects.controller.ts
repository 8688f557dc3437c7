import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import type { FastifyReply } from 'fastify';
import { historyPage, HistoryQuery } from '../common/pagination.js';
import { ETagInterceptor, parseIfMatch } from '../common/if-match.js';
import { CreateProjectDto, EnterprisePledgeDto, EventTypeDto, ListProjectsQuery, LoanDto, ReceiptDto } from './projects.dto.js';
import { FundRecordsService } from './fund-records.service.js';
import { PageQuery } from '../common/pagination.js';
import { ProjectsService } from './projects.service.js';

@ApiTags('funds')
@ApiBearerAuth()
@Controller('funds')
export class FundsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly records: FundRecordsService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      "The plan's funds: planned, allocated (reserved, not yet disbursed), disbursed and available (planned − allocated − disbursed) VND",
  })
  list() {
    return this.projects.listFunds();
  }

  @Post(':code/loans')
  @Roles('PROVINCE_OFFICER', 'COMMUNE_STAFF')
  @ApiOperation({
    summary:
      "Record a credit fund's loan disbursement to households of a commune (credit is lent through the policy bank, never allocated to a work)",
  })
  addLoan(@CurrentActor() actor: Actor, @Param('code') code: string, @Body() dto: LoanDto) {
    return this.records.addLoan(actor, code, dto);
  }

  @Get(':code/loans')
  @ApiOperation({ summary: "A credit fund's loan disbursements to communes inside the caller's unit" })
  loans(@CurrentActor() actor: Actor, @Param('code') code: string, @Query() query: PageQuery) {
    return this.records.loans(actor, code, query);
  }

  @Post(':code/pledges')
  @Roles('PROVINCE_OFFICER', 'COMMUNE_STAFF')
  @ApiOperation({ summary: "Record an enterprise's pledge to a mobilised fund, for a commune or for the province's plan" })
  addPledge(@CurrentActor() actor: Actor, @Param('code') code: string, @Body() dto: EnterprisePledgeDto) {
    return this.records.addPledge(actor, code, dto);
  }

  @Get(':code/pledges')
  @ApiOperation({ summary: "Enterprises' pledges to a mobilised fund inside the caller's unit" })
  pledges(@CurrentActor() actor: Actor, @Param('code') code: string, @Query() query: PageQuery) {
    return this.records.pledges(actor, code, query);
  }
}

@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects')
@UseInterceptors(ETagInterceptor)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @Roles('COMMUNE_STAFF')
  @ApiOperation({ summary: "Propose a work under the special mechanism for a village of the caller's commune" })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateProjectDto, @Headers('idempotency-key') key?: string) {
    return this.projects.create(actor, dto, { idempotencyKey: key });
  }

  @Get()
  @ApiOperation({ summary: "Projects inside the caller's unit" })
  list(@CurrentActor() actor: Actor, @Query() query: ListProjectsQuery) {
    return this.projects.list(actor, query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A project with its funding lines, contributions pledged and received, deadlines and the events the caller may send',
  })
  get(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.projects.get(actor, id);
  }

  @Post(':id/events')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Send an event: SUBMIT, RETURN {comment}, APPROVE {funding?}, ALLOCATE, REJECT {reason}, START, REPORT_PROGRESS {percent, note}, REQUEST_ACCEPTANCE, ACCEPT {acceptedValueVnd, acceptedQuantity?}, REFUSE_ACCEPTANCE {reason}, SETTLE {settledVnd}, CANCEL {reason}',
  })
  @ApiBody({ type: EventTypeDto, description: '{ type, ...payload }' })
  send(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Headers('idempotency-key') key?: string,
    @Headers('if-match') ifMatch?: string,
  ) {
    return this.projects.send(actor, id, body, { idempotencyKey: key, ifMatch: parseIfMatch(ifMatch) });
  }

  @Get(':id/history')
  @ApiOperation({
    summary:
      "The project's hash-chained history: all of it, or limit events after seq after (the next page in Link rel=next and X-Next-Cursor)",
  })
  history(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query() query: HistoryQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return historyPage(query, `/projects/${encodeURIComponent(id)}/history`, reply, (page) => this.projects.history(actor, id, page));
  }

  @Post(':id/contributions/:contributionId/receipts')
  @Roles('COMMUNE_STAFF')
  @ApiOperation({ summary: 'Record what was received of a pledged contribution' })
  receipt(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('contributionId') contributionId: string, @Body() dto: ReceiptDto) {
    return this.projects.addReceipt(actor, id, contributionId, dto);
  }
}

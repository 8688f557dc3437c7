import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import { DomainError, InvalidInput } from '../common/errors.js';
import { ETagInterceptor, parseIfMatch } from '../common/if-match.js';
import { historyPage, HistoryQuery, PageQuery } from '../common/pagination.js';
import { receiveUploadThrough, Upload, UploadRefusal } from '../certification/attachments/receive-upload.interceptor.js';
import type { UploadedFileInfo } from '../certification/attachments/file-store.js';
import { HistoryEntryView } from '../certification/dossiers.dto.js';
import { IdempotencyInRoute, RouteIdempotency } from '../idempotency/idempotency.interceptor.js';
import type { AssessmentDocumentKind } from '../../workflows/assessment/v1.js';
import { AssessmentAttachmentsService } from './assessment-attachments.service.js';
import { AssessmentEventDto, AssessmentPage, AssessmentView, CreateAssessmentDto, UpdateAssessmentDto } from './assessments.dto.js';
import { AssessmentsService } from './assessments.service.js';
import { storedFileReply } from '../certification/attachments/stored-file-reply.js';

class EvidenceFields {
  @ApiPropertyOptional({ enum: AssessmentAttachmentsService.KINDS, default: 'evidence' })
  @IsOptional()
  @IsIn(AssessmentAttachmentsService.KINDS)
  kind?: AssessmentDocumentKind;
}
class EvidenceForm extends EvidenceFields {
  @ApiProperty({ type: 'string', format: 'binary' }) file: unknown;
}
class EvidenceView {
  @ApiProperty() id: string;
  @ApiProperty() fileName: string;
  @ApiProperty() size: number;
  @ApiProperty() sha256: string;
  @ApiProperty() mimeType: string;
  @ApiProperty({ enum: ['evidence'] }) kind: string;
}

const ReceiveEvidence = receiveUploadThrough(AssessmentAttachmentsService);

@ApiTags('assessments')
@ApiBearerAuth()
@Controller('villages/:id/assessments')
@UseInterceptors(ETagInterceptor)
export class VillageAssessmentsController {
  constructor(private readonly assessments: AssessmentsService) {}

  @Post()
  @Roles('COMMUNE_STAFF')
  @ApiOperation({
    summary:
      "Record an assessment of one or more of the village's 16 criteria at a date (its commune's staff): state draft; attach evidence, then SUBMIT",
  })
  @ApiCreatedResponse({ type: AssessmentView })
  create(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: CreateAssessmentDto) {
    return this.assessments.create(actor, id, dto);
  }

  @Get()
  @ApiOperation({ summary: "The village's assessments, newest first (paged)" })
  @ApiOkResponse({ type: AssessmentPage })
  list(@CurrentActor() actor: Actor, @Param('id') id: string, @Query() query: PageQuery) {
    return this.assessments.listForVillage(actor, id, query);
  }
}

@ApiTags('assessments')
@ApiBearerAuth()
@Controller('assessments')
@UseInterceptors(ETagInterceptor)
export class AssessmentsController {
  constructor(
    private readonly assessments: AssessmentsService,
    private readonly attachments: AssessmentAttachmentsService,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'An assessment with its criteria, evidence, deadlines and the events the caller may send' })
  @ApiOkResponse({ type: AssessmentView })
  get(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.assessments.get(actor, id);
  }

  @Patch(':id')
  @Roles('COMMUNE_STAFF')
  @ApiOperation({ summary: 'Change the date, note or criteria while the assessment is with the commune (draft, returned)' })
  @ApiOkResponse({ type: AssessmentView })
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateAssessmentDto, @Headers('if-match') ifMatch?: string) {
    return this.assessments.update(actor, id, dto, parseIfMatch(ifMatch));
  }

  @Post(':id/events')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Send an event: SUBMIT (the commune; needs a criterion and evidence), CONFIRM {comment} or RETURN {reason} (the reviewers of the commune's parent unit), WITHDRAW",
  })
  @ApiBody({ type: AssessmentEventDto, description: '{ type, ...payload }' })
  @ApiOkResponse({ type: AssessmentView, description: 'the assessment after the event; 409 with allowedEvents, 422 with rule' })
  send(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Headers('idempotency-key') key?: string,
    @Headers('if-match') ifMatch?: string,
  ) {
    return this.assessments.send(actor, id, body, { idempotencyKey: key, ifMatch: parseIfMatch(ifMatch) });
  }

  @Get(':id/history')
  @ApiOperation({ summary: "The assessment's hash-chained history (limit, after: as a dossier's)" })
  @ApiOkResponse({ type: [HistoryEntryView] })
  history(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query() query: HistoryQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return historyPage(query, `/assessments/${encodeURIComponent(id)}/history`, reply, (page) => this.assessments.history(actor, id, page));
  }

  @Post(':id/attachments')
  @Roles('COMMUNE_STAFF')
  @IdempotencyInRoute()
  @UseInterceptors(ReceiveEvidence, RouteIdempotency)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: EvidenceForm })
  @ApiOperation({
    summary: 'Attach evidence (PDF, office document, JPEG, PNG; judged by content) while the assessment is with the commune',
  })
  @ApiCreatedResponse({ type: EvidenceView })
  upload(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Upload() file: UploadedFileInfo | undefined,
    @UploadRefusal() refusal: DomainError | undefined,
    @Body() body: EvidenceFields,
  ) {
    if (refusal) throw refusal;
    if (!file) throw new InvalidInput('file_required');
    return this.attachments.add(actor, id, file, body.kind ?? 'evidence');
  }

  @Get(':id/attachments/:attachmentId')
  @ApiProduces('application/octet-stream')
  @ApiOperation({ summary: "The evidence's bytes" })
  async download(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('attachmentId') attachmentId: string,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return storedFileReply(res, await this.attachments.find(actor, id, attachmentId));
  }
}

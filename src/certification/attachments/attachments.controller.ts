import { Body, Controller, Get, Param, Post, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { CurrentActor, Roles, type Actor } from '../../auth/actor.js';
import { ATTACHMENT_KINDS, AttachmentView } from '../dossiers.dto.js';
import { AttachmentsService } from './attachments.service.js';
import type { DocumentKind } from '../../../workflows/certification/documents.js';
import type { UploadedFileInfo } from './file-store.js';
import { IdempotencyInRoute, RouteIdempotency } from '../../idempotency/idempotency.interceptor.js';
import { ReceiveUpload, Upload, UploadRefusal } from './receive-upload.interceptor.js';
import { DomainError, InvalidInput } from '../../common/errors.js';
import { storedFileReply } from './stored-file-reply.js';

class UploadFields {
  @ApiPropertyOptional({ enum: ATTACHMENT_KINDS, default: 'evidence' })
  @IsOptional()
  @IsIn(ATTACHMENT_KINDS)
  kind?: DocumentKind;
}

/** The multipart body as OpenAPI shows it (the file itself is not a validated field). */
class UploadForm extends UploadFields {
  @ApiProperty({ type: 'string', format: 'binary' }) file: unknown;
}

@ApiTags('dossiers')
@ApiBearerAuth()
@Controller('dossiers/:id/attachments')
export class AttachmentsController {
  constructor(private readonly attachments: AttachmentsService) {}

  @Post()
  @Roles('COMMUNE_STAFF', 'REVIEWER', 'PROVINCE_OFFICER')
  // Streamed, hashed and sniffed by ReceiveUpload into the store; a request refused after the file arrived
  // (bad kind, 404, 403, 409) discards it.
  @IdempotencyInRoute()
  @UseInterceptors(ReceiveUpload, RouteIdempotency)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadForm })
  @ApiOperation({
    summary:
      'Attach a file (PDF, office document, JPEG, PNG; judged by content); 413 over MAX_UPLOAD_MB, 415 otherwise. The commune attaches submission_letter, self_assessment_report, meeting_minutes; reviewers appraisal_report; the province decision; anyone of them evidence (403 attachment_kind_not_yours otherwise)',
  })
  @ApiCreatedResponse({ type: AttachmentView })
  upload(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Upload() file: UploadedFileInfo | undefined,
    @UploadRefusal() refusal: DomainError | undefined,
    @Body() body: UploadFields,
  ) {
    if (refusal) throw refusal;
    if (!file) throw new InvalidInput('file_required');
    return this.attachments.add(actor, id, file, body.kind ?? 'evidence');
  }

  @Get(':attachmentId')
  @ApiProduces('application/octet-stream')
  @ApiOperation({ summary: "The attachment's bytes" })
  async download(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('attachmentId') attachmentId: string,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return storedFileReply(res, await this.attachments.find(actor, id, attachmentId));
  }
}

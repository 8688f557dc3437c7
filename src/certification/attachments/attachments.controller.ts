import {
  BadRequestException, Body, CallHandler, Controller, ExecutionContext, Get, HttpStatus, Injectable, NestInterceptor, Param, Post, Res, StreamableFile,
  UploadedFile, UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { createReadStream } from 'node:fs';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { CurrentActor, Roles, type Actor } from '../../auth/actor.js';
import { ATTACHMENT_KINDS, AttachmentView } from '../dossiers.dto.js';
import { AttachmentsService } from './attachments.service.js';
import { ContentAddressedStore, type UploadedFileInfo } from './file-store.js';

/** Removes the temporary upload of a request that fails after multer stored it (pipes and handler errors). */
@Injectable()
class DiscardRefusedUpload implements NestInterceptor {
  constructor(private readonly store: ContentAddressedStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<{ file?: UploadedFileInfo }>();
    return next.handle().pipe(
      catchError((err: unknown) => from(req.file ? this.store.discard(req.file) : Promise.resolve()).pipe(mergeMap(() => throwError(() => err)))),
    );
  }
}

class UploadFields {
  @ApiPropertyOptional({ enum: ATTACHMENT_KINDS, default: 'evidence' })
  @IsOptional() @IsIn(ATTACHMENT_KINDS)
  kind?: string;
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
  @Roles('COMMUNE_STAFF', 'PROVINCE_OFFICER')
  // Storage (streamed, hashed, sniffed) and limits come from MulterModule in CertificationModule; a request
  // refused after the file arrived (bad kind, 404, 403, 409) discards it.
  @UseInterceptors(FileInterceptor('file'), DiscardRefusedUpload)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadForm })
  @ApiOperation({ summary: 'Attach a file (PDF, office document, JPEG, PNG; judged by content); 413 over MAX_UPLOAD_MB, 415 otherwise' })
  @ApiCreatedResponse({ type: AttachmentView })
  upload(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @UploadedFile() file: UploadedFileInfo | undefined,
    @Body() body: UploadFields,
  ) {
    if (!file) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'file is required (multipart field "file")' });
    return this.attachments.add(actor, id, file, body.kind ?? 'evidence');
  }

  @Get(':attachmentId')
  @ApiProduces('application/octet-stream')
  @ApiOperation({ summary: 'The attachment\'s bytes' })
  async download(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('attachmentId') attachmentId: string, @Res({ passthrough: true }) res: Response) {
    const file = await this.attachments.find(actor, id, attachmentId);
    res.status(HttpStatus.OK);
    res.setHeader('Content-Type', file.mimeType);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('ETag', `"${file.sha256}"`);
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
    return new StreamableFile(createReadStream(file.path));
  }
}

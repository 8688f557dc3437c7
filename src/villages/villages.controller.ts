import { Body, Controller, Get, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import { InvalidInput } from '../common/errors.js';
import { PageQuery } from '../common/pagination.js';
import { IdempotencyInRoute, RouteIdempotency } from '../idempotency/idempotency.interceptor.js';
import { CriteriaHistoryService } from './criteria-history.service.js';
import { CriteriaImportService } from './criteria-import.service.js';
import { ImportFileParam, ReceiveImportFile, type ImportFile } from './receive-import-file.interceptor.js';
import { FLAG_SOURCES } from './village-criteria.repository.js';

class ImportFields {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'false',
    description: "'true': the marks are also the villages' baseline (status of 5/2019) that the scoped progress report counts",
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  baseline?: 'true' | 'false';
}
class ImportForm extends ImportFields {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'XLSX or CSV (UTF-8): a header row, then village code and 16 marks (1/0, Đạt/Chưa đạt) per row',
  })
  file: unknown;
}
class ImportResultView {
  @ApiProperty() importId: string;
  @ApiProperty() rows: number;
  @ApiProperty() flags: number;
  @ApiProperty({ description: 'flags whose value changed' }) changed: number;
  @ApiProperty() baseline: boolean;
}
class FlagView {
  @ApiProperty() code: number;
  @ApiProperty() name: string;
  @ApiProperty() met: boolean;
  @ApiProperty({ enum: FLAG_SOURCES }) source: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2026-11-30',
    description: "the day of the facts the flag stands on; null for the seed's estimate",
  })
  factsOn: string | null;
  @ApiProperty() updatedAt: string;
}
class CauseView {
  @ApiProperty({ enum: ['assessment', 'certification', 'revocation', 'import'] }) kind: string;
  @ApiProperty({ description: 'the assessment, the dossier or the import' }) id: string;
}
class SupersededView {
  @ApiProperty({ example: '2026-12-07', description: 'the day of the newer facts the flag kept' }) factsOn: string;
}
class ByView {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
}
class FlagChangeView {
  @ApiProperty() id: string;
  @ApiProperty() criterion: number;
  @ApiProperty({ nullable: true, type: Boolean, description: 'null when the write created the flag' }) from: boolean | null;
  @ApiProperty() to: boolean;
  @ApiProperty({ type: CauseView }) cause: CauseView;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2026-11-30',
    description: "the day of the cause's facts (an assessment's date; the day of a certification, revocation or import)",
  })
  factsOn: string | null;
  @ApiProperty({ description: "false: the flag's facts were newer, so it kept its value (the newest facts win)" }) applied: boolean;
  @ApiProperty({ type: SupersededView, nullable: true }) supersededBy: SupersededView | null;
  @ApiProperty() at: string;
  @ApiProperty({ type: ByView, nullable: true }) by: ByView | null;
}
class FlagChangePage {
  @ApiProperty({ type: [FlagChangeView] }) items: FlagChangeView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

@ApiTags('villages')
@ApiBearerAuth()
@Controller('villages')
export class VillagesController {
  constructor(
    private readonly history: CriteriaHistoryService,
    private readonly imports: CriteriaImportService,
  ) {}

  @Post('criteria/import')
  @HttpCode(200)
  @Roles('ADMIN')
  @IdempotencyInRoute()
  @UseInterceptors(ReceiveImportFile, RouteIdempotency)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: ImportForm })
  @ApiOperation({
    summary:
      "Import the villages' 16 flags from an XLSX or CSV file (ADMIN): every row checked; any bad row is 422 import_rows_invalid with every problem (row, column, Vietnamese message) and nothing imported",
  })
  @ApiOkResponse({ type: ImportResultView })
  import(@CurrentActor() actor: Actor, @ImportFileParam() file: ImportFile | undefined, @Body() body: ImportFields) {
    if (!file) throw new InvalidInput('file_required');
    return this.imports.import(actor, file, { baseline: body.baseline === 'true' });
  }

  @Get(':id/criteria')
  @ApiOperation({ summary: "The village's 16 flags, each with its source (seed-estimate, assessment, certification, import)" })
  @ApiOkResponse({ type: [FlagView] })
  criteria(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.history.current(actor, id);
  }

  @Get(':id/criteria/history')
  @ApiOperation({ summary: "Every change of the village's flags with its cause, newest first (paged)" })
  @ApiOkResponse({ type: FlagChangePage })
  criteriaHistory(@CurrentActor() actor: Actor, @Param('id') id: string, @Query() query: PageQuery) {
    return this.history.history(actor, id, query);
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AuditService, DEFAULT_BROKEN, MAX_BROKEN } from './audit.service.js';

class BrokenAt {
  @ApiProperty() instanceId: string;
  @ApiProperty() seq: number;
  @ApiProperty() reason: string;
}

class SubjectRefView {
  @ApiProperty() type: string;
  @ApiProperty() id: string;
}

class BrokenInstanceView extends BrokenAt {
  @ApiProperty({ type: SubjectRefView, nullable: true }) subject: SubjectRefView | null;
}

class VerifyResponse {
  @ApiProperty({ description: 'no broken instance in the range checked' }) ok: boolean;
  @ApiProperty() checkedEvents: number;
  @ApiProperty({ description: 'rows hashed with plain SHA-256, written before rows were sealed with AUDIT_KEY' }) legacyEvents: number;
  @ApiPropertyOptional({ type: BrokenAt, description: 'the first broken instance' }) brokenAt?: BrokenAt;
  @ApiProperty({ type: [BrokenInstanceView], description: 'every broken instance found, in instance id order, up to limit' })
  broken: BrokenInstanceView[];
  @ApiProperty({ type: String, nullable: true, description: 'when limit was reached: pass as after for the next page' })
  nextCursor: string | null;
}

class VerifyQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous answer' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_BROKEN, default: DEFAULT_BROKEN, description: 'broken instances per answer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_BROKEN)
  limit?: number;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('verify')
  @Roles('PROVINCE_OFFICER', 'ADMIN')
  @ApiOperation({
    summary:
      "Recompute every history chain in the caller's scope (hashes, links, state continuity, the instance's state and snapshot) and list every broken instance",
  })
  @ApiOkResponse({ type: VerifyResponse })
  verify(@CurrentActor() actor: Actor, @Query() query: VerifyQuery) {
    return this.audit.verify(actor, undefined, query);
  }
}

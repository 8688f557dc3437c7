import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import { AuditService } from './audit.service.js';

class BrokenAt {
  @ApiProperty() instanceId: string;
  @ApiProperty() seq: number;
  @ApiProperty() reason: string;
}

class VerifyResponse {
  @ApiProperty() ok: boolean;
  @ApiProperty() checkedEvents: number;
  @ApiPropertyOptional({ type: BrokenAt }) brokenAt?: BrokenAt;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('verify')
  @Roles('PROVINCE_OFFICER', 'ADMIN')
  @ApiOperation({ summary: "Recompute every history hash chain in the caller's scope" })
  @ApiOkResponse({ type: VerifyResponse })
  verify(@CurrentActor() actor: Actor) {
    return this.audit.verify(actor);
  }
}

import { Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { NotFound } from '../common/errors.js';
import { PageQuery } from '../common/pagination.js';
import { AuditRunsRepository } from './audit-runs.repository.js';
import { AuditJobs } from './audit.jobs.js';
import { AuditService } from './audit.service.js';
import { CheckpointStore } from './checkpoint.store.js';

class BrokenAt {
  @ApiProperty() instanceId: string;
  @ApiProperty() seq: number;
  @ApiProperty() reason: string;
}

class VerifyResponse {
  @ApiProperty() ok: boolean;
  @ApiProperty() checkedEvents: number;
  @ApiPropertyOptional({ type: BrokenAt, description: 'The first broken instance (by id) and its first bad row' })
  brokenAt?: BrokenAt;
  @ApiPropertyOptional({ description: 'When not ok: how many instances are broken' }) brokenCount?: number;
  @ApiPropertyOptional({ type: [BrokenAt], description: 'When not ok: a page of the broken instances, by id' }) broken?: BrokenAt[];
  @ApiPropertyOptional({ description: 'Pass as cursor for the next page of broken instances' }) nextCursor?: string;
  @ApiPropertyOptional({ description: 'When the latest checkpoint itself cannot be believed' }) checkpointProblem?: string;
}

class AuditRunView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed'] }) status: string;
  @ApiProperty() scope: string;
  @ApiProperty({ nullable: true, type: String }) requestedBy: string | null;
  @ApiProperty() checked: number;
  @ApiProperty({ nullable: true, type: Number }) total: number | null;
  @ApiProperty({ nullable: true, type: VerifyResponse }) result: VerifyResponse | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly jobs: AuditJobs,
    private readonly runs: AuditRunsRepository,
    private readonly checkpoints: CheckpointStore,
  ) {}

  @Get('verify')
  @Roles('PROVINCE_OFFICER', 'ADMIN')
  @ApiOperation({
    summary: "Recompute every history chain in the caller's scope now, against the latest checkpoint; every broken instance, paged",
  })
  @ApiOkResponse({ type: VerifyResponse })
  verify(@CurrentActor() actor: Actor, @Query() query: PageQuery) {
    return this.audit.verify(actor, { limit: query.limit, cursor: query.cursor });
  }

  @Post('verify')
  @HttpCode(202)
  @Roles('PROVINCE_OFFICER', 'ADMIN')
  @ApiOperation({ summary: "Queue the same check as a worker job over the caller's scope; follow it at /audit/verify/runs/{id}" })
  @ApiOkResponse({ type: AuditRunView })
  requestVerify(@CurrentActor() actor: Actor) {
    return this.jobs.requestVerify(actor);
  }

  @Get('verify/runs/latest')
  @Roles('PROVINCE_OFFICER', 'ADMIN')
  @ApiOperation({ summary: "The latest queued check of the caller's scope: its progress (checked/total) and result" })
  @ApiOkResponse({ type: AuditRunView })
  async latestRun(@CurrentActor() actor: Actor) {
    const run = await this.runs.latest(scopePath(actor));
    if (!run) throw new NotFound('audit run');
    return run;
  }

  @Get('verify/runs/:id')
  @Roles('PROVINCE_OFFICER', 'ADMIN')
  @ApiOperation({ summary: 'One queued check: its progress (checked/total) and result' })
  @ApiOkResponse({ type: AuditRunView })
  async run(@CurrentActor() actor: Actor, @Param('id') id: string) {
    const run = await this.runs.find(id, scopePath(actor));
    if (!run) throw new NotFound('audit run');
    return run;
  }

  @Get('checkpoints/latest')
  @Roles('ADMIN')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({ summary: "The latest signed checkpoint (every chain's head and event count, their Merkle root, its HMAC), as written" })
  async latestCheckpoint() {
    const latest = await this.checkpoints.latest();
    if (!latest) throw new NotFound('audit checkpoint');
    return latest.text;
  }
}

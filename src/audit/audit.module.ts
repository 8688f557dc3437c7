import { Module } from '@nestjs/common';
import { AuditRunsRepository } from './audit-runs.repository.js';
import { AuditController } from './audit.controller.js';
import { AuditCheckpointHandler, AuditJobs, AuditVerifyHandler } from './audit.jobs.js';
import { AuditService } from './audit.service.js';
import { CheckpointService } from './checkpoint.service.js';
import { CheckpointStore } from './checkpoint.store.js';

@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditRunsRepository, CheckpointStore, CheckpointService, AuditJobs, AuditVerifyHandler, AuditCheckpointHandler],
  exports: [AuditService, AuditJobs, CheckpointService],
})
export class AuditModule {}

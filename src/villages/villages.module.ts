import { Module } from '@nestjs/common';
import { UnitsModule } from '../units/units.module.js';
import { CriteriaHistoryService } from './criteria-history.service.js';
import { CriteriaImportService } from './criteria-import.service.js';
import { VillageCriteriaRepository } from './village-criteria.repository.js';
import { VillagesController } from './villages.controller.js';

/** A village's 16 flags: every writer's way to them (with the record of changes), their history, the import. */
@Module({
  imports: [UnitsModule],
  controllers: [VillagesController],
  providers: [VillageCriteriaRepository, CriteriaHistoryService, CriteriaImportService],
  exports: [VillageCriteriaRepository, CriteriaHistoryService],
})
export class VillagesModule {}

import { Module, OnModuleInit } from '@nestjs/common';
import { SubjectDirectory } from '../notifications/subject-directory.js';
import { UnitsModule } from '../units/units.module.js';
import { FundingHooks } from './funding.hooks.js';
import { FundsRepository } from './funds.repository.js';
import { FundRecordsRepository } from './fund-records.repository.js';
import { FundRecordsService } from './fund-records.service.js';
import { FundsController, ProjectsController } from './projects.controller.js';
import { ProjectsRepository } from './projects.repository.js';
import { PROJECT, ProjectsService } from './projects.service.js';

/** Funds, the money ledger and special-mechanism projects (workflow `funding`). */
@Module({
  imports: [UnitsModule],
  controllers: [FundsController, ProjectsController],
  providers: [FundsRepository, ProjectsRepository, ProjectsService, FundingHooks, FundRecordsRepository, FundRecordsService],
  exports: [ProjectsService],
})
export class FundingModule implements OnModuleInit {
  constructor(
    private readonly directory: SubjectDirectory,
    private readonly projects: ProjectsService,
  ) {}

  onModuleInit(): void {
    this.directory.register(PROJECT, (id) => this.projects.describe(id));
  }
}

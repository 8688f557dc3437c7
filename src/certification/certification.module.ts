import { Module, OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { SubjectDirectory } from '../notifications/subject-directory.js';
import { UnitsModule } from '../units/units.module.js';
import { VillagesModule } from '../villages/villages.module.js';
import { AttachmentsController } from './attachments/attachments.controller.js';
import { AttachmentsService } from './attachments/attachments.service.js';
import { ContentAddressedStore } from './attachments/file-store.js';
import { UploadQuota } from './attachments/upload-quota.js';
import { CertificationHooks } from './certification.hooks.js';
import { DossiersController } from './dossiers.controller.js';
import { DossiersRepository } from './dossiers.repository.js';
import { DOSSIER, DossiersService } from './dossiers.service.js';
import { BatchSignOffService } from './batch-sign-off.service.js';
import { ReviewAssignmentJob } from './review-assignment.job.js';
import { dossierTitle } from '../common/place-names.js';

const storeProvider = {
  provide: ContentAddressedStore,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => new ContentAddressedStore(join(config.storageDir, 'attachments'), config.maxUploadBytes),
};

@Module({
  imports: [UnitsModule, VillagesModule],
  controllers: [DossiersController, AttachmentsController],
  providers: [
    DossiersRepository,
    DossiersService,
    BatchSignOffService,
    AttachmentsService,
    UploadQuota,
    CertificationHooks,
    ReviewAssignmentJob,
    storeProvider,
  ],
  exports: [DossiersService, BatchSignOffService, AttachmentsService, UploadQuota, ContentAddressedStore],
})
export class CertificationModule implements OnModuleInit {
  constructor(
    private readonly directory: SubjectDirectory,
    private readonly repository: DossiersRepository,
  ) {}

  onModuleInit(): void {
    this.directory.register(DOSSIER, async (id) => {
      const d = await this.repository.detail(id, '');
      if (!d) return null;
      return {
        title: dossierTitle(d.village_name, d.year),
        villageName: d.village_name,
        communeName: d.commune_name,
        unitPath: d.unit_path,
        link: `/app/dossiers/${d.id}`,
      };
    });
  }
}

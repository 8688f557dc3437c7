import { Module, OnModuleInit } from '@nestjs/common';
import { CertificationModule } from '../certification/certification.module.js';
import { villageEn, villageVi } from '../common/place-names.js';
import { SubjectDirectory } from '../notifications/subject-directory.js';
import { UnitsModule } from '../units/units.module.js';
import { VillagesModule } from '../villages/villages.module.js';
import { AssessmentAttachmentsService } from './assessment-attachments.service.js';
import { AssessmentHooks } from './assessment.hooks.js';
import { AssessmentsController, VillageAssessmentsController } from './assessments.controller.js';
import { AssessmentsRepository } from './assessments.repository.js';
import { ASSESSMENT, AssessmentsService } from './assessments.service.js';

/** Villages' criteria assessments between certifications (workflow `assessment`). */
@Module({
  imports: [UnitsModule, VillagesModule, CertificationModule],
  controllers: [VillageAssessmentsController, AssessmentsController],
  providers: [AssessmentsRepository, AssessmentsService, AssessmentAttachmentsService, AssessmentHooks],
  exports: [AssessmentsService, AssessmentAttachmentsService],
})
export class AssessmentsModule implements OnModuleInit {
  constructor(
    private readonly directory: SubjectDirectory,
    private readonly repository: AssessmentsRepository,
  ) {}

  onModuleInit(): void {
    this.directory.register(ASSESSMENT, async (id) => {
      const a = await this.repository.detail(id, '');
      if (!a) return null;
      const [y, m, d] = a.assessed_on.split('-');
      return {
        // "thôn Pò Háng", but "Thôn 3" as it is (not "thôn Thôn 3").
        title: {
          vi: `kết quả đánh giá tiêu chí ${villageVi(a.village_name)} ngày ${d}/${m}/${y}`,
          en: `the criteria assessment of ${villageEn(a.village_name)} of ${d}/${m}/${y}`,
        },
        villageName: a.village_name,
        communeName: a.commune_name,
        unitPath: a.unit_path,
        link: `/app/assessments/${a.id}`,
      };
    });
  }
}

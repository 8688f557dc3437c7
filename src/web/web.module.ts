import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { CalendarModule } from '../calendar/calendar.module.js';
import { CertificationModule } from '../certification/certification.module.js';
import { AssessmentsModule } from '../assessments/assessments.module.js';
import { VillagesModule } from '../villages/villages.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { UnitsModule } from '../units/units.module.js';
import { UsersModule } from '../users/users.module.js';
import { AssessmentPagesController } from './assessment-pages.controller.js';
import { AssessmentPagesService } from './assessment-pages.service.js';
import { AssetsController } from './assets.controller.js';
import { PagesController } from './pages.controller.js';
import { PagesService } from './pages.service.js';
import { WebSessionsService } from './sessions/web-sessions.service.js';
import { SignInController } from './sign-in.controller.js';
import { WebSessionGuard } from './web-session.guard.js';

/** The server-rendered pages under /app (and `/`), on the same services as the JSON API. */
@Module({
  imports: [
    AuthModule,
    CertificationModule,
    VillagesModule,
    AssessmentsModule,
    TasksModule,
    UnitsModule,
    UsersModule,
    AuditModule,
    CalendarModule,
  ],
  controllers: [SignInController, PagesController, AssessmentPagesController, AssetsController],
  providers: [WebSessionsService, WebSessionGuard, PagesService, AssessmentPagesService],
  exports: [WebSessionsService],
})
export class WebModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { AllExceptionsFilter } from './common/exception.filter.js';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RedisModule } from './redis/redis.module.js';
import { SetupModule } from './setup/setup.module.js';
import { UnitsModule } from './units/units.module.js';
import { UsersModule } from './users/users.module.js';
import { PgPoolModule } from './database/pg-pool.js';
import { CalendarModule } from './calendar/calendar.module.js';
import { EngineModule } from './engine/engine.module.js';
import { AuditModule } from './audit/audit.module.js';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { WorkerModule } from './queues/worker.module.js';
import { workflowDefinitions } from '../workflows/index.js';
import { jobDefinitions, taskDefinitions } from './queues/jobs.js';
import { QueuesModule } from './queues/queues.module.js';
import type { WorkflowDefinition } from './engine/definition.js';
import type { JobDefinition, TaskDefinition } from './queues/job-definition.js';
import type { Clock } from './engine/clock.js';
import { CertificationModule } from './certification/certification.module.js';
import { FundingModule } from './funding/funding.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { WebModule } from './web/web.module.js';
import { VillagesModule } from './villages/villages.module.js';
import { AssessmentsModule } from './assessments/assessments.module.js';

/** What a test or a benchmark may put in place of the service's own parts; the service itself passes nothing. */
export interface AppOverrides {
  workflows?: readonly WorkflowDefinition[];
  jobs?: readonly JobDefinition<never>[];
  tasks?: readonly TaskDefinition<never>[];
  clock?: Clock;
}

@Module({})
export class AppModule {
  /** The whole application for one validated configuration; PROCESS_ROLE decides which parts run. */
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        { module: class ConfigModule {}, global: true, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] },
        RedisModule,
        MetricsModule,
        HealthModule,
        AuthModule,
        UnitsModule,
        UsersModule,
        SetupModule,
        PgPoolModule,
        CalendarModule,
        EngineModule.forRoot(overrides.workflows ?? workflowDefinitions, overrides.clock),
        QueuesModule.forRoot(overrides.tasks ?? taskDefinitions),
        AuditModule,
        NotificationsModule,
        CertificationModule,
        FundingModule,
        VillagesModule,
        AssessmentsModule,
        TasksModule,
        IdempotencyModule,
        ReportsModule,
        WebModule,
        ...(config.processRole === 'api'
          ? []
          : [WorkerModule.forRoot(overrides.jobs ?? jobDefinitions, overrides.tasks ?? taskDefinitions, config.jobLockSeconds)]),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}

import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';
import type { WorkflowDefinition } from './definition.js';
import { EngineRepository } from './engine.repository.js';
import { EngineService } from './engine.service.js';
import { HistoryHasher } from './history-hash.js';
import { WORKFLOW_DEFINITIONS, WorkflowRegistry } from './registry.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { resolveAuditKey } from '../audit/audit-key.js';

/**
 * The engine, for API and worker processes alike: the registry of the workflows given (workflows/index.ts in
 * service), the repository of its tables, and the orchestrator. Global: domain modules ask it, never its tables.
 */
@Global()
@Module({})
export class EngineModule {
  static forRoot(definitions: readonly WorkflowDefinition[], clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: EngineModule,
      providers: [
        { provide: WORKFLOW_DEFINITIONS, useValue: definitions },
        {
          provide: WorkflowRegistry,
          inject: [WORKFLOW_DEFINITIONS],
          useFactory: (defs: WorkflowDefinition[]) => new WorkflowRegistry(defs),
        },
        { provide: Clock, useValue: clock },
        {
          provide: HistoryHasher,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => new HistoryHasher(await resolveAuditKey(config)),
        },
        EngineRepository,
        EngineService,
      ],
      exports: [WorkflowRegistry, EngineRepository, EngineService, Clock, HistoryHasher],
    };
  }
}

import { Global, Module, OnModuleInit } from '@nestjs/common';
import { workflowDefinitions } from '../../workflows/index.js';
import { EngineService } from './engine.service.js';
import { WorkflowRegistry } from './registry.js';

/** The engine, for API and worker processes alike; the workflows come from workflows/. */
@Global()
@Module({ providers: [WorkflowRegistry, EngineService], exports: [WorkflowRegistry, EngineService] })
export class EngineModule implements OnModuleInit {
  constructor(private readonly registry: WorkflowRegistry) {}

  onModuleInit(): void {
    for (const definition of workflowDefinitions) this.registry.register(definition);
  }
}

import { Inject, Injectable, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { JOB_DEFINITIONS, queuesOf, type JobDefinition, type JobHandler, type QueueSpec } from './job-definition.js';

/** Finds a handler provider among the application's modules (Nest's ModuleRef). */
export interface HandlerResolver {
  get<T>(type: Type<T>, options: { strict: false }): T;
}

/** The job definitions a worker runs, by queue and name, with their handlers resolved from the application. */
@Injectable()
export class JobRegistry {
  private readonly byKey = new Map<string, JobDefinition<never>>();
  private readonly handlers = new Map<JobDefinition<never>, JobHandler<never> | null>();

  constructor(
    @Inject(JOB_DEFINITIONS) definitions: readonly JobDefinition<never>[],
    @Inject(ModuleRef) private readonly resolver: HandlerResolver,
  ) {
    queuesOf(definitions); // refuses a queue declared twice with different concurrency
    for (const d of definitions) this.byKey.set(`${d.queue.name}/${d.name}`, d);
  }

  definition(queue: string, name: string): JobDefinition<never> | undefined {
    return this.byKey.get(`${queue}/${name}`);
  }

  /** The definition's handler: the object it names, or its provider; null when the application has no such provider. */
  handler(definition: JobDefinition<never>): JobHandler<never> | null {
    let handler = this.handlers.get(definition);
    if (handler === undefined) {
      handler = typeof definition.handler === 'function' ? this.resolve(definition.handler) : definition.handler;
      this.handlers.set(definition, handler);
    }
    return handler;
  }

  /** The effect queues the definitions name. */
  queues(): QueueSpec[] {
    return queuesOf([...this.byKey.values()]);
  }

  /** Of these `queue/job` names, the ones without a definition or a handler. */
  missing(names: readonly string[]): string[] {
    return names.filter((name) => {
      const [queue, job] = name.split('/');
      const definition = this.definition(queue, job);
      return !definition || !this.handler(definition);
    });
  }

  private resolve(type: Type<JobHandler<never>>): JobHandler<never> | null {
    try {
      return this.resolver.get(type, { strict: false });
    } catch {
      return null;
    }
  }
}

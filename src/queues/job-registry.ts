import { Inject, Injectable, Optional, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  JOB_DEFINITIONS,
  queuesOf,
  TASK_DEFINITIONS,
  type JobDefinition,
  type JobHandler,
  type QueueSpec,
  type TaskDefinition,
  type TaskHandler,
} from './job-definition.js';

/** Finds a handler provider among the application's modules (Nest's ModuleRef). */
export interface HandlerResolver {
  get<T>(type: Type<T>, options: { strict: false }): T;
}

/**
 * The job definitions (effects) and task definitions a worker runs, by queue and name, with their handlers resolved
 * from the application. A queue carries effects or tasks, never both: each kind has its own processor.
 */
@Injectable()
export class JobRegistry {
  private readonly byKey = new Map<string, JobDefinition<never>>();
  private readonly tasksByKey = new Map<string, TaskDefinition<never>>();
  private readonly handlers = new Map<object, object | null>();

  constructor(
    @Inject(JOB_DEFINITIONS) definitions: readonly JobDefinition<never>[],
    @Inject(ModuleRef) private readonly resolver: HandlerResolver,
    @Optional() @Inject(TASK_DEFINITIONS) tasks: readonly TaskDefinition<never>[] = [],
  ) {
    queuesOf([...definitions, ...tasks]); // refuses a queue declared twice with different concurrency
    const effectQueues = new Set(definitions.map((d) => d.queue.name));
    const shared = [...new Set(tasks.filter((t) => effectQueues.has(t.queue.name)).map((t) => t.queue.name))];
    if (shared.length) throw new Error(`queue(s) ${shared.join(', ')} carry both effect jobs and tasks`);
    for (const d of definitions) this.byKey.set(`${d.queue.name}/${d.name}`, d);
    for (const t of tasks) {
      const key = `${t.queue.name}/${t.name}`;
      if (this.tasksByKey.has(key)) throw new Error(`task ${key} is declared twice`);
      this.tasksByKey.set(key, t);
    }
  }

  definition(queue: string, name: string): JobDefinition<never> | undefined {
    return this.byKey.get(`${queue}/${name}`);
  }

  task(queue: string, name: string): TaskDefinition<never> | undefined {
    return this.tasksByKey.get(`${queue}/${name}`);
  }

  /** Every task definition. */
  tasks(): TaskDefinition<never>[] {
    return [...this.tasksByKey.values()];
  }

  /** The definition's handler: the object it names, or its provider; null when the application has no such provider. */
  handler(definition: JobDefinition<never>): JobHandler<never> | null;
  handler(definition: TaskDefinition<never>): TaskHandler<never> | null;
  handler(definition: JobDefinition<never> | TaskDefinition<never>): object | null {
    let handler = this.handlers.get(definition);
    if (handler === undefined) {
      handler = typeof definition.handler === 'function' ? this.resolve(definition.handler as Type<object>) : definition.handler;
      this.handlers.set(definition, handler);
    }
    return handler;
  }

  /** The effect queues the definitions name. */
  queues(): QueueSpec[] {
    return queuesOf([...this.byKey.values()]);
  }

  /** The queues the tasks name. */
  taskQueues(): QueueSpec[] {
    return queuesOf(this.tasks());
  }

  /** Of these `queue/job` names, the ones without a definition or a handler. */
  missing(names: readonly string[]): string[] {
    return names.filter((name) => {
      const [queue, job] = name.split('/');
      const definition = this.definition(queue, job);
      return !definition || !this.handler(definition);
    });
  }

  /** The `queue/name` of every task whose handler the application lacks. */
  tasksWithoutHandler(): string[] {
    return this.tasks()
      .filter((t) => !this.handler(t))
      .map((t) => `${t.queue.name}/${t.name}`);
  }

  private resolve(type: Type<object>): object | null {
    try {
      return this.resolver.get(type, { strict: false });
    } catch {
      return null;
    }
  }
}

import { Injectable } from '@nestjs/common';

export interface JobContext {
  outboxId: string;
  attempt: number;
}

/**
 * One kind of job (after documenso's job definitions): its name, the queue it runs on, a version, a
 * payload check and a handler. Handlers must be idempotent: a job may run again after a crash.
 */
export interface JobDefinition<P = Record<string, unknown>> {
  name: string;
  queue: string;
  version: number;
  /** Returns an error text for a malformed payload, or null. */
  validate(payload: unknown): string | null;
  handle(payload: P, context: JobContext): Promise<void>;
}

@Injectable()
export class JobRegistry {
  private readonly jobs = new Map<string, JobDefinition<never>>();

  register<P>(definition: JobDefinition<P>): void {
    this.jobs.set(`${definition.queue}/${definition.name}`, definition as unknown as JobDefinition<never>);
  }

  get(queue: string, name: string): JobDefinition<Record<string, unknown>> | undefined {
    return this.jobs.get(`${queue}/${name}`) as JobDefinition<Record<string, unknown>> | undefined;
  }
}

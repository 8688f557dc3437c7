import type { WorkflowDefinition } from './definition.js';
import { WorkflowMachine } from './machine.js';

/** The workflow definitions a process runs (workflows/index.ts by default; a test may pass its own). */
export const WORKFLOW_DEFINITIONS = Symbol('WORKFLOW_DEFINITIONS');

/**
 * The workflows this build knows, every version of each, each checked when registered (see WorkflowMachine).
 * A new instance starts on the latest version; an open instance stays on its own unless the latest declares a
 * migration from it.
 */
export class WorkflowRegistry {
  private readonly byKey = new Map<string, Map<number, WorkflowMachine>>();

  constructor(definitions: readonly WorkflowDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: WorkflowDefinition): void {
    const machine = new WorkflowMachine(definition);
    let versions = this.byKey.get(definition.key);
    if (!versions) this.byKey.set(definition.key, (versions = new Map()));
    versions.set(definition.version, machine);
  }

  machine(key: string, version: number): WorkflowMachine | undefined {
    return this.byKey.get(key)?.get(version);
  }

  latestMachine(key: string): WorkflowMachine | undefined {
    const versions = this.byKey.get(key);
    if (!versions?.size) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  get(key: string, version: number): WorkflowDefinition | undefined {
    return this.machine(key, version)?.definition;
  }

  latest(key: string): WorkflowDefinition | undefined {
    return this.latestMachine(key)?.definition;
  }

  all(): WorkflowDefinition[] {
    return [...this.byKey.values()].flatMap((v) => [...v.values()].map((m) => m.definition));
  }

  /** The (key, version) pairs in `open` that this build cannot run. */
  missing(open: { key: string; version: number }[]): { key: string; version: number }[] {
    return open.filter((o) => !this.get(o.key, o.version) && !this.latest(o.key)?.migrations?.some((m) => m.from === o.version));
  }
}

import { Injectable } from '@nestjs/common';
import type { AnyStateMachine } from 'xstate';
import type { WorkflowDefinition } from './definition.js';

/** Every named action type used anywhere in a machine (entry, exit, transitions). */
function namedActions(machine: AnyStateMachine): Set<string> {
  const found = new Set<string>();
  const visit = (actions: unknown[] | undefined) => {
    for (const a of actions ?? []) {
      const type = typeof a === 'string' ? a : typeof a === 'object' && a ? (a as { type?: unknown }).type : undefined;
      if (typeof type === 'string' && !type.startsWith('xstate.')) found.add(type);
    }
  };
  const walk = (node: AnyStateMachine['root']) => {
    visit(node.entry as unknown[]);
    visit(node.exit as unknown[]);
    for (const list of node.transitions.values()) for (const t of list) visit(t.actions as unknown[]);
    for (const t of node.always ?? []) visit(t.actions as unknown[]);
    for (const child of Object.values(node.states)) walk(child as AnyStateMachine['root']);
  };
  walk(machine.root);
  return found;
}

/** Every delay of the machine's `after` blocks (a name, or a number of milliseconds). */
function afterDelays(machine: AnyStateMachine): Set<string | number> {
  const found = new Set<string | number>();
  const walk = (node: AnyStateMachine['root']) => {
    for (const t of node.after) found.add(t.delay as string | number);
    for (const child of Object.values(node.states)) walk(child as AnyStateMachine['root']);
  };
  walk(machine.root);
  return found;
}

/**
 * The workflows this build knows, every version of each. A new instance starts on the latest version;
 * an open instance stays on its own unless the latest declares a migration from it.
 */
@Injectable()
export class WorkflowRegistry {
  private readonly byKey = new Map<string, Map<number, WorkflowDefinition>>();

  register(definition: WorkflowDefinition): void {
    const actions = namedActions(definition.machine);
    const unknown = [...actions].filter((a) => !definition.effects[a] && !definition.machine.implementations.actions[a]);
    if (unknown.length) {
      throw new Error(`workflow ${definition.key} v${definition.version}: actions without an effect or implementation: ${unknown.join(', ')}`);
    }
    for (const [name, delay] of Object.entries(definition.delays)) {
      if (!definition.deadlines[delay.deadline]) {
        throw new Error(`workflow ${definition.key} v${definition.version}: delay ${name} names unknown deadline ${delay.deadline}`);
      }
    }
    // Each `after` delay must stand for a deadline, and be implemented by the machine: XState raises an
    // unimplemented named delay's event at once, so the state would be left the moment it is entered.
    for (const delay of afterDelays(definition.machine)) {
      if (typeof delay !== 'string' || !definition.delays[delay]) {
        throw new Error(`workflow ${definition.key} v${definition.version}: after delay ${delay} stands for no deadline in the definition's delays`);
      }
      if (definition.machine.implementations.delays[delay] === undefined) {
        throw new Error(`workflow ${definition.key} v${definition.version}: after delay ${delay} is not implemented by the machine (setup({ delays }))`);
      }
    }
    let versions = this.byKey.get(definition.key);
    if (!versions) this.byKey.set(definition.key, (versions = new Map()));
    versions.set(definition.version, definition);
  }

  get(key: string, version: number): WorkflowDefinition | undefined {
    return this.byKey.get(key)?.get(version);
  }

  latest(key: string): WorkflowDefinition | undefined {
    const versions = this.byKey.get(key);
    if (!versions?.size) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  all(): WorkflowDefinition[] {
    return [...this.byKey.values()].flatMap((v) => [...v.values()]);
  }

  /** The (key, version) pairs in `open` that this build cannot run. */
  missing(open: { key: string; version: number }[]): { key: string; version: number }[] {
    return open.filter((o) => !this.get(o.key, o.version) && !this.latest(o.key)?.migrations?.some((m) => m.from === o.version));
  }
}

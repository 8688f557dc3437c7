import { getNextTransitions, initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { DelayMeaning, EffectSpec, PersistedSnapshot, WorkflowDefinition } from './definition.js';

/** A delayed event the step asks for: a timer row, due when its deadline says. */
export interface TimerRequest {
  /** XState's id of the delayed raise; a cancel names it. */
  sendId: string;
  meaning: DelayMeaning;
  event: { type: string };
}

/** An effect the step emits: an outbox row for its queue. */
export interface EffectRequest {
  spec: EffectSpec;
  params: Record<string, unknown>;
}

/** What one transition (or the start) asks for, as data: nothing is executed. */
export interface Step {
  snapshot: AnyMachineSnapshot;
  state: string;
  open: boolean;
  persisted: PersistedSnapshot;
  timers: TimerRequest[];
  cancels: string[];
  effects: EffectRequest[];
}

type Action = { type: string; params?: Record<string, unknown> };
type StateNode = AnyStateMachine['root'];

/** A state value as one name: "parent.child", parallel regions joined by ",". */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) parts.push(`${k}.${stateName(v)}`);
  return parts.join(',');
}

function nodes(root: StateNode): StateNode[] {
  return [root, ...Object.values(root.states).flatMap((child) => nodes(child as StateNode))];
}

/** Every named action of a machine (entry, exit, transitions), XState's own excepted. */
function namedActions(machine: AnyStateMachine): Set<string> {
  const found = new Set<string>();
  const visit = (actions: unknown[] | undefined) => {
    for (const a of actions ?? []) {
      const type = typeof a === 'string' ? a : typeof a === 'object' && a ? (a as { type?: unknown }).type : undefined;
      if (typeof type === 'string' && !type.startsWith('xstate.')) found.add(type);
    }
  };
  for (const node of nodes(machine.root)) {
    visit(node.entry as unknown[]);
    visit(node.exit as unknown[]);
    for (const list of node.transitions.values()) for (const t of list) visit(t.actions as unknown[]);
    for (const t of node.always ?? []) visit(t.actions as unknown[]);
  }
  return found;
}

function guardName(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type;
  if (typeof guard === 'function' && guard.name && guard.name !== 'and' && guard.name !== 'or' && guard.name !== 'not') return guard.name;
  return undefined;
}

/**
 * One workflow version's machine, driven through XState's pure API only (`initialTransition`, `transition`,
 * `getNextTransitions`): the events a state takes, the guard that refuses one, and what a transition asks for
 * (timers from its delayed raises, cancelled timers, effects) as data. XState's own timers never run.
 */
export class WorkflowMachine {
  readonly machine: AnyStateMachine;
  /** The type of each `after` event of the machine to the deadline it stands for. */
  private readonly delayed = new Map<string, DelayMeaning>();

  constructor(readonly definition: WorkflowDefinition) {
    const { key, version, machine, deadlines, effects } = definition;
    const name = `workflow ${key} v${version}`;
    this.machine = machine;
    const unknown = [...namedActions(machine)].filter((a) => !effects[a] && !machine.implementations.actions[a]);
    if (unknown.length) throw new Error(`${name}: actions without an effect or implementation: ${unknown.join(', ')}`);
    const meanings = new Map<string, DelayMeaning>();
    for (const d of deadlines) {
      for (const [kind, delay] of Object.entries(d.delays) as ['due' | 'reminder', string | undefined][]) {
        if (!delay) continue;
        if (meanings.has(delay)) throw new Error(`${name}: delay ${delay} is declared by two deadlines`);
        meanings.set(delay, { deadline: d, kind });
      }
    }
    const used = new Set<string>();
    for (const node of nodes(machine.root)) {
      for (const t of node.after) {
        const delay = t.delay as string | number;
        const meaning = typeof delay === 'string' ? meanings.get(delay) : undefined;
        if (!meaning) throw new Error(`${name}: after delay ${delay} stands for no deadline (declare it with deadline())`);
        // XState raises an unimplemented named delay's event at once: the state would be left the moment it is entered.
        if (machine.implementations.delays[delay as string] === undefined) {
          throw new Error(`${name}: after delay ${delay} is not implemented by the machine (setup({ delays: delaysOf(deadlines) }))`);
        }
        this.delayed.set(t.eventType, meaning);
        used.add(delay as string);
      }
    }
    const unused = [...meanings.keys()].filter((d) => !used.has(d));
    if (unused.length) throw new Error(`${name}: deadline delays no state uses: ${unused.join(', ')}`);
  }

  /** The start: the initial snapshot and what entering it asks for. */
  start(input: Record<string, unknown>): Step {
    const [snapshot, actions] = initialTransition(this.machine, input);
    return this.stepOf(snapshot, actions as Action[]);
  }

  /** The machine's snapshot for a persisted one. */
  resolve(persisted: PersistedSnapshot): AnyMachineSnapshot {
    return this.machine.resolveState({ value: persisted.value, context: persisted.context } as never) as AnyMachineSnapshot;
  }

  /** Whether the snapshot's state has a transition for this event type (its guards aside). */
  takes(snapshot: AnyMachineSnapshot, type: string): boolean {
    return snapshot.status === 'active' && getNextTransitions(snapshot).some((t) => t.eventType === type);
  }

  /** The events a client may name in this state: the machine's own, without XState's internal ones. */
  events(snapshot: AnyMachineSnapshot): string[] {
    if (snapshot.status !== 'active') return [];
    const events = new Set<string>();
    for (const t of getNextTransitions(snapshot))
      if (t.eventType && !t.eventType.startsWith('xstate.') && t.eventType !== '*') events.add(t.eventType);
    return [...events];
  }

  /**
   * The guard that refuses an event the state takes, or null when a transition's guards allow it. A guard
   * combined with `and([...])` is reported by its first failing part.
   */
  refusingGuard(snapshot: AnyMachineSnapshot, event: { type: string }): string | null {
    if (snapshot.can(event as never)) return null;
    const guards = this.machine.implementations.guards as Record<string, (args: unknown, params: unknown) => boolean>;
    for (const t of getNextTransitions(snapshot).filter((x) => x.eventType === event.type)) {
      const guard = t.guard as unknown;
      for (const part of (guard as { guards?: unknown[] } | undefined)?.guards ?? []) {
        const name = guardName(part);
        const params = (part as { params?: unknown } | undefined)?.params;
        if (name && guards[name] && !guards[name]({ context: snapshot.context, event }, params)) return name;
      }
      const name = guardName(guard);
      if (name) return name;
    }
    return 'guard';
  }

  /** Applies an event the state takes and its guards allow. */
  step(snapshot: AnyMachineSnapshot, event: { type: string }): Step {
    const [next, actions] = transition(this.machine, snapshot, event as never);
    return this.stepOf(next, actions as Action[]);
  }

  private stepOf(snapshot: AnyMachineSnapshot, actions: Action[]): Step {
    const { definition } = this;
    const step: Step = {
      snapshot,
      state: stateName(snapshot.value),
      open: snapshot.status === 'active',
      persisted: { value: snapshot.value, context: snapshot.context as Record<string, unknown>, status: snapshot.status },
      timers: [],
      cancels: [],
      effects: [],
    };
    for (const action of actions) {
      const params = action.params ?? {};
      if (action.type === 'xstate.cancel') {
        step.cancels.push(String(params.sendId));
      } else if (action.type === 'xstate.raise') {
        if (params.delay === undefined) continue; // raised and taken within this step
        const event = params.event as { type: string };
        const meaning = this.delayed.get(event.type);
        if (!meaning) throw new Error(`workflow ${definition.key}: delayed event ${event.type} is not an after delay of a deadline`);
        step.timers.push({ sendId: String(params.id), meaning, event });
      } else if (definition.effects[action.type]) {
        step.effects.push({ spec: definition.effects[action.type], params });
      } else if (!this.machine.implementations.actions[action.type]) {
        throw new Error(`workflow ${definition.key}: action ${action.type} is neither an effect nor implemented`);
      }
    }
    return step;
  }
}

/** The names of a machine's top-level states that carry `tag` (a module asks by tag instead of naming states). */
export function statesTagged(machine: AnyStateMachine, tag: string): string[] {
  return Object.entries(machine.root.states)
    .filter(([, node]) => (node as StateNode).tags.includes(tag))
    .map(([name]) => name);
}

/** The top-level states of a machine, in their order. */
export function statesOf(machine: AnyStateMachine): string[] {
  return Object.keys(machine.root.states);
}

/** Per role, what each top-level state asks of it (the states' `meta.tasks`): role → state → task. */
export function tasksOf(machine: AnyStateMachine): Record<string, Record<string, string>> {
  const byRole: Record<string, Record<string, string>> = {};
  for (const [state, node] of Object.entries(machine.root.states)) {
    const tasks = ((node as StateNode).meta as { tasks?: Record<string, string> } | undefined)?.tasks ?? {};
    for (const [role, task] of Object.entries(tasks)) (byRole[role] ??= {})[state] = task;
  }
  return byRole;
}

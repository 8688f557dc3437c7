import type { AnyStateMachine } from 'xstate';
import type { WorkflowDefinition } from '../src/engine/definition.js';

type StateNode = AnyStateMachine['root'];

function guardName(guard: unknown): string | undefined {
  if (!guard) return undefined;
  if (typeof guard === 'string') return guard;
  const g = guard as { type?: string; guards?: unknown[]; name?: string };
  if (Array.isArray(g.guards)) return g.guards.map(guardName).filter(Boolean).join(' and ');
  if (typeof g.type === 'string') return g.type;
  return typeof guard === 'function' && g.name ? g.name : undefined;
}

function actionNames(actions: readonly unknown[] | undefined, def: WorkflowDefinition): string[] {
  const names: string[] = [];
  for (const a of actions ?? []) {
    const type = typeof a === 'string' ? a : (a as { type?: string })?.type;
    const params = (a as { params?: { template?: string; to?: string[] } })?.params;
    if (typeof type !== 'string' || !def.effects[type]) continue;
    names.push(params?.template ? `${type}(${params.template} → ${(params.to ?? []).join(', ')})` : type);
  }
  return names;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** A party's unit relation to the subject, in words: `ancestor:1` is the unit right above the subject's. */
function unitWords(unit: string): string {
  const up = /^ancestor:(\d+)$/.exec(unit);
  if (up) return Number(up[1]) === 1 ? 'of the unit above the subject' : `of the unit ${up[1]} levels above the subject`;
  return unit === 'root' ? 'of the root unit' : `at ${unit}`;
}

/**
 * A workflow version as Markdown, read off its definition only: the states with their words, tags and the task
 * each role has there; every transition with who may send it, the rule that may refuse it and the effects it
 * emits; the deadlines; and a Mermaid diagram. `npm run docs` writes it under docs/workflows/, and a test keeps
 * the checked-in file equal to what the machine says.
 */
export function describeWorkflow(def: WorkflowDefinition): string {
  const root = def.machine.root;
  const states = Object.entries(root.states) as [string, StateNode][];
  const label = (state: string) => def.labels?.states[state];
  const event = (type: string) => def.labels?.events[type];
  const delayOf = new Map(
    def.deadlines.flatMap((d) =>
      Object.entries(d.delays)
        .filter(([, n]) => n)
        .map(([kind, n]) => [n as string, { d, kind }]),
    ),
  );
  const lines: string[] = [];
  lines.push(`# Workflow \`${def.key}\`, version ${def.version}`, '');
  lines.push('Generated from `workflows/` by `npm run docs`; do not edit by hand.', '');
  lines.push('## States', '', '| state | Vietnamese | English | tags | tasks |', '| --- | --- | --- | --- | --- |');
  for (const [name, node] of states) {
    const tasks = Object.entries(((node.meta ?? {}) as { tasks?: Record<string, string> }).tasks ?? {}).map(([r, t]) => `${r}: ${t}`);
    const kind = node.type === 'final' ? ' (final)' : name === root.initial?.target?.[0]?.key ? ' (initial)' : '';
    lines.push(
      `| \`${name}\`${kind} | ${cell(label(name)?.vi ?? '')} | ${cell(label(name)?.en ?? '')} | ${node.tags.join(', ')} | ${tasks.join('; ')} |`,
    );
  }
  lines.push('', '## Transitions', '', '| from | event | who | rule | to | effects |', '| --- | --- | --- | --- | --- | --- |');
  const edges: string[] = [];
  for (const [name, node] of states) {
    for (const [type, list] of node.transitions) {
      for (const t of list) {
        const target = t.target?.[0]?.key ?? name;
        const after = delayOf.get(String((node.after.find((a) => a.eventType === type) as { delay?: unknown } | undefined)?.delay));
        const shown = after ? `after ${after.d.id} (${after.kind})` : type;
        const permission = def.permissions[type];
        const who = after ? 'system' : permission ? `${permission.roles.join(', ')} ${unitWords(String(permission.unit))}` : 'system';
        const guard = guardName(t.guard);
        const rule = guard ? (def.rules?.[guard]?.rule ?? guard) : '';
        const words = event(type)?.vi ? ` (${event(type)!.vi})` : '';
        lines.push(
          `| \`${name}\` | ${cell(shown)}${cell(words)} | ${who} | ${rule} | \`${target}\` | ${cell(actionNames(t.actions as unknown[], def).join('; '))} |`,
        );
        if (target !== name) edges.push(`  ${name} --> ${target}: ${after ? `${after.d.id} ${after.kind}` : type}`);
      }
    }
  }
  lines.push('', '## Deadlines', '', '| deadline | length | reminder | delays |', '| --- | --- | --- | --- |');
  for (const d of def.deadlines) {
    const reminder = d.reminderBefore !== undefined ? `${d.reminderBefore} days before` : '';
    lines.push(`| \`${d.id}\` | ${d.days} ${d.calendar} days | ${reminder} | ${Object.values(d.delays).filter(Boolean).join(', ')} |`);
  }
  lines.push('', "A deadline's length can be replaced with `DEADLINE_OVERRIDES` (an ISO 8601 duration per deadline id).");
  lines.push('', '## Effects', '', '| action | queue | job |', '| --- | --- | --- |');
  for (const [name, spec] of Object.entries(def.effects)) lines.push(`| \`${name}\` | ${spec.queue} | ${spec.job} |`);
  lines.push('', '## Diagram', '', '```mermaid', 'stateDiagram-v2', `  [*] --> ${root.initial?.target?.[0]?.key}`);
  lines.push(...[...new Set(edges)]);
  for (const [name, node] of states) if (node.type === 'final') lines.push(`  ${name} --> [*]`);
  lines.push('```', '');
  return lines.join('\n');
}

/** The file a workflow version is described in, under docs/. */
export function workflowDocPath(def: WorkflowDefinition): string {
  return `docs/workflows/${def.key}-v${def.version}.md`;
}

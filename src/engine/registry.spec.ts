import { setup } from 'xstate';
import { testWorkflow } from '../../test/support/test-workflow.js';
import { defineWorkflow } from './definition.js';
import { WorkflowRegistry } from './registry.js';

describe('WorkflowRegistry', () => {
  it('keeps every version; latest is the highest', () => {
    const registry = new WorkflowRegistry();
    registry.register(testWorkflow({ version: 1 }));
    registry.register(testWorkflow({ version: 2, variant: 'v2' }));
    expect(registry.get('test', 1)?.version).toBe(1);
    expect(registry.get('test', 2)?.version).toBe(2);
    expect(registry.get('test', 3)).toBeUndefined();
    expect(registry.latest('test')?.version).toBe(2);
    expect(registry.latest('nope')).toBeUndefined();
    expect(registry.all()).toHaveLength(2);
  });

  it('refuses a machine action that is neither an effect nor implemented', () => {
    const registry = new WorkflowRegistry();
    const def = testWorkflow();
    expect(() => registry.register({ ...def, effects: {} })).toThrow(/actions without an effect or implementation: notify/);
  });

  it('accepts implemented actions that are not effects', () => {
    const registry = new WorkflowRegistry();
    const machine = setup({ actions: { log: () => undefined } }).createMachine({ initial: 'a', states: { a: { entry: 'log' } } });
    expect(() =>
      registry.register(defineWorkflow({ key: 'x', version: 1, machine, deadlines: {}, delays: {}, effects: {}, permissions: {} })),
    ).not.toThrow();
  });

  it('refuses a delay that names an unknown deadline', () => {
    const registry = new WorkflowRegistry();
    const def = testWorkflow();
    expect(() => registry.register({ ...def, delays: { ...def.delays, reviewDue: { deadline: 'nope.review', kind: 'due' } } })).toThrow(
      /delay reviewDue names unknown deadline nope.review/,
    );
  });

  it('missing() names open versions this build cannot run, unless the latest migrates from them', () => {
    const registry = new WorkflowRegistry();
    registry.register(testWorkflow({ version: 2, variant: 'v2' }));
    expect(registry.missing([{ key: 'test', version: 1 }, { key: 'test', version: 2 }, { key: 'gone', version: 1 }])).toEqual([
      { key: 'test', version: 1 },
      { key: 'gone', version: 1 },
    ]);
    registry.register(testWorkflow({ version: 3, variant: 'v2', migrations: [{ from: 1, up: (s) => s }] }));
    expect(registry.missing([{ key: 'test', version: 1 }])).toEqual([]);
  });

  it('refuses an action used only in an eventless (always) transition', () => {
    const registry = new WorkflowRegistry();
    const machine = setup({}).createMachine({ initial: 'a', states: { a: { always: { target: 'b', actions: 'sendLetter' as never } }, b: {} } });
    expect(() =>
      registry.register(defineWorkflow({ key: 'x', version: 1, machine, deadlines: {}, delays: {}, effects: {}, permissions: {} })),
    ).toThrow(/actions without an effect or implementation: sendLetter/);
  });

  it('refuses an after delay that stands for no deadline', () => {
    const registry = new WorkflowRegistry();
    const def = testWorkflow();
    const { reviewReminder: _, ...onlyDue } = def.delays;
    expect(() => registry.register({ ...def, delays: onlyDue })).toThrow(/reviewReminder/);
    const numeric = setup({}).createMachine({ initial: 'a', states: { a: { after: { 5000: 'b' } }, b: {} } });
    expect(() =>
      registry.register(defineWorkflow({ key: 'x', version: 1, machine: numeric, deadlines: {}, delays: {}, effects: {}, permissions: {} })),
    ).toThrow(/5000/);
  });

  it('refuses a named delay the machine does not implement (XState would raise its event at once)', () => {
    const registry = new WorkflowRegistry();
    const machine = setup({}).createMachine({ initial: 'a', states: { a: { after: { due: 'b' } }, b: {} } });
    expect(() =>
      registry.register(
        defineWorkflow({
          key: 'x',
          version: 1,
          machine,
          deadlines: { 'x.due': { days: 1, calendar: 'working' } },
          delays: { due: { deadline: 'x.due', kind: 'due' } },
          effects: {},
          permissions: {},
        }),
      ),
    ).toThrow(/due/);
  });
});

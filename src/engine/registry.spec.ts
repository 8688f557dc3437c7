import { setup } from 'xstate';
import { testWorkflow } from '../../test/support/test-workflow.js';
import { deadline, defineWorkflow, delaysOf } from './definition.js';
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
      registry.register(defineWorkflow({ key: 'x', version: 1, machine, deadlines: [], effects: {}, permissions: {} })),
    ).not.toThrow();
  });

  it('refuses a delay declared by two deadlines', () => {
    const registry = new WorkflowRegistry();
    const def = testWorkflow();
    const twice = deadline('nope.review', { days: 1, calendar: 'working' }, { due: 'reviewDue' });
    expect(() => registry.register({ ...def, deadlines: [...def.deadlines, twice] })).toThrow(
      /delay reviewDue is declared by two deadlines/,
    );
  });

  it('refuses a deadline whose delays no state uses', () => {
    const registry = new WorkflowRegistry();
    const def = testWorkflow();
    const unused = deadline('test.other', { days: 1, calendar: 'working' }, { due: 'otherDue' });
    expect(() => registry.register({ ...def, deadlines: [...def.deadlines, unused] })).toThrow(/deadline delays no state uses: otherDue/);
  });

  it('missing() names open versions this build cannot run, unless the latest migrates from them', () => {
    const registry = new WorkflowRegistry();
    registry.register(testWorkflow({ version: 2, variant: 'v2' }));
    expect(
      registry.missing([
        { key: 'test', version: 1 },
        { key: 'test', version: 2 },
        { key: 'gone', version: 1 },
      ]),
    ).toEqual([
      { key: 'test', version: 1 },
      { key: 'gone', version: 1 },
    ]);
    registry.register(testWorkflow({ version: 3, variant: 'v2', migrations: [{ from: 1, up: (s) => s }] }));
    expect(registry.missing([{ key: 'test', version: 1 }])).toEqual([]);
  });

  it('refuses an action used only in an eventless (always) transition', () => {
    const registry = new WorkflowRegistry();
    const machine = setup({}).createMachine({
      initial: 'a',
      states: { a: { always: { target: 'b', actions: 'sendLetter' as never } }, b: {} },
    });
    expect(() => registry.register(defineWorkflow({ key: 'x', version: 1, machine, deadlines: [], effects: {}, permissions: {} }))).toThrow(
      /actions without an effect or implementation: sendLetter/,
    );
  });

  it('refuses an after delay that stands for no deadline', () => {
    const registry = new WorkflowRegistry();
    const def = testWorkflow();
    const onlyDue = deadline('test.review', { days: 10, calendar: 'working' }, { due: 'reviewDue' });
    expect(() => registry.register({ ...def, deadlines: [onlyDue] })).toThrow(/reviewReminder/);
    const numeric = setup({}).createMachine({ initial: 'a', states: { a: { after: { 5000: 'b' } }, b: {} } });
    expect(() =>
      registry.register(defineWorkflow({ key: 'x', version: 1, machine: numeric, deadlines: [], effects: {}, permissions: {} })),
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
          deadlines: [deadline('x.due', { days: 1, calendar: 'working' }, { due: 'due' })],
          effects: {},
          permissions: {},
        }),
      ),
    ).toThrow(/due/);
  });

  it('delaysOf implements every delay its deadlines declare', () => {
    const d = deadline('x.due', { days: 3, calendar: 'working', reminderBefore: 1 }, { due: 'due', reminder: 'soon' });
    expect(delaysOf([d])).toEqual({ due: 3 * 86_400_000, soon: 2 * 86_400_000 });
    expect(() => deadline('x.bad', { days: 1, calendar: 'working', reminderBefore: 1 }, { due: 'due' })).toThrow(/reminder/);
  });
});

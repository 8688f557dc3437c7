import { assign, setup } from 'xstate';
import { defineWorkflow } from '../src/engine/definition.js';
import { NOTIFY } from '../workflows/common/effects.js';
import { workflowDefinitions } from '../workflows/index.js';

/** A one-state workflow whose REVIEW event updates the context and emits one effect: the shape of a review decision. */
export const benchWorkflow = defineWorkflow({
  key: 'bench',
  version: 1,
  machine: setup({
    types: {} as { context: { reviews: Record<string, string> }; events: { type: 'REVIEW'; code: number; decision: string } },
    // Effects are declared so the machine type-checks; the engine turns them into outbox rows and never runs them here.
    actions: { notify: (_: unknown, _params: { template: string; to: string[] }) => undefined },
  }).createMachine({
    id: 'bench',
    initial: 'review',
    context: { reviews: {} },
    states: {
      review: {
        on: {
          REVIEW: {
            actions: [
              assign({ reviews: ({ context, event }) => ({ ...context.reviews, [event.code]: event.decision }) }),
              { type: 'notify', params: { template: 'reviewed', to: [] } },
            ],
          },
        },
      },
    },
  }),
  deadlines: [],
  effects: { notify: NOTIFY },
  permissions: { REVIEW: { roles: ['REVIEWER'], unit: 'ancestor:2' } },
});

/**
 * The timers row's workflow: an instance waits for one BENCH_DUE, raised by the timer row the benchmark writes
 * beside it, and is done. No effect, so what is measured is the timer's path alone (relay, BullMQ, the engine).
 */
export const benchTimerWorkflow = defineWorkflow({
  key: 'bench-timer',
  version: 1,
  machine: setup({
    types: {} as { context: Record<string, never>; events: { type: 'BENCH_DUE' } },
  }).createMachine({
    id: 'benchTimer',
    initial: 'waiting',
    context: {},
    states: { waiting: { on: { BENCH_DUE: { target: 'done' } } }, done: {} },
  }),
  deadlines: [],
  effects: {},
  permissions: {},
});

/** The service's workflows and the benchmark's, for `createApp(config, { workflows })`. */
export const benchWorkflows = [...workflowDefinitions, benchWorkflow, benchTimerWorkflow];

import type { PartyName } from './parties.js';

/** The `notify` effect: an email to the parties, from a template of src/notifications/templates.ts. */
export const notify = (template: string, to: PartyName[]) => ({ type: 'notify', params: { template, to } }) as const;

/** The machine's declaration of the effect (for its types): the engine turns it into an outbox row and never runs it. */
export const notifyAction = (_: unknown, _params: { template: string; to: PartyName[] }) => undefined;

/** Where `notify` effects go. */
export const NOTIFY = { queue: 'notifications', job: 'notify' } as const;

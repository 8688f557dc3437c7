/**
 * What went wrong, in the domain's words. Services, the engine and the edge raise these; one exception filter
 * (`exception.filter.ts`) turns them into HTTP statuses and the API's one error shape, and the web pages turn
 * them into a message beside the field. No service knows an HTTP status.
 *
 * Every error carries a message key and its parameters (`messages.ts` words them in Vietnamese and English) and
 * the English text as its `message`, for logs.
 */
import { NOUNS, say, type MessageKey, type MessageParam, type MessageParams } from './messages.js';

/** One field's problems, as validation reports them. */
export interface FieldError {
  field: string;
  messages: string[];
  /** The same problems as message keys, for other languages (validation.ts). */
  keys?: { key: MessageKey; params: MessageParams }[];
}

export abstract class DomainError extends Error {
  /** Extra fields of the error body (`rule`, `allowedEvents`, `funds`, ...). */
  readonly details: Record<string, unknown>;

  constructor(
    readonly key: MessageKey,
    readonly params: MessageParams = {},
    details: Record<string, unknown> = {},
  ) {
    super(say('en', key, params));
    this.details = details;
    this.name = new.target.name;
  }
}

/** The request is malformed: a field is missing, of the wrong type or out of range. */
export class InvalidInput extends DomainError {
  constructor(
    key: MessageKey,
    params: MessageParams = {},
    readonly fields: FieldError[] = [],
  ) {
    super(key, params, fields.length ? { errors: fields.map(({ field, messages }) => ({ field, messages })) } : {});
  }
}

/** No or no valid credentials. */
export class Unauthenticated extends DomainError {}

/** The caller is known but may not do this (its role, or its unit's place in the tree). */
export class NotPermitted extends DomainError {}

/** Missing, or outside the caller's jurisdiction: the two are never told apart. */
export class NotFound extends DomainError {
  constructor(readonly what: string) {
    super('not_found', { what: NOUNS[what] ?? what });
  }
}

/** The workflow's current state does not take this event. */
export class EventNotAllowed extends DomainError {
  constructor(
    event: MessageParam,
    state: MessageParam,
    readonly allowedEvents: string[],
  ) {
    super('event_not_allowed', { event, state }, { allowedEvents });
  }
}

/** The request conflicts with what exists (a duplicate, a state in which this cannot be done). */
export class Conflict extends DomainError {}

/** The caller's copy is out of date (If-Match). */
export class Stale extends DomainError {
  constructor(what: string) {
    super('stale', { what: NOUNS[what] ?? what });
  }
}

/** A business rule refuses the request; `rule` is its stable code. */
export class RuleViolation extends DomainError {
  constructor(
    readonly rule: string,
    key: MessageKey,
    params: MessageParams = {},
    details: Record<string, unknown> = {},
  ) {
    super(key, params, { rule, ...details });
  }
}

export interface Shortfall {
  fundCode: string;
  requestedVnd: number;
  availableVnd: number;
}

/** An allocation asks more of a fund than it has available; nothing was allocated. */
export class InsufficientFunds extends RuleViolation {
  constructor(readonly shortfalls: Shortfall[]) {
    super('insufficient_funds', 'insufficient_funds', { funds: shortfalls.map((s) => s.fundCode).join(', ') }, { funds: shortfalls });
  }
}

/** More than the service accepts (a file over MAX_UPLOAD_MB, a body over its limit). */
export class TooLarge extends DomainError {}

/** A file of a type the service does not take. */
export class UnsupportedMediaType extends DomainError {}

/** Too many attempts; try again after `retryAfterSeconds`. */
export class TooManyRequests extends DomainError {
  constructor(
    key: MessageKey,
    params: MessageParams,
    readonly retryAfterSeconds: number,
  ) {
    super(key, params, { retryAfterSeconds });
  }
}

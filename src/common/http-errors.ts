import { ConflictException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';

/** 422 with the business rule that refused the request (API.md: errors carry `rule`). */
export function ruleViolation(rule: string, message: string, extra: Record<string, unknown> = {}) {
  return new UnprocessableEntityException({ statusCode: 422, error: 'Unprocessable Entity', message, rule, ...extra });
}

/** 409 with optional extra fields such as `allowedEvents`. */
export function conflict(message: string, extra: Record<string, unknown> = {}) {
  return new ConflictException({ statusCode: 409, error: 'Conflict', message, ...extra });
}

/** 404 that says the same whether the thing is missing or outside the caller's jurisdiction. */
export function notFound(what: string) {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `${what} not found` });
}

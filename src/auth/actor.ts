import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '../generated/kysely/enums.js';

/** The signed-in caller as every service sees it: who, which role, which unit and that unit's tree path. */
export interface Actor {
  id: string;
  username: string;
  role: Role;
  unitId: string;
  unitPath: string;
}

export const IS_PUBLIC = 'ntm:isPublic';
export const ROLES = 'ntm:roles';
export const METRICS_SCRAPE = 'ntm:metricsScrape';

/** A route anyone may call without a token (login, health, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * A route that also takes the static `METRICS_TOKEN` as its bearer token (a Prometheus scraper cannot sign in);
 * with it the request has no actor. Without METRICS_TOKEN set, or with another token, the usual rules apply.
 */
export const AcceptsMetricsToken = () => SetMetadata(METRICS_SCRAPE, true);

/** The roles that may call a route; a signed-in caller with another role gets 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

/** The caller, as set by the authentication guard. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  return ctx.switchToHttp().getRequest().actor;
});

/** The id of the caller's API session (the row its bearer token names), as set by the authentication guard. */
export const CurrentSessionId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest().authSessionId;
});

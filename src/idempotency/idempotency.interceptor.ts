import { CallHandler, ExecutionContext, HttpException, Inject, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { firstValueFrom, from, type Observable } from 'rxjs';
import type { Actor } from '../auth/actor.js';
import { Conflict, InvalidInput, RuleViolation } from '../common/errors.js';
import { requestLocale, toHttpError } from '../common/exception.filter.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DB, type Db } from '../database/db.js';
import { canonicalJson } from '../engine/history-hash.js';

/** The request and reply as the HTTP adapter gives them (Fastify's), as far as this interceptor reads them. */
interface IncomingRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  actor?: Actor;
  /** What identifies the request's content when its body is not all of it (an upload: fields and file hash). */
  idempotencyContent?: unknown;
}

interface OutgoingResponse {
  statusCode: number;
}

const IN_ROUTE = 'idempotency:in-route';

/**
 * For a route whose content is read inside the route (an upload): the global interceptor leaves it alone and
 * the route applies `RouteIdempotency` after reading, so a key is judged on what was sent, file included.
 */
export const IdempotencyInRoute = () => SetMetadata(IN_ROUTE, true);

const KEY = /^[\x21-\x7e]{1,200}$/;
const WAIT_MS = 30_000;
/** How often the request that holds a pending record touches it (`alive_at`)… */
const ALIVE_EVERY_MS = 5_000;
/**
 * …and how long a pending record may go untouched before a retry takes the key over (its holder is gone). Six
 * touches: a holder whose touches wait for a busy pool is not taken for dead. A retry that does take over from a
 * holder still running cannot create twice (the engine holds a create's key: `claimStartKey`) nor apply an event
 * twice (the engine keeps each key's event once per instance).
 */
const ABANDONED_MS = 30_000;

/**
 * `Idempotency-Key` on any POST: the first request with a key runs, later ones from the same user
 * get its stored response without running again, concurrent ones wait for it. A key reused with another
 * body is 422 `idempotency_key_reused`. A request that failed with a server error frees its key.
 * A record lives `IDEMPOTENCY_TTL_HOURS` (24 by default): claiming a key first deletes its record if older than
 * that, so an expired key is new again; the worker's purge task (`idempotency.jobs.ts`) deletes the others.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  /** Whether this instance is the one a route applies itself (see IdempotencyInRoute). */
  protected readonly inRoute: boolean = false;

  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly adapterHost: HttpAdapterHost,
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.inRoute && this.reflector.get<boolean>(IN_ROUTE, context.getHandler())) return next.handle();
    const req = context.switchToHttp().getRequest<IncomingRequest>();
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || key === undefined || !req.actor) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new InvalidInput('idempotency_key_format');
    }
    const res = context.switchToHttp().getResponse<OutgoingResponse>();
    return from(this.run(req.actor.id, key, req, res, () => firstValueFrom(next.handle())));
  }

  private async run(
    userId: string,
    key: string,
    req: IncomingRequest,
    res: OutgoingResponse,
    handler: () => Promise<unknown>,
  ): Promise<unknown> {
    const path = this.adapterHost.httpAdapter.getRequestUrl(req).split('?')[0];
    const hash = createHash('sha256')
      .update(`${req.method} ${path} ${canonicalJson(req.idempotencyContent ?? req.body ?? null)}`)
      .digest('hex');
    await this.purgeExpired(userId, key);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const claimed = await this.db
        .insertInto('idempotency_records')
        .values({ user_id: userId, key, method: req.method, path, request_hash: hash })
        .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
        .executeTakeFirst();
      if (claimed.numInsertedOrUpdatedRows) return this.first(userId, key, req, res, handler);
      const record = await this.db
        .selectFrom('idempotency_records')
        .select(['request_hash', 'status', 'status_code', 'response_body'])
        .select(sql<number>`extract(epoch FROM now() - alive_at)::float8 * 1000`.as('silent_ms'))
        .where('user_id', '=', userId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!record) continue; // freed by a failed first request: claim it
      if (record.request_hash !== hash) {
        throw new RuleViolation('idempotency_key_reused', 'idempotency_key_reused');
      }
      if (record.status === 'done') {
        this.adapterHost.httpAdapter.status(res, record.status_code ?? 200);
        this.adapterHost.httpAdapter.setHeader(res, 'Idempotent-Replayed', 'true');
        // Not a domain refusal but the stored HTTP answer itself, replayed as it was sent (status and body, already
        // in the first request's language): this interceptor sits at the HTTP edge, where the exception filter
        // passes an HttpException through as it is.
        if (record.status_code && record.status_code >= 400) throw new HttpException(record.response_body as object, record.status_code);
        return record.response_body;
      }
      if (record.silent_ms > ABANDONED_MS) {
        // Its holder was killed, or could not release it (the database was away): this request runs instead. An
        // event the first one did apply is not applied again (the engine keeps each key's event once per instance,
        // and a subject created under this key is found again by it).
        await this.db
          .deleteFrom('idempotency_records')
          .where('user_id', '=', userId)
          .where('key', '=', key)
          .where('status', '=', 'pending')
          .where('alive_at', '<', sql<Date>`now() - make_interval(secs => ${ABANDONED_MS / 1000})`)
          .execute();
        continue;
      }
      if (Date.now() > deadline) throw new Conflict('idempotency_key_running');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** This key's record if it has expired, which makes the key new (the others go by the purge task every 10 minutes). */
  private async purgeExpired(userId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_records')
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .where('created_at', '<', sql<Date>`now() - make_interval(hours => ${this.config.idempotencyTtlHours})`)
      .execute();
  }

  private async first(
    userId: string,
    key: string,
    req: IncomingRequest,
    res: OutgoingResponse,
    handler: () => Promise<unknown>,
  ): Promise<unknown> {
    // While the request runs its record is kept alive, so that a retry knows it still runs (and, once the touches
    // stop, that it does not).
    const alive = setInterval(() => {
      this.db
        .updateTable('idempotency_records')
        .set({ alive_at: sql<Date>`now()` })
        .where('user_id', '=', userId)
        .where('key', '=', key)
        .where('status', '=', 'pending')
        .execute()
        .catch(() => undefined);
    }, ALIVE_EVERY_MS);
    alive.unref();
    try {
      const body = await handler();
      await this.store(userId, key, res.statusCode, body ?? null);
      return body;
    } catch (err) {
      // A refusal is the request's answer, kept like a success; a server error frees the key for a retry.
      const refusal = toHttpError(err, requestLocale(req));
      if (refusal && refusal.status < 500) {
        await this.store(userId, key, refusal.status, refusal.body);
      } else {
        await this.db.deleteFrom('idempotency_records').where('user_id', '=', userId).where('key', '=', key).execute();
      }
      throw err;
    } finally {
      clearInterval(alive);
    }
  }

  private async store(userId: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.db
      .updateTable('idempotency_records')
      .set({
        status: 'done',
        status_code: statusCode,
        response_body: JSON.stringify(body, (_, v) => (typeof v === 'bigint' ? v.toString() : v)),
      })
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .execute();
  }
}

/** The idempotency check as a route applies it, after the interceptor that reads the route's content. */
@Injectable()
export class RouteIdempotency extends IdempotencyInterceptor {
  protected override readonly inRoute = true;
}

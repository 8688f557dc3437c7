import { Controller, Get, Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/actor.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { sql } from 'kysely';
import { DB, type Db } from '../database/db.js';
import { createRedisClient, type RedisClient } from '../redis/redis-client.js';

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref()),
  ]);
}

/**
 * GET /health: PostgreSQL and Redis both answer within a second, else 503 (@nestjs/terminus). Anyone may ask, so
 * the answer says only up or down per check; why a check is down (an error's text names hosts, ports, users) goes
 * to the log, once when it goes down and once when it is back, not on every poll.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController implements OnModuleDestroy {
  /** Its own connection, failing fast instead of queueing commands while Redis is away. */
  private readonly redis: RedisClient;
  private readonly logger = new Logger('Health');
  /** The last state of each check, so that the log says when it changes. */
  private readonly down = new Set<string>();

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DB) private readonly db: Db,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.redis = createRedisClient(config, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      retryStrategy: () => 1000,
      connectionName: `${config.queuePrefix}:health`,
    });
    this.redis.on('error', () => undefined);
    this.redis.connect().catch(() => undefined);
  }

  @Public()
  @Get()
  // Terminus documents its responses only where it can require() @nestjs/swagger, which an ES module cannot:
  // they are declared here, so the built service and the tests serve the same contract.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Database and Redis checks; 503 when either is down' })
  @ApiOkResponse({ description: "`{ status: 'ok', info, error, details }`: every check up, each `{ status: 'up' }`" })
  @ApiServiceUnavailableResponse({
    description:
      "`{ status: 'error', info, error, details }`: a check down, named in `error` as `{ status: 'down' }` (the reason is in the log)",
  })
  check() {
    return this.health.check([
      () => this.probe('database', () => withTimeout(sql`SELECT 1`.execute(this.db), 1000, 'PostgreSQL')),
      () => this.probe('redis', () => withTimeout(this.redis.ping(), 1000, 'Redis')),
    ]);
  }

  private async probe(name: string, ping: () => Promise<unknown>) {
    const indicator = this.indicators.check(name);
    try {
      await ping();
      if (this.down.delete(name)) this.logger.log(`${name} is up again`);
      return indicator.up();
    } catch (err) {
      if (!this.down.has(name)) this.logger.warn(`${name} is down: ${(err as Error).message}`);
      this.down.add(name);
      return indicator.down();
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

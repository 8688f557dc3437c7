import { Module } from '@nestjs/common';
import { IdempotencyPurgeHandler } from './idempotency.jobs.js';

/** The Idempotency-Key records' housekeeping (the interceptor itself is global, in AppModule). */
@Module({ providers: [IdempotencyPurgeHandler] })
export class IdempotencyModule {}

import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import { DEADLINES_QUEUE, redisOf } from './queue-names.js';
import { RelayService } from './relay.service.js';

const CHUNK = 1000;

/**
 * PostgreSQL is the truth, Redis only carries work in flight: on start, when Redis comes back, and every
 * RECONCILE interval, every pending timer and every outbox row not yet done whose job Redis no longer has
 * is handed back to the relay, which enqueues it again under the same job id.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Reconciler');
  private interval?: NodeJS.Timeout;
  private running: Promise<number> | null = null;
  private readonly queues: Map<string, Queue>;
  static intervalMs = 15_000;

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly relay: RelayService,
    @InjectQueue('deadlines') deadlines: Queue,
    @InjectQueue('notifications') notifications: Queue,
    @InjectQueue('review-steps') reviewSteps: Queue,
  ) {
    this.queues = new Map([deadlines, notifications, reviewSteps].map((q) => [q.name, q]));
  }

  async onApplicationBootstrap(): Promise<void> {
    const client = await redisOf(this.queues.get(DEADLINES_QUEUE)!);
    let lost = false;
    client.on('end', () => (lost = true));
    client.on('close', () => (lost = true));
    client.on('ready', () => {
      if (lost) {
        lost = false;
        this.logger.log('Redis is back: reconciling');
        void this.reconcile();
      }
    });
    this.interval = setInterval(() => void this.reconcile(), ReconcilerService.intervalMs);
    void this.reconcile();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.interval);
    await this.running;
  }

  /** Returns how many rows were handed back to the relay. */
  reconcile(): Promise<number> {
    if (!this.running) {
      this.running = this.pass()
        .catch((err) => {
          this.logger.warn(`reconcile failed, will retry: ${(err as Error).message}`);
          return 0;
        })
        .finally(() => (this.running = null));
    }
    return this.running;
  }

  private async pass(): Promise<number> {
    let restored = 0;
    restored += await this.sweep(
      `SELECT id, $2::text AS queue FROM workflow_timers WHERE status = 'pending' AND dispatched_at IS NOT NULL AND id > $1 ORDER BY id LIMIT ${CHUNK}`,
      `UPDATE workflow_timers SET dispatched_at = NULL WHERE id = ANY($1) AND status = 'pending'`,
    );
    restored += await this.sweep(
      `SELECT id, queue FROM outbox WHERE status = 'dispatched' AND id > $1 AND $2::text IS NOT NULL ORDER BY id LIMIT ${CHUNK}`,
      `UPDATE outbox SET status = 'pending' WHERE id = ANY($1) AND status = 'dispatched'`,
    );
    if (restored) {
      this.logger.warn(`${restored} timer(s) or effect(s) were missing from Redis; enqueued again`);
      await this.relay.kick();
    }
    return restored;
  }

  private async sweep(select: string, reset: string): Promise<number> {
    let after = '';
    let restored = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ id: string; queue: string }>(select, [after, DEADLINES_QUEUE]);
      if (!rows.length) return restored;
      const missing: string[] = [];
      const byQueue = new Map<string, string[]>();
      for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r.id]);
      for (const [name, ids] of byQueue) {
        const queue = this.queues.get(name);
        if (!queue) continue;
        const client = await redisOf(queue);
        const pipeline = client.pipeline();
        for (const id of ids) pipeline.exists(queue.toKey(id));
        const answers = (await pipeline.exec()) ?? [];
        ids.forEach((id, i) => {
          if (answers[i]?.[1] === 0) missing.push(id);
        });
      }
      if (missing.length) {
        await this.pool.query(reset, [missing]);
        restored += missing.length;
      }
      after = rows[rows.length - 1].id;
    }
  }
}

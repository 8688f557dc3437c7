import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EngineRepository } from '../engine/engine.repository.js';
import { redisOf } from './bullmq.js';
import { Queues } from './queues.js';
import { RelayService } from './relay.service.js';

const CHUNK = 1000;

/**
 * PostgreSQL is the truth, Redis only carries work in flight: on start, when Redis comes back, and every
 * RECONCILE_SECONDS, every pending timer and every outbox row not yet done whose job Redis no longer has, or
 * holds as failed for good, is handed back to the relay, which enqueues it again under the same job id.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Reconciler');
  private interval?: NodeJS.Timeout;
  private running: Promise<number> | null = null;

  constructor(
    private readonly engine: EngineRepository,
    private readonly queues: Queues,
    private readonly relay: RelayService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const client = await redisOf(this.queues.deadlines);
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
    this.interval = setInterval(() => void this.reconcile(), this.config.reconcileSeconds * 1000);
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
      (after) => this.engine.dispatchedTimers(after, CHUNK).then((rows) => rows.map((r) => ({ id: r.id, queue: this.queues.deadlines }))),
      (ids) => this.engine.redispatchTimers(ids),
    );
    restored += await this.sweep(
      (after) =>
        this.engine.dispatchedEffects(after, CHUNK).then((rows) => rows.map((r) => ({ id: r.id, queue: this.queues.get(r.queue) }))),
      (ids) => this.engine.redispatchEffects(ids),
    );
    if (restored) {
      this.logger.warn(`${restored} timer(s) or effect(s) were missing from Redis; enqueued again`);
      await this.relay.kick();
    }
    return restored;
  }

  /** Pages through dispatched rows by id, and hands back those whose job Redis no longer has. */
  private async sweep(
    page: (after: string) => Promise<{ id: string; queue?: Queue }[]>,
    handBack: (ids: string[]) => Promise<void>,
  ): Promise<number> {
    let after = '';
    let restored = 0;
    for (;;) {
      const rows = await page(after);
      if (!rows.length) return restored;
      const missing: string[] = [];
      const byQueue = new Map<Queue, string[]>();
      for (const r of rows) if (r.queue) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r.id]);
      for (const [queue, ids] of byQueue) {
        const client = await redisOf(queue);
        const pipeline = client.pipeline();
        for (const id of ids) pipeline.exists(queue.toKey(id)).zscore(queue.keys.failed, id);
        const answers = (await pipeline.exec()) ?? [];
        const dead: string[] = [];
        ids.forEach((id, i) => {
          if (answers[2 * i]?.[1] === 0) missing.push(id);
          else if (answers[2 * i + 1]?.[1] !== null && answers[2 * i + 1]?.[1] !== undefined) dead.push(id);
        });
        // A job that failed for good while its row still waits (its last attempts ran while PostgreSQL was away, or
        // the row's own failure could not be written): without this its timer or effect would wait until BullMQ
        // drops the failed job, days later. It is removed and its row handed back, to be run again.
        for (const id of dead) await queue.remove(id);
        missing.push(...dead);
      }
      if (missing.length) {
        await handBack(missing);
        restored += missing.length;
      }
      after = rows[rows.length - 1].id;
    }
  }
}

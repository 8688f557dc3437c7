import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EngineRepository, type OutboxRow } from '../engine/engine.repository.js';
import { PgListener } from '../database/pg-listener.js';
import { Queues } from './queues.js';

const BATCH = 500;

/**
 * Moves committed outbox and timer rows into BullMQ: woken by NOTIFY ntm_relay at commit (a LISTEN connection
 * made again whenever it is lost), with a short poll as a backstop. The row id is the job id, so enqueueing twice is a no-op; a row is marked dispatched
 * only after Redis accepted its job.
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Relay');
  private listener?: PgListener;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly engine: EngineRepository,
    private readonly queues: Queues,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.listener = new PgListener(this.config.databaseUrl, 'ntm_relay', () => void this.kick(), this.logger);
    await this.listener.start();
    this.timer = setInterval(() => this.kick(), 500);
    this.kick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.listener?.stop();
  }

  /** Asks for a drain; drains never overlap, and one requested during a drain runs after it. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          while ((await this.drainOutbox()) + (await this.drainTimers()) > 0 && !this.stopped);
        } catch (err) {
          this.logger.warn(`relay pass failed, will retry: ${(err as Error).message}`);
        }
      } while (this.again && !this.stopped);
      this.running = null;
    })();
    return this.running;
  }

  /** Enqueues up to one batch of pending outbox rows; returns how many. */
  async drainOutbox(): Promise<number> {
    const rows = await this.engine.pendingEffects(this.queues.effectQueues(), BATCH);
    if (!rows.length) return 0;
    const byQueue = new Map<string, OutboxRow[]>();
    for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r]);
    const sent: string[] = [];
    for (const [name, list] of byQueue) {
      await this.queues
        .get(name)!
        .addBulk(list.map((r) => ({ name: r.job, data: { outboxId: r.id, ...r.payload }, opts: { jobId: r.id } })));
      sent.push(...list.map((r) => r.id));
    }
    await this.engine.markEffectsDispatched(sent);
    return rows.length;
  }

  /** Enqueues up to one batch of pending, not yet dispatched timers as delayed jobs; returns how many. */
  async drainTimers(): Promise<number> {
    const rows = await this.engine.undispatchedTimers(BATCH);
    if (!rows.length) return 0;
    const now = Date.now();
    await this.queues.deadlines.addBulk(
      rows.map((r) => ({ name: 'fire', data: { timerId: r.id }, opts: { jobId: r.id, delay: Math.max(0, r.due_at.getTime() - now) } })),
    );
    await this.engine.markTimersDispatched(rows.map((r) => r.id));
    return rows.length;
  }
}

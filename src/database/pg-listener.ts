import type { Logger } from '@nestjs/common';
import pg from 'pg';

/** How long to wait before connecting again after the connection was lost or could not be made. */
const RECONNECT_MS = 1000;

/**
 * A dedicated PostgreSQL connection that LISTENs on one channel and is made again whenever it is lost (a
 * restart, a failover, a network cut), for as long as it is not stopped. `onNotify` runs on every notification
 * and once after each reconnect, since notifications sent while it was away are lost.
 */
export class PgListener {
  private client?: pg.Client;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private lost = false;

  constructor(
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly logger: Logger,
    /** Told whenever the connection starts or stops listening (what is heard while away is lost). */
    private readonly onListening: (listening: boolean) => void = () => undefined,
  ) {}

  /** Connects and listens; rejects if the first attempt fails (start-up reports it). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Connects and listens in the background, trying again every second until it can; nothing waits for it. */
  startSoon(): void {
    this.connect().catch(() => {
      const failed = this.client;
      this.client = undefined;
      failed?.end().catch(() => undefined);
      this.schedule();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.onListening(false);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: `ntm:${this.channel}` });
    client.on('error', (err) => this.drop(client, err.message));
    client.on('end', () => this.drop(client, 'connection ended'));
    client.on('notification', () => this.onNotify());
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    if (this.client === client && !this.stopped) this.onListening(true);
  }

  /** Forgets a lost connection and schedules a new one. */
  private drop(client: pg.Client, reason: string): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.onListening(false);
    client.end().catch(() => undefined);
    if (!this.lost) this.logger.warn(`LISTEN ${this.channel} lost (${reason}); connecting again`);
    this.lost = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.stopped) return void this.stop();
          this.lost = false;
          this.logger.log(`LISTEN ${this.channel} is back`);
          this.onNotify();
        },
        () => {
          const failed = this.client;
          this.client = undefined;
          failed?.end().catch(() => undefined);
          this.schedule();
        },
      );
    }, RECONNECT_MS);
  }
}

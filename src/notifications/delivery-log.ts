import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL } from '../database/pg-pool.js';
import type { Recipient } from './recipients.js';

/**
 * - `pending`: not sent yet (or the last try failed and a retry will come);
 * - `sending`: claimed by a worker, the send is in flight (committed before the send starts);
 * - `sent`: the transport confirmed it (SMTP 250, or the file written); never sent again;
 * - `failed`: refused for good (a 5xx reply) or still failing after the job's last attempt;
 * - `unconfirmed`: a worker stopped between claiming and recording: the message may have gone out, so it is
 *   not sent again automatically (see notify-job.ts).
 */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unconfirmed';

export interface DeliveryRow {
  id: string;
  recipient_id: string;
  email: string;
  locale: string;
  status: DeliveryStatus;
  message_id: string;
  attempts: number;
}

/** The delivery log: one row per (outbox row, recipient), table notification_deliveries. */
@Injectable()
export class DeliveryLog {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /**
   * Makes sure each recipient has its row (created pending, with its fixed Message-ID) and returns the rows of
   * these recipients, existing ones as they are.
   */
  async ensure(outboxId: string, template: string, recipients: Recipient[], messageId: (recipientId: string) => string): Promise<DeliveryRow[]> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `WITH wanted AS (
         SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS w(recipient_id, email, locale, message_id)
       ), inserted AS (
         INSERT INTO notification_deliveries (id, outbox_id, recipient_id, email, template, locale, message_id)
         SELECT gen_random_uuid()::text, $1, w.recipient_id, w.email, $2, w.locale, w.message_id FROM wanted w
         ON CONFLICT (outbox_id, recipient_id) DO NOTHING
         RETURNING id, recipient_id, email, locale, status, message_id, attempts
       )
       SELECT * FROM inserted
       UNION ALL
       SELECT d.id, d.recipient_id, d.email, d.locale, d.status, d.message_id, d.attempts
         FROM notification_deliveries d JOIN wanted w ON w.recipient_id = d.recipient_id
        WHERE d.outbox_id = $1`,
      [outboxId, template, recipients.map((r) => r.id), recipients.map((r) => r.email), recipients.map((r) => r.locale), recipients.map((r) => messageId(r.id))],
    );
    return rows;
  }

  /** Claims a pending row for one send (committed before the send starts); false when it is not pending. */
  async claim(id: string, email: string, locale: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE notification_deliveries SET status = 'sending', attempts = attempts + 1, claimed_at = now(), email = $2, locale = $3
        WHERE id = $1 AND status = 'pending'`,
      [id, email, locale],
    );
    return rowCount === 1;
  }

  /**
   * Records a confirmed send. Also over `unconfirmed`: a worker that took this row for stalled while the send
   * was still in flight knew less than the one that saw it confirmed.
   */
  async markSent(id: string, sentAt: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE notification_deliveries SET status = 'sent', sent_at = $2 WHERE id = $1 AND status IN ('sending', 'unconfirmed')`,
      [id, sentAt],
    );
    return rowCount === 1;
  }

  /** Records a failed try: back to pending for the next attempt, or failed for good. */
  async markFailed(id: string, error: string, final: boolean): Promise<void> {
    await this.pool.query(
      `UPDATE notification_deliveries SET status = $3, last_error = $2 WHERE id = $1 AND status = 'sending'`,
      [id, error, final ? 'failed' : 'pending'],
    );
  }

  /** A claimed row whose send was not recorded. Returns whether this call changed it. */
  async markUnconfirmed(id: string, error: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE notification_deliveries SET status = 'unconfirmed', last_error = $2 WHERE id = $1 AND status = 'sending'`,
      [id, error],
    );
    return rowCount === 1;
  }

  /** A claimed row whose message the transport says it has (a file written before the worker stopped). */
  async markFoundSent(id: string, note: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE notification_deliveries SET status = 'sent', sent_at = now(), last_error = $2 WHERE id = $1 AND status = 'sending'`,
      [id, note],
    );
    return rowCount === 1;
  }

  /** A claimed row the transport says it never got: pending again, to be sent on this attempt. */
  async release(id: string, note: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE notification_deliveries SET status = 'pending', last_error = $2 WHERE id = $1 AND status = 'sending'`,
      [id, note],
    );
    return rowCount === 1;
  }

  /** A row that cannot be sent at all (no usable address): failed for good without a try. */
  async markUndeliverable(id: string, error: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE notification_deliveries SET status = 'failed', last_error = $2 WHERE id = $1 AND status = 'pending'`,
      [id, error],
    );
    return rowCount === 1;
  }
}

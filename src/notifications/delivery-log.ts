import { Inject, Injectable } from '@nestjs/common';
import { sql, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { Selectable } from 'kysely';
import { DB, type Db, type Tables } from '../database/db.js';
import type { Recipient } from './recipients.js';

/**
 * - `pending`: not sent yet (or the last try failed and a retry will come);
 * - `sending`: claimed by a worker, the send is in flight (committed before the send starts);
 * - `sent`: the transport confirmed it (SMTP 250, or the file written); never sent again;
 * - `failed`: refused for good (a 5xx reply) or still failing after the job's last attempt.
 * A row found `sending` by a later run (its worker stopped mid-send) is taken over and sent again with the same
 * Message-ID; `resends` counts that (see notify-job.ts).
 */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

export type DeliveryRow = Pick<
  Selectable<Tables['notification_deliveries']>,
  'id' | 'recipient_id' | 'email' | 'locale' | 'message_id' | 'attempts'
> & { status: DeliveryStatus };

type Update = UpdateQueryBuilder<Tables, 'notification_deliveries', 'notification_deliveries', UpdateResult>;

/** The delivery log: one row per (outbox row, recipient), table notification_deliveries. */
@Injectable()
export class DeliveryLog {
  constructor(@Inject(DB) private readonly db: Db) {}

  /**
   * Makes sure each recipient has its row (created pending, with its fixed Message-ID) and returns the rows of
   * these recipients, existing ones as they are.
   */
  async ensure(
    outboxId: string,
    template: string,
    recipients: Recipient[],
    messageId: (recipientId: string) => string,
  ): Promise<DeliveryRow[]> {
    const { rows } = await sql<DeliveryRow>`
      WITH wanted AS (
        SELECT * FROM unnest(${recipients.map((r) => r.id)}::text[], ${recipients.map((r) => r.email)}::text[], ${recipients.map((r) => r.locale)}::text[],
                             ${recipients.map((r) => messageId(r.id))}::text[]) AS w(recipient_id, email, locale, message_id)
      ), inserted AS (
        INSERT INTO notification_deliveries (id, outbox_id, recipient_id, email, template, locale, message_id)
        SELECT gen_random_uuid()::text, ${outboxId}, w.recipient_id, w.email, ${template}, w.locale, w.message_id FROM wanted w
        ON CONFLICT (outbox_id, recipient_id) DO NOTHING
        RETURNING id, recipient_id, email, locale, status, message_id, attempts
      )
      SELECT * FROM inserted
      UNION ALL
      SELECT d.id, d.recipient_id, d.email, d.locale, d.status, d.message_id, d.attempts
        FROM notification_deliveries d JOIN wanted w ON w.recipient_id = d.recipient_id
       WHERE d.outbox_id = ${outboxId}`.execute(this.db);
    return rows;
  }

  /** Claims a pending row for one send (committed before the send starts); false when it is not pending. */
  claim(id: string, email: string, locale: string): Promise<boolean> {
    return this.update(id, ['pending'], (q) =>
      q.set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), claimed_at: sql`now()`, email, locale })),
    );
  }

  /** Records a confirmed send. */
  markSent(id: string, sentAt: Date): Promise<boolean> {
    return this.update(id, ['sending'], (q) => q.set({ status: 'sent', sent_at: sentAt }));
  }

  /** Records a failed try: back to pending for the next attempt, or failed for good. */
  async markFailed(id: string, error: string, final: boolean): Promise<void> {
    await this.update(id, ['sending'], (q) => q.set({ status: final ? 'failed' : 'pending', last_error: error }));
  }

  /**
   * Takes over a claimed row whose send was never recorded, to send it again: false when another run took it
   * over or recorded it first (its attempts moved on from what this run read).
   */
  async reclaim(row: Pick<DeliveryRow, 'id' | 'attempts'>, note: string): Promise<boolean> {
    const { numUpdatedRows } = await this.db
      .updateTable('notification_deliveries')
      .where('id', '=', row.id)
      .where('status', '=', 'sending')
      .where('attempts', '=', row.attempts)
      .set((eb) => ({ attempts: eb('attempts', '+', 1), resends: eb('resends', '+', 1), claimed_at: sql`now()`, last_error: note }))
      .executeTakeFirst();
    return numUpdatedRows === 1n;
  }

  /** A claimed row whose message the transport says it has (a file written before the worker stopped). */
  markFoundSent(id: string, note: string): Promise<boolean> {
    return this.update(id, ['sending'], (q) => q.set({ status: 'sent', sent_at: sql`now()`, last_error: note }));
  }

  /** A claimed row the transport says it never got: pending again, to be sent on this attempt. */
  release(id: string, note: string): Promise<boolean> {
    return this.update(id, ['sending'], (q) => q.set({ status: 'pending', last_error: note }));
  }

  /** A row that cannot be sent at all (no usable address): failed for good without a try. */
  markUndeliverable(id: string, error: string): Promise<boolean> {
    return this.update(id, ['pending'], (q) => q.set({ status: 'failed', last_error: error }));
  }

  /** Updates a row that is in one of `from` (whether it was). */
  private async update(id: string, from: DeliveryStatus[], set: (q: Update) => Update): Promise<boolean> {
    const q = this.db.updateTable('notification_deliveries').where('id', '=', id).where('status', 'in', from);
    const { numUpdatedRows } = await set(q).executeTakeFirst();
    return numUpdatedRows === 1n;
  }
}

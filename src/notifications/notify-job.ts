import { Inject, Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EngineRepository } from '../engine/engine.repository.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { defineJob, type JobContext, type JobHandler } from '../queues/job-definition.js';
import { PARTY_NAMES } from '../../workflows/common/parties.js';
import { DeliveryLog, type DeliveryRow } from './delivery-log.js';
import { RecipientResolver, type Recipient } from './recipients.js';
import { SubjectDirectory, type SubjectDescription } from './subject-directory.js';
import { dueModeOf, renderTemplate, TEMPLATE_NAMES, type TemplateDetails, type TemplateName } from './templates.js';
import { isPermanentSendError, MailTransport, sendErrorText } from './transport.js';

/** A `notify` effect's outbox payload: the machine's params (template, to) plus what the engine adds. */
export const NotifyPayload = z.looseObject({
  template: z.enum(TEMPLATE_NAMES as [TemplateName, ...TemplateName[]]),
  to: z.array(z.enum(PARTY_NAMES as [(typeof PARTY_NAMES)[number], ...(typeof PARTY_NAMES)[number][]])).min(1),
  subject: z.object({ type: z.string(), id: z.string() }),
  workflow: z.string().optional(),
  /** The event that emitted the effect (an `xstate.after.…` type for a deadline). */
  event: z.string().optional(),
  state: z.string().optional(),
  seq: z.number().int().optional(),
});
export type NotifyPayload = z.infer<typeof NotifyPayload>;

/** What the message needs from the workflow: the due date to show and the emitting event's details. */
interface EffectContext {
  nextDue: Date | null;
  passedDue: Date | null;
  details: TemplateDetails;
}

type Outcome = 'done' | 'retry';

/** What every recipient's delivery of one job shares; `errors` collects the sends that will be retried. */
interface DeliveryJob {
  template: TemplateName;
  subject: SubjectDescription;
  context: EffectContext;
  payload: NotifyPayload;
  final: boolean;
  errors: string[];
}

const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+$/;

/**
 * The notifications/notify job: one email per recipient of a `notify` effect, each logged in
 * notification_deliveries under the unique key (outbox row, recipient).
 *
 * Delivery guarantee. Each delivery row goes pending → sending → sent, one recipient at a time:
 * 1. claim: the row is set to `sending` (committed) before the message is handed to the transport;
 * 2. send, with a Message-ID fixed per row (`<outboxId.recipientId@host>`), the same on every attempt;
 * 3. record: `sent` once the transport confirmed it (SMTP 250, or the .eml file renamed into place).
 * - A row that is `sent` is never sent again: every attempt, a retry, a job rerun by the reconciler or after
 *   a stalled worker, skips it. A confirmed message is never sent twice.
 * - A refusal by the server (4xx, or a connection error) puts the row back to `pending` and the job throws, so
 *   BullMQ retries it with exponential backoff; a 5xx reply fails the row at once; after the job's last
 *   attempt the row is `failed`, counted in notifications_failed_total and logged.
 * - A worker killed after the claim and before the record leaves the row `sending`. Whether the message went
 *   out is then unknown, so the next run (BullMQ hands a stalled job to another worker) sends it again with the
 *   same Message-ID, which receiving servers and mail clients use to drop a copy they already have; the row's
 *   `resends` and notifications_resent_total count it. So over SMTP delivery is at least once: a message is
 *   never lost, and a copy is possible only when a worker dies, or its SMTP session fails, in the moment between
 *   the server taking the message and the answer being recorded. With the file transport the check is exact (a
 *   file under the Message-ID's name exists or not), so a stopped worker never loses nor duplicates a message
 *   there: exactly once.
 * - When recording `sent` fails after a confirmed send (the database briefly gone), the worker remembers it and
 *   records it on the next attempt instead of sending again.
 */
@Injectable()
export class NotifyJob implements JobHandler<NotifyPayload> {
  private readonly logger = new Logger('Notifications');
  /** Deliveries this process saw confirmed but could not record: delivery id → when. */
  private readonly unrecorded = new Map<string, Date>();
  /** Deliveries this process saw refused but could not put back to pending. */
  private readonly refused = new Set<string>();
  private readonly inFlight = new Set<Promise<Outcome>>();
  private stopping = false;
  private readonly messageIdHost: string;
  constructor(
    private readonly engine: EngineRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: SubjectDirectory,
    private readonly recipients: RecipientResolver,
    private readonly deliveries: DeliveryLog,
    private readonly transport: MailTransport,
    private readonly metrics: MetricsService,
  ) {
    this.messageIdHost = hostOf(config.publicUrl);
  }

  /** The Message-ID of one recipient's message of one effect: the same on every attempt. */
  messageIdFor(outboxId: string, recipientId: string): string {
    return `<${outboxId}.${recipientId}@${this.messageIdHost}>`;
  }

  async handle(payload: NotifyPayload, { outboxId, final }: JobContext): Promise<void> {
    const template = payload.template;
    const subject = await this.directory.describe(payload.subject);
    if (!subject) {
      this.logger.warn(`notify ${template} ${outboxId}: ${payload.subject.type} ${payload.subject.id} no longer exists; nothing sent`);
      return;
    }
    const [recipients, context] = await Promise.all([this.recipients.resolve(subject.unitPath, payload.to), this.effectContext(outboxId)]);
    if (!recipients.length) {
      this.logger.warn(`notify ${template} ${outboxId}: nobody is ${payload.to.join(' or ')} for ${subject.unitPath}; nothing sent`);
      return;
    }
    const rows = await this.deliveries.ensure(outboxId, template, recipients, (id) => this.messageIdFor(outboxId, id));
    const byId = new Map(recipients.map((r) => [r.id, r]));
    const errors: string[] = [];
    for (const row of rows.sort((a, b) => a.recipient_id.localeCompare(b.recipient_id))) {
      const outcome = await this.deliver(row, byId.get(row.recipient_id)!, { template, subject, context, payload, final, errors });
      if (outcome === 'retry' && errors.length === 0) errors.push(`${row.email}: not sent`);
    }
    if (errors.length) {
      throw new Error(
        `notify ${template}: ${errors.length} of ${rows.length} message(s) not sent${final ? ' (last attempt)' : ', will retry'}: ${errors[0]}`,
      );
    }
  }

  private async deliver(row: DeliveryRow, recipient: Recipient, job: DeliveryJob): Promise<Outcome> {
    const { template } = job;
    if (row.status === 'sent' || row.status === 'failed') return 'done';
    if (row.status === 'sending') {
      const seen = this.unrecorded.get(row.id);
      if (seen) {
        await this.record(row, seen, template);
        return 'done';
      }
      const delivered = this.refused.has(row.id) ? false : await this.transport.delivered(row.message_id);
      if (delivered === true) {
        if (await this.deliveries.markFoundSent(row.id, 'recorded after a restart: the message was found delivered')) {
          this.metrics.notificationsSent.inc({ template });
        }
        return 'done';
      }
      if (delivered === null) {
        const note =
          'sent again with the same Message-ID: the worker stopped after handing the message over and before recording the answer';
        if (!(await this.deliveries.reclaim(row, note))) return 'done';
        this.logger.warn(`notify ${template}: message ${row.message_id} to ${row.email} is sent again (a worker stopped mid-send)`);
        return this.send({ ...row, attempts: row.attempts + 1 }, recipient, { ...job, resend: true });
      }
      if (!(await this.deliveries.release(row.id, 'the worker stopped before the message was delivered; sent again'))) return 'done';
    }
    return this.send(row, recipient, { ...job, resend: false });
  }

  /** Renders the message and sends it once, claiming the row first unless this run already took it over. */
  private async send(row: DeliveryRow, recipient: Recipient, job: DeliveryJob & { resend: boolean }): Promise<Outcome> {
    const { template, subject, context } = job;
    if (!EMAIL.test(recipient.email)) {
      if (await this.deliveries.markUndeliverable(row.id, `no usable email address: ${JSON.stringify(recipient.email)}`)) {
        this.metrics.notificationsFailed.inc({ template, reason: 'no_address' });
        this.logger.error(`notify ${template}: user ${recipient.id} has no usable email address; not sent`);
      }
      return 'done';
    }
    const mail = renderTemplate(template, {
      locale: recipient.locale,
      role: recipient.role,
      recipientName: recipient.fullName,
      title: subject.title,
      villageName: subject.villageName,
      communeName: subject.communeName,
      url: `${this.config.publicUrl}${subject.link}`,
      dueAt: dueModeOf(template) === 'passed' ? context.passedDue : context.nextDue,
      details: context.details,
    });
    if (this.stopping) {
      job.errors.push('the worker is shutting down');
      return 'retry';
    }
    const attempt = this.sendOnce(row, recipient, mail, job);
    this.inFlight.add(attempt);
    try {
      return await attempt;
    } finally {
      this.inFlight.delete(attempt);
    }
  }

  /** Claim ▸ send ▸ record, for one delivery row. */
  private async sendOnce(
    row: DeliveryRow,
    recipient: Recipient,
    mail: { subject: string; text: string; html: string },
    job: DeliveryJob & { resend: boolean },
  ): Promise<Outcome> {
    const { template } = job;
    if (!job.resend && !(await this.deliveries.claim(row.id, recipient.email, recipient.locale))) return 'done';

    let sentAt: Date;
    try {
      await this.transport.send({
        messageId: row.message_id,
        to: { name: recipient.fullName, address: recipient.email },
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: {
          'Auto-Submitted': 'auto-generated',
          'X-NTM-Template': template,
          'X-NTM-Subject': `${job.payload.subject.type}/${job.payload.subject.id}`,
        },
      });
      sentAt = new Date();
    } catch (err) {
      const permanent = isPermanentSendError(err);
      const text = sendErrorText(err);
      const final = permanent || job.final;
      this.refused.add(row.id);
      await this.deliveries.markFailed(row.id, text, final);
      this.refused.delete(row.id);
      if (final) {
        this.metrics.notificationsFailed.inc({ template, reason: permanent ? 'rejected' : 'retries_exhausted' });
        this.logger.error(
          `notify ${template}: message ${row.message_id} to ${row.email} failed for good after ${row.attempts + 1} attempt(s): ${text}`,
        );
      }
      if (permanent) return 'done';
      job.errors.push(`${row.email}: ${text}`);
      return 'retry';
    }
    await this.record(row, sentAt, template);
    if (job.resend) this.metrics.notificationsResent.inc({ template });
    return 'done';
  }

  /**
   * For shutdown, before the database pool closes: no new send starts (the job fails this attempt and BullMQ
   * retries it later), and the sends in flight are recorded.
   */
  async drain(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Records a confirmed send, trying a few times; if the database will not take it, remembers it and throws. */
  private async record(row: DeliveryRow, sentAt: Date, template: TemplateName): Promise<void> {
    let lastError: unknown;
    for (let i = 0; i < 3; i++) {
      try {
        if (await this.deliveries.markSent(row.id, sentAt)) this.metrics.notificationsSent.inc({ template });
        this.unrecorded.delete(row.id);
        return;
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 100 * 2 ** i));
      }
    }
    this.unrecorded.set(row.id, sentAt);
    throw new Error(
      `message ${row.message_id} was sent but could not be recorded (${(lastError as Error)?.message}); it will be recorded, not sent again, on the next attempt`,
    );
  }

  /** The due date to show (the next pending one, or the one that just passed) and the event's quoted details. */
  private async effectContext(outboxId: string): Promise<EffectContext> {
    const { payload: p, nextDue, passedDue } = await this.engine.effectContext(outboxId);
    const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    return {
      nextDue,
      passedDue,
      details: { comment: str(p.comment), reason: str(p.reason), decisionNumber: str(p.decisionNumber), decisionDate: str(p.decisionDate) },
    };
  }
}

/** notifications/notify: the emails of a `notify` effect. */
export const notifyJob = defineJob({
  queue: { name: 'notifications', concurrency: 16 },
  name: 'notify',
  version: 1,
  payload: NotifyPayload,
  handler: NotifyJob,
});

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || 'ntm';
  } catch {
    return 'ntm';
  }
}

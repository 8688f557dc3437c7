import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** One prom-client registry per application: default process metrics plus the service's own. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Emails the transport confirmed (SMTP 250, or the .eml file written), by template. */
  readonly notificationsSent: Counter<'template'>;
  /**
   * Emails that will not be sent automatically, by template and reason: `rejected` (a 5xx reply),
   * `retries_exhausted` (still failing after the job's last attempt), `no_address`.
   */
  readonly notificationsFailed: Counter<'template' | 'reason'>;
  /** Emails sent again, same Message-ID, because a worker stopped between a send and recording it. */
  readonly notificationsResent: Counter<'template'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.notificationsSent = new Counter({
      name: 'notifications_sent_total',
      help: 'Emails sent (confirmed by the mail transport), by template',
      labelNames: ['template'],
      registers: [this.registry],
    });
    this.notificationsFailed = new Counter({
      name: 'notifications_failed_total',
      help: 'Emails given up on (rejected, retries exhausted, no address), by template and reason',
      labelNames: ['template', 'reason'],
      registers: [this.registry],
    });
    this.notificationsResent = new Counter({
      name: 'notifications_resent_total',
      help: 'Emails sent again with the same Message-ID after a worker stopped between sending and recording, by template',
      labelNames: ['template'],
      registers: [this.registry],
    });
  }
}

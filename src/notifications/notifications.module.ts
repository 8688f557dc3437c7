import { Global, Inject, Module, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DeliveryLog } from './delivery-log.js';
import { NotifyJob } from './notify-job.js';
import { RecipientResolver } from './recipients.js';
import { SubjectDirectory } from './subject-directory.js';
import { createMailTransport, MailTransport } from './transport.js';

/**
 * Email notifications: the notifications/notify job's handler (recipients, templates, transport, delivery log) and the
 * SubjectDirectory where domain modules (certification, funding) tell how to describe their subjects. Global,
 * so those modules inject SubjectDirectory without importing this module. The transport connects on the first
 * send only, so an `api` process that never sends opens no SMTP connection.
 */
@Global()
@Module({
  providers: [
    SubjectDirectory,
    RecipientResolver,
    DeliveryLog,
    NotifyJob,
    { provide: MailTransport, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createMailTransport(config) },
  ],
  exports: [SubjectDirectory],
})
export class NotificationsModule implements OnModuleDestroy {
  constructor(
    private readonly notify: NotifyJob,
    @Inject(MailTransport) private readonly transport: MailTransport,
  ) {}

  /** Sends in flight are recorded before the database pool (a global module destroyed after this one) closes. */
  async onModuleDestroy(): Promise<void> {
    await this.notify.drain();
    await this.transport.close();
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { Actor } from '../../auth/actor.js';
import { TooManyRequests } from '../../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { Db } from '../../database/db.js';
import { DossiersRepository } from '../dossiers.repository.js';
import type { UploadLimit } from './file-store.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * UPLOAD_QUOTA_MB_PER_DAY: how much one user may attach over any 24 hours, to dossiers and assessments alike.
 * Checked three times: before an upload's body is read (its declared length), while it streams (the store stops
 * at what is left, whatever the length said or when none was sent), and when the file is kept, under a lock per
 * user, so that two uploads of one user at once cannot both pass the check.
 */
@Injectable()
export class UploadQuota {
  constructor(
    private readonly repository: DossiersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Before the body is read: refuses `declaredBytes` past what is left, else the limit the stream is held to. */
  async limitFor(actor: Actor, declaredBytes: number): Promise<UploadLimit> {
    const left = await this.left(actor);
    if (declaredBytes > left) throw this.refusal();
    return { bytes: left, refusal: () => this.refusal() };
  }

  /** In the transaction that keeps a file of `bytes`: holds the user's quota until it ends, refuses past it. */
  async reserve(tx: Db, actor: Actor, bytes: number): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`upload-quota:${actor.id}`}, 0))`.execute(tx);
    if (bytes > (await this.left(actor, tx))) throw this.refusal();
  }

  private async left(actor: Actor, db?: Db): Promise<number> {
    const used = await this.repository.bytesUploadedSince(actor.id, new Date(Date.now() - DAY_MS), db);
    return Math.max(0, this.config.uploadQuotaBytesPerDay - used);
  }

  private refusal(): TooManyRequests {
    return new TooManyRequests('upload_quota_exceeded', { mb: Math.round(this.config.uploadQuotaBytesPerDay / 1024 / 1024) }, 3600);
  }
}

import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { Conflict, NotFound, NotPermitted } from '../common/errors.js';
import { EngineService } from '../engine/engine.service.js';
import { statesTagged } from '../engine/machine.js';
import { ContentAddressedStore, type UploadedFileInfo, type UploadLimit } from '../certification/attachments/file-store.js';
import { UploadQuota } from '../certification/attachments/upload-quota.js';
import type { UploadGate } from '../certification/attachments/receive-upload.interceptor.js';
import { ASSESSMENT_DOCUMENT_KINDS, assessmentMachine, type AssessmentDocumentKind } from '../../workflows/assessment/v1.js';
import { AssessmentsRepository } from './assessments.repository.js';
import { ASSESSMENT, AssessmentsService } from './assessments.service.js';

/** Where the commune may attach evidence: the states the machine tags `commune_attaches`. */
const ATTACHING = statesTagged(assessmentMachine, 'commune_attaches');

/** An assessment's evidence, in the dossiers' content-addressed store, under the same upload quota. */
@Injectable()
export class AssessmentAttachmentsService implements UploadGate {
  constructor(
    private readonly assessments: AssessmentsService,
    private readonly repository: AssessmentsRepository,
    private readonly engine: EngineService,
    private readonly store: ContentAddressedStore,
    private readonly quota: UploadQuota,
  ) {}

  /** Only the village's commune staff attach, while the assessment is with them. */
  private async check(actor: Actor, id: string, state?: string) {
    const row = await this.assessments.visible(actor, id);
    if (actor.role !== 'COMMUNE_STAFF' || actor.unitId !== row.commune_id)
      throw new NotPermitted('commune_only', { action: { vi: 'đính kèm tài liệu minh chứng', en: 'attach evidence' } });
    const now = state ?? row.state;
    if (!ATTACHING.includes(now)) throw new Conflict('assessment_attachments_closed', { state: this.engine.stateWords(ASSESSMENT, now) });
    return row;
  }

  /** Whether the caller may attach evidence to the assessment now (what its page offers): the same rule as check(). */
  canAttach(actor: Actor, a: { communeId: string; state: string }): boolean {
    return actor.role === 'COMMUNE_STAFF' && actor.unitId === a.communeId && ATTACHING.includes(a.state);
  }

  /** Before an upload's body is read (ReceiveUpload's gate). */
  async mayReceive(actor: Actor, id: string, declaredBytes: number): Promise<UploadLimit> {
    await this.check(actor, id);
    return this.quota.limitFor(actor, declaredBytes);
  }

  async add(actor: Actor, id: string, file: UploadedFileInfo, kind: AssessmentDocumentKind) {
    await this.check(actor, id);
    const fileName = file.fileName.normalize('NFC');
    const attachmentId = randomUUID();
    await this.engine.transaction(async (tx) => {
      // Under the instance's lock, so a file cannot land after a SUBMIT it raced.
      const locked = await this.engine.lockState(tx, { type: ASSESSMENT, id });
      if (!locked || !ATTACHING.includes(locked.state))
        throw new Conflict('assessment_attachments_closed', { state: this.engine.stateWords(ASSESSMENT, locked?.state ?? '') });
      await this.quota.reserve(tx, actor, file.size);
      await this.store.keep(file);
      await this.repository.insertAttachment(tx, {
        id: attachmentId,
        assessmentId: id,
        kind,
        fileName,
        size: file.size,
        sha256: file.sha256,
        mimeType: file.mimeType,
        uploadedBy: actor.id,
      });
    });
    return { id: attachmentId, fileName, size: file.size, sha256: file.sha256, mimeType: file.mimeType, kind };
  }

  async find(actor: Actor, id: string, attachmentId: string) {
    await this.assessments.visible(actor, id);
    const row = await this.repository.attachment(id, attachmentId);
    if (!row) throw new NotFound('attachment');
    return { fileName: row.file_name, size: row.size, sha256: row.sha256, mimeType: row.mime_type, path: this.store.pathOf(row.sha256) };
  }

  static readonly KINDS = Object.keys(ASSESSMENT_DOCUMENT_KINDS) as AssessmentDocumentKind[];
}

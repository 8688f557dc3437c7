import { ForbiddenException, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../auth/actor.js';
import { conflict, notFound } from '../../common/http-errors.js';
import { DossiersRepository } from '../dossiers.repository.js';
import { DOSSIER, DossiersService } from '../dossiers.service.js';
import { EngineService } from '../../engine/engine.service.js';
import { ContentAddressedStore, type UploadedFileInfo } from './file-store.js';

/** States in which the commune may still add documents; a province officer may attach its decision later. */
const COMMUNE_STATES = ['draft', 'consultation', 'ready_to_submit', 'revision_requested'];
const PROVINCE_STATES = ['province_review', 'certified'];

@Injectable()
export class AttachmentsService {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly repository: DossiersRepository,
    private readonly store: ContentAddressedStore,
    private readonly engine: EngineService,
  ) {}

  async add(actor: Actor, dossierId: string, file: UploadedFileInfo, kind: string) {
    const dossier = await this.dossiers.visible(actor, dossierId);
    const commune = actor.role === 'COMMUNE_STAFF' && actor.unitId === dossier.commune_id;
    if (actor.role === 'COMMUNE_STAFF' && !commune) throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', message: 'only the village\'s commune staff may attach files' });
    const states = commune ? COMMUNE_STATES : PROVINCE_STATES;
    const fileName = file.fileName.normalize('NFC');
    const id = randomUUID();
    // The state is checked under the instance's lock, so an upload cannot land after a SUBMIT it raced.
    await this.engine.transaction(async (tx) => {
      const locked = await this.engine.lockState(tx, { type: DOSSIER, id: dossierId });
      if (!locked || !states.includes(locked.state)) throw conflict(`files cannot be attached in state ${locked?.state ?? dossier.state}`);
      await this.store.keep(file);
      await this.repository.insertAttachment(
        { id, dossierId, kind, fileName, size: file.size, sha256: file.sha256, mimeType: file.mimeType, uploadedBy: actor.id },
        tx,
      );
    });
    return { id, fileName, size: file.size, sha256: file.sha256, mimeType: file.mimeType, kind };
  }

  async find(actor: Actor, dossierId: string, attachmentId: string) {
    await this.dossiers.visible(actor, dossierId);
    const row = await this.repository.attachment(dossierId, attachmentId);
    if (!row) throw notFound('attachment');
    return { fileName: row.file_name, size: row.size, sha256: row.sha256, mimeType: row.mime_type, path: this.store.pathOf(row.sha256) };
  }
}

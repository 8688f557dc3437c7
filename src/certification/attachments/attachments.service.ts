import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../auth/actor.js';
import { Conflict, NotFound, NotPermitted } from '../../common/errors.js';
import { DossiersRepository } from '../dossiers.repository.js';
import { DOSSIER, DossiersService } from '../dossiers.service.js';
import { EngineService } from '../../engine/engine.service.js';
import { statesTagged } from '../../engine/machine.js';
import { certificationMachine } from '../../../workflows/certification/v1.js';
import { ContentAddressedStore, type UploadedFileInfo } from './file-store.js';

/** States in which the commune may still add documents; a province officer may attach its decision later. */
const COMMUNE_STATES = statesTagged(certificationMachine, 'commune_attaches');
const PROVINCE_STATES = statesTagged(certificationMachine, 'province_attaches');

@Injectable()
export class AttachmentsService {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly repository: DossiersRepository,
    private readonly store: ContentAddressedStore,
    private readonly engine: EngineService,
  ) {}

  /** Whether the caller may attach files to the dossier now: its commune's staff or a province officer, by state. */
  canAttach(actor: Actor, dossier: { communeId: string; state: string }): boolean {
    if (actor.role === 'COMMUNE_STAFF') return actor.unitId === dossier.communeId && COMMUNE_STATES.includes(dossier.state);
    return actor.role === 'PROVINCE_OFFICER' && PROVINCE_STATES.includes(dossier.state);
  }

  async add(actor: Actor, dossierId: string, file: UploadedFileInfo, kind: string) {
    const dossier = await this.dossiers.visible(actor, dossierId);
    // Only the commune's staff and province officers attach files, whichever door the request came by.
    if (actor.role !== 'COMMUNE_STAFF' && actor.role !== 'PROVINCE_OFFICER')
      throw new NotPermitted('role_may_not', { role: actor.role, roles: 'COMMUNE_STAFF or PROVINCE_OFFICER' });
    const commune = actor.role === 'COMMUNE_STAFF' && actor.unitId === dossier.commune_id;
    if (actor.role === 'COMMUNE_STAFF' && !commune)
      throw new NotPermitted('commune_only', { action: { vi: 'đính kèm tệp', en: 'attach files' } });
    const states = commune ? COMMUNE_STATES : PROVINCE_STATES;
    const fileName = file.fileName.normalize('NFC');
    const id = randomUUID();
    // The state is checked under the instance's lock, so an upload cannot land after a SUBMIT it raced.
    await this.engine.transaction(async (tx) => {
      const locked = await this.engine.lockState(tx, { type: DOSSIER, id: dossierId });
      if (!locked || !states.includes(locked.state))
        throw new Conflict('attachments_closed', { state: this.engine.stateWords('certification', locked?.state ?? dossier.state) });
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
    if (!row) throw new NotFound('attachment');
    return { fileName: row.file_name, size: row.size, sha256: row.sha256, mimeType: row.mime_type, path: this.store.pathOf(row.sha256) };
  }
}

import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../auth/actor.js';
import { Conflict, NotFound, NotPermitted } from '../../common/errors.js';
import { DossiersRepository } from '../dossiers.repository.js';
import { DOSSIER, DossiersService } from '../dossiers.service.js';
import { EngineService } from '../../engine/engine.service.js';
import { statesTagged } from '../../engine/machine.js';
import { certificationMachine } from '../../../workflows/certification/v2.js';
import { DOCUMENT_KINDS, kindsAttachedBy, type DocumentKind } from '../../../workflows/certification/documents.js';
import { PARTIES, PARTY_NAMES, type PartyName } from '../../../workflows/common/parties.js';
import { isParty } from '../../engine/authoriser.js';
import { ContentAddressedStore, type UploadedFileInfo, type UploadLimit } from './file-store.js';
import { UploadQuota } from './upload-quota.js';

/** Where each party may add documents: the states the machine tags `commune_attaches`, `reviewers_attach`, `province_attaches`. */
const STATES: Record<PartyName, string[]> = {
  commune: statesTagged(certificationMachine, 'commune_attaches'),
  reviewers: statesTagged(certificationMachine, 'reviewers_attach'),
  province: statesTagged(certificationMachine, 'province_attaches'),
};

@Injectable()
export class AttachmentsService {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly repository: DossiersRepository,
    private readonly store: ContentAddressedStore,
    private readonly engine: EngineService,
    private readonly quota: UploadQuota,
  ) {}

  /** The party the caller is to the dossier (the commune's staff, its reviewers, a province officer), if any. */
  partyOf(actor: Actor, dossier: { unitPath: string }): PartyName | undefined {
    return PARTY_NAMES.find((p) => isParty(PARTIES[p], actor, dossier.unitPath));
  }

  /** The kinds the caller may attach to the dossier now (none when it may attach nothing in this state). */
  attachableKinds(actor: Actor, dossier: { unitPath: string; state: string }): DocumentKind[] {
    const party = this.partyOf(actor, dossier);
    return party && STATES[party].includes(dossier.state) ? kindsAttachedBy(party) : [];
  }

  /** Whether the caller may attach files to the dossier now. */
  canAttach(actor: Actor, dossier: { unitPath: string; state: string }): boolean {
    return this.attachableKinds(actor, dossier).length > 0;
  }

  /**
   * Before an upload's body is read: the dossier is one the caller may see (404), the caller is one of its parties
   * (403), its state takes that party's documents (409), and `declaredBytes` (the request's length) fits in the
   * caller's upload quota for the last 24 hours (429). Nothing of the body is stored when one of these fails.
   */
  async mayReceive(actor: Actor, dossierId: string, declaredBytes: number): Promise<UploadLimit> {
    const dossier = await this.dossiers.visible(actor, dossierId);
    const party = this.partyOf(actor, { unitPath: dossier.unit_path });
    if (!party) throw new NotPermitted('commune_only', { action: { vi: 'đính kèm tệp', en: 'attach files' } });
    if (!STATES[party].includes(dossier.state))
      throw new Conflict('attachments_closed', { state: this.engine.stateWords('certification', dossier.state) });
    return this.quota.limitFor(actor, declaredBytes);
  }

  async add(actor: Actor, dossierId: string, file: UploadedFileInfo, kind: DocumentKind) {
    const dossier = await this.dossiers.visible(actor, dossierId);
    // Only the dossier's parties attach, each its own kinds (documents.ts), whichever door the request came by.
    const party = this.partyOf(actor, { unitPath: dossier.unit_path });
    if (!party) throw new NotPermitted('commune_only', { action: { vi: 'đính kèm tệp', en: 'attach files' } });
    const kinds = kindsAttachedBy(party);
    if (!kinds.includes(kind))
      throw new NotPermitted('attachment_kind_not_yours', {
        role: actor.role,
        kind,
        kinds: kinds.join(', '),
        kindsVi: kinds.map((k) => DOCUMENT_KINDS[k].vi).join(', '),
      });
    const fileName = file.fileName.normalize('NFC');
    const id = randomUUID();
    // The state is checked under the instance's lock, so an upload cannot land after a SUBMIT it raced.
    await this.engine.transaction(async (tx) => {
      const locked = await this.engine.lockState(tx, { type: DOSSIER, id: dossierId });
      if (!locked || !STATES[party].includes(locked.state))
        throw new Conflict('attachments_closed', { state: this.engine.stateWords('certification', locked?.state ?? dossier.state) });
      await this.quota.reserve(tx, actor, file.size);
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

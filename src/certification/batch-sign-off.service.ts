import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { scopePath } from '../auth/jurisdiction.js';
import { DomainError, RuleViolation } from '../common/errors.js';
import { EngineService } from '../engine/engine.service.js';
import type { BatchSignOffDto, DossierView } from './dossiers.dto.js';
import { DossiersRepository } from './dossiers.repository.js';
import { DOSSIER, DossiersService } from './dossiers.service.js';

/**
 * A province decision that certifies several villages at once (as a province's decisions do): the signed
 * decision, uploaded to one of the dossiers, is attached to every other, and each is sent SIGN_OFF with the
 * decision's number and date, all in one transaction. One dossier that cannot be signed off (not in province
 * review, out of the officer's jurisdiction, already signed) refuses the whole decision with that dossier's
 * reason and id, and nothing is written.
 */
@Injectable()
export class BatchSignOffService {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly repository: DossiersRepository,
    private readonly engine: EngineService,
  ) {}

  async signOff(actor: Actor, dto: BatchSignOffDto): Promise<{ dossiers: DossierView[] }> {
    // In id order, so that two decisions naming the same dossiers lock them in the same order.
    const ids = [...dto.dossierIds].sort();
    for (const id of ids) await this.blame(id, () => this.dossiers.visible(actor, id));
    const decision = await this.repository.attachmentAmong(ids, dto.decisionAttachmentId);
    if (!decision || decision.kind !== 'decision') throw new RuleViolation('batch_decision_document', 'batch_decision_document');
    const event = { type: 'SIGN_OFF', decisionNumber: dto.decisionNumber, decisionDate: dto.decisionDate };
    await this.engine.transaction(async (tx) => {
      for (const id of ids) {
        await this.blame(id, async () => {
          if (!(await this.repository.hasDocument(tx, id, 'decision', decision.sha256))) {
            await this.repository.insertAttachment(
              {
                id: randomUUID(),
                dossierId: id,
                kind: 'decision',
                fileName: decision.file_name,
                size: decision.size,
                sha256: decision.sha256,
                mimeType: decision.mime_type,
                uploadedBy: actor.id,
              },
              tx,
            );
          }
          await this.engine.send({ type: DOSSIER, id }, event, actor, { tx });
        });
      }
    });
    return { dossiers: await Promise.all(ids.map((id) => this.dossiers.get(actor, id))) };
  }

  /**
   * The signed decisions a batch may use: the `decision` documents attached to these dossiers (those the caller
   * may see), one entry per stored file, with the first dossier it is attached to.
   */
  async decisionDocuments(actor: Actor, dossierIds: string[]): Promise<{ id: string; fileName: string; dossierId: string }[]> {
    if (dossierIds.length === 0) return [];
    const rows = await this.repository.documentsAmong(dossierIds, 'decision', scopePath(actor));
    const seen = new Set<string>();
    return rows
      .filter((r) => !seen.has(r.sha256) && seen.add(r.sha256))
      .map((r) => ({ id: r.id, fileName: r.file_name, dossierId: r.dossier_id }));
  }

  /** Runs one dossier's part; a refusal names the dossier it came from (`dossierId` in the error body). */
  private async blame<T>(id: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof DomainError) err.details.dossierId = id;
      throw err;
    }
  }
}

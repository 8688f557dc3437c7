import { Injectable } from '@nestjs/common';
import { EngineRepository } from '../engine/engine.repository.js';
import { HistoryHasher } from '../engine/history-hash.js';
import { checkpointProblem, makeCheckpoint, type Checkpoint, type CheckpointEntry } from './checkpoint.js';
import { CheckpointStore } from './checkpoint.store.js';

/**
 * Writes a signed checkpoint of every chain's head. What the previous checkpoint held and the database no longer
 * does (an instance gone, a chain shorter) is carried over as it was, so a deletion stays found after the next
 * checkpoint instead of being taken as the new truth.
 */
@Injectable()
export class CheckpointService {
  constructor(
    private readonly engine: EngineRepository,
    private readonly hasher: HistoryHasher,
    private readonly store: CheckpointStore,
  ) {}

  async write(): Promise<{ name: string; checkpoint: Checkpoint }> {
    const heads: CheckpointEntry[] = await this.engine.snapshot((db) => this.engine.chainHeads(db));
    const previous = await this.store.latest();
    const byId = new Map(heads.map((h) => [h.instanceId, h]));
    if (previous && !checkpointProblem(this.hasher, previous.checkpoint)) {
      for (const old of previous.checkpoint.instances) {
        const now = byId.get(old.instanceId);
        if (!now || now.events < old.events) byId.set(old.instanceId, old);
      }
    }
    const checkpoint = makeCheckpoint(this.hasher, new Date(), [...byId.values()]);
    return { name: await this.store.write(checkpoint), checkpoint };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { Checkpoint } from './checkpoint.js';

/** The signed checkpoints, one JSON file each in STORAGE_DIR/audit-checkpoints, named by their time (so sorted). */
@Injectable()
export class CheckpointStore {
  private readonly dir: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.dir = join(config.storageDir, 'audit-checkpoints');
  }

  /** Writes a checkpoint whole (temporary file, then rename) and returns its file name. */
  async write(checkpoint: Checkpoint): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const name = `${checkpoint.at.replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.json`;
    const temporary = join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(temporary, JSON.stringify(checkpoint), { mode: 0o600 });
    await rename(temporary, join(this.dir, name));
    return name;
  }

  /** The latest checkpoint's file name, or undefined when none was written. */
  async latestName(): Promise<string | undefined> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return names[names.length - 1];
  }

  /** The latest checkpoint and its file name, or undefined when none was written. */
  async latest(): Promise<{ name: string; text: string; checkpoint: Checkpoint } | undefined> {
    const name = await this.latestName();
    return name ? this.read(name) : undefined;
  }

  /** One checkpoint by its file name (an unreadable one as an empty object, which its check then refuses). */
  async read(name: string): Promise<{ name: string; text: string; checkpoint: Checkpoint }> {
    const text = await readFile(join(this.dir, name), 'utf8');
    let checkpoint: Checkpoint;
    try {
      checkpoint = JSON.parse(text) as Checkpoint;
    } catch {
      checkpoint = {} as Checkpoint;
    }
    return { name, text, checkpoint };
  }
}

import { Injectable } from '@nestjs/common';
import type { SubjectRef } from '../engine/engine.types.js';

/** What a message needs to know about a workflow's subject, told by the domain module that owns it. */
export interface SubjectDescription {
  /** e.g. "Hồ sơ đề nghị công nhận thôn Pò Háng đạt chuẩn nông thôn mới năm 2026" / the work's title */
  title: { vi: string; en: string };
  villageName: string;
  communeName: string;
  /** The subject's unit path (a village's): recipients are resolved from it. */
  unitPath: string;
  /** Path of the subject in the web app, appended to PUBLIC_URL, e.g. /dossiers/<id> */
  link: string;
}

export type SubjectDescriber = (id: string) => Promise<SubjectDescription | null>;

/** Domain modules register how to describe their subjects (dossier, project); notifications ask here. */
@Injectable()
export class SubjectDirectory {
  private readonly describers = new Map<string, SubjectDescriber>();

  register(subjectType: string, describer: SubjectDescriber): void {
    this.describers.set(subjectType, describer);
  }

  describe(subject: SubjectRef): Promise<SubjectDescription | null> {
    const describer = this.describers.get(subject.type);
    if (!describer) throw new Error(`no describer for subject type ${subject.type}`);
    return describer(subject.id);
  }
}

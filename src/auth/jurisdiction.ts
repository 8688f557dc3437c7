import type { Actor } from './actor.js';

/**
 * The unit tree decides what a caller may see: everything under its own unit (an ADMIN sees all).
 * Every repository filters by `scopePath(actor)`; a subject outside it is reported as missing (404).
 */
export function scopePath(actor: Actor): string {
  return actor.role === 'ADMIN' ? '' : actor.unitPath;
}

export function canSee(actor: Actor, subjectPath: string): boolean {
  return subjectPath.startsWith(scopePath(actor));
}

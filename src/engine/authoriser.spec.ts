import { relationHolds, unitAt } from './authoriser.js';
import type { EngineActor } from './engine.types.js';

describe('relationHolds', () => {
  // province P > district D > commune C > village V, and a two-tier tree province P > commune C2 > village V2.
  const village = '/P/D/C/V/';
  const twoTier = '/P/C2/V2/';
  const actor = (unitId: string, unitPath: string): EngineActor => ({ id: 'u', role: 'REVIEWER', unitId, unitPath });

  it('ancestor:n is the n-th unit above the subject', () => {
    expect(relationHolds('ancestor:0', actor('V', '/P/D/C/V/'), village)).toBe(true);
    expect(relationHolds('ancestor:1', actor('C', '/P/D/C/'), village)).toBe(true);
    expect(relationHolds('ancestor:1', actor('D', '/P/D/'), village)).toBe(false);
    expect(relationHolds('ancestor:2', actor('D', '/P/D/'), village)).toBe(true);
    expect(relationHolds('ancestor:2', actor('P', '/P/'), village)).toBe(false);
    expect(relationHolds('ancestor:2', actor('P', '/P/'), twoTier)).toBe(true);
  });

  it('root is the top of the tree', () => {
    expect(relationHolds('root', actor('P', '/P/'), village)).toBe(true);
    expect(relationHolds('root', actor('D', '/P/D/'), village)).toBe(false);
  });

  it('within is any unit containing the subject', () => {
    expect(relationHolds('within', actor('D', '/P/D/'), village)).toBe(true);
    expect(relationHolds('within', actor('X', '/P/X/'), village)).toBe(false);
  });

  it('an unknown relation never holds', () => {
    expect(relationHolds('sibling' as never, actor('C', '/P/D/C/'), village)).toBe(false);
  });

  it('unitAt names the unit in a relation: the parties notifications go to', () => {
    expect(unitAt('ancestor:1', village)).toBe('C');
    expect(unitAt('ancestor:2', village)).toBe('D');
    expect(unitAt('ancestor:2', twoTier)).toBe('P');
    expect(unitAt('root', village)).toBe('P');
    expect(unitAt('within', village)).toBeNull();
    expect(unitAt('ancestor:9', village)).toBeNull();
  });
});

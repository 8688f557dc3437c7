import { canonicalJson, eventHash, type HashedFields } from './history-hash.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('encodes the same value the same way whatever its key order', () => {
    expect(canonicalJson({ x: 1, y: 'Thôn Bản Chắt', z: [1.5, true] })).toBe(canonicalJson({ z: [1.5, true], y: 'Thôn Bản Chắt', x: 1 }));
  });

  it('encodes scalars as JSON and undefined as null', () => {
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined])).toBe('[null]');
    expect(canonicalJson(0.1)).toBe('0.1');
  });

  it('survives a round trip through JSON (as the database stores payloads)', () => {
    const value = { share: 0.9, note: 'Họp dân ngày 5/3', nested: { list: [1, 'hai', null, { k: false }] } };
    expect(canonicalJson(JSON.parse(canonicalJson(value)))).toBe(canonicalJson(value));
  });
});

describe('eventHash', () => {
  const base: HashedFields = {
    instanceId: 'i-1',
    seq: 2,
    type: 'SUBMIT',
    actorId: 'u-1',
    actorRole: 'COMMUNE_STAFF',
    actorUnitId: 'unit-1',
    payload: { agreement: 0.95 },
    fromState: 'draft',
    toState: 'review',
    at: '2026-03-02T02:00:00.000Z',
    prevHash: 'a'.repeat(64),
  };

  it('is a SHA-256 hex digest, stable for the same fields', () => {
    expect(eventHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash({ ...base, payload: { agreement: 0.95 } })).toBe(eventHash(base));
  });

  it.each(Object.keys(base) as (keyof HashedFields)[])('changes when %s changes', (field) => {
    const value = base[field];
    const changed =
      typeof value === 'number' ? value + 1 : typeof value === 'string' ? `${value}x` : value === null ? 'x' : { agreement: 0.96 };
    expect(eventHash({ ...base, [field]: changed })).not.toBe(eventHash(base));
  });

  it('distinguishes a null actor from the string "null"', () => {
    expect(eventHash({ ...base, actorId: null })).not.toBe(eventHash({ ...base, actorId: 'null' }));
  });
});

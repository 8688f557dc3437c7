import pg from 'pg';
import { dropDatabase, ensureDatabase } from '../src/database/migrator.js';
import { PreparedStatements, runBatch, sqlLiteral, StatementBatch } from '../src/engine/statement-batch.js';
import { testDatabaseUrl } from './support/app.js';

/**
 * The engine's batches (src/engine/statement-batch.ts) against real PostgreSQL: parameters inlined as
 * literals must reach the server exactly as node-postgres would send them, deferred writes keep their order
 * with immediate ones, and a failing one leaves nothing written.
 */
describe('statement batches', () => {
  const url = testDatabaseUrl('statement_batch');
  let pool: pg.Pool;

  beforeAll(async () => {
    await dropDatabase(url);
    await ensureDatabase(url);
    pool = new pg.Pool({ connectionString: url, max: 2 });
    await pool.query(
      `CREATE TABLE t (id int PRIMARY KEY, name text, doc jsonb, tags text[], docs jsonb[], at timestamptz, n bigint, ok boolean, seq serial)`,
    );
  });

  afterAll(async () => {
    await pool.end();
    await dropDatabase(url);
  });

  /** Runs `work` on a pooled connection with `statements` defined ({name: text}) and prepared on it. */
  async function withStatements(
    defs: Record<string, string>,
    work: (client: pg.PoolClient, statements: PreparedStatements) => Promise<void>,
  ) {
    const statements = new PreparedStatements();
    for (const [name, text] of Object.entries(defs)) statements.define(name, text);
    const client = await pool.connect();
    try {
      await statements.prepare(client);
      await work(client, statements);
    } finally {
      client.release();
    }
  }

  const awkward = [
    'Nà Lầy, Đào Viên', // NFC Vietnamese
    'Na\u0300 La\u0302\u0300y', // NFD: kept as given, not normalised here
    'O\'Brien \\ back\\slash "quoted" $1 ; DROP TABLE t; --',
    '',
    'line\nbreak\ttab',
    '😀 emoji',
  ];

  it('inlines values so the server receives what node-postgres would send', async () => {
    await withStatements(
      { insert: 'INSERT INTO t (id, name, doc, tags, docs, at, n, ok) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)' },
      async (client, statements) => {
        const at = new Date('2026-02-14T01:02:03.456Z');
        const doc = { name: awkward[0], nested: { quote: awkward[2], list: [1, null, 'x'] } };
        const batch = new StatementBatch(client, statements);
        awkward.forEach((name, i) =>
          batch.defer('insert', [i, name, doc, [name, null, 'b,c'], [doc, { i }], at, 9_007_199_254_740_991n, i % 2 === 0]),
        );
        batch.defer('insert', [100, null, null, null, null, null, null, null]);
        await batch.flush();
        const { rows } = await client.query('SELECT id, name, doc, tags, docs, at, n::text AS n, ok FROM t ORDER BY id');
        expect(rows).toHaveLength(awkward.length + 1);
        awkward.forEach((name, i) => {
          expect(rows[i]).toEqual({
            id: i,
            name,
            doc,
            tags: [name, null, 'b,c'],
            docs: [doc, { i }],
            at,
            n: '9007199254740991',
            ok: i % 2 === 0,
          });
        });
        expect(rows[awkward.length]).toEqual({ id: 100, name: null, doc: null, tags: null, docs: null, at: null, n: null, ok: null });
      },
    );
  });

  it('quotes what could end the literal', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(undefined)).toBe('NULL');
  });

  it('sends deferred statements before an immediate one, in the order they were issued', async () => {
    await withStatements({ put: 'INSERT INTO t (id, name) VALUES ($1, $2)' }, async (client, statements) => {
      await client.query('BEGIN');
      const batch = new StatementBatch(client, statements);
      batch.defer('put', [200, 'first']);
      // The immediate query sees the deferred insert: it was sent ahead of it.
      const seen = await batch.tx.query('SELECT name FROM t WHERE id = 200');
      expect(seen.rows).toEqual([{ name: 'first' }]);
      batch.defer('put', [201, 'second']);
      const [count] = await batch.flush('SELECT count(*)::int AS n FROM t WHERE id IN (200, 201)', 'COMMIT');
      expect(count.rows).toEqual([{ n: 2 }]);
      const { rows } = await pool.query('SELECT id FROM t WHERE id IN (200, 201) ORDER BY seq');
      expect(rows.map((r) => r.id)).toEqual([200, 201]);
    });
  });

  it('a failing statement in a batch leaves nothing of the transaction written', async () => {
    await withStatements({ put: 'INSERT INTO t (id, name) VALUES ($1, $2)' }, async (client, statements) => {
      await client.query('BEGIN');
      const batch = new StatementBatch(client, statements);
      batch.defer('put', [300, 'kept?']);
      batch.defer('put', [300, 'duplicate key']);
      await expect(batch.flush('COMMIT')).rejects.toMatchObject({ code: '23505' });
      await client.query('ROLLBACK');
      expect((await pool.query('SELECT 1 FROM t WHERE id = 300')).rowCount).toBe(0);
      // The connection is usable afterwards, its statements still prepared.
      await runBatch(client, ['BEGIN', statements.execute('put', [301, 'after']), 'COMMIT']);
      expect((await pool.query('SELECT name FROM t WHERE id = 301')).rows).toEqual([{ name: 'after' }]);
    });
  });

  it('prepares statements defined later on connections that already have the earlier ones', async () => {
    await withStatements({ one: 'SELECT $1::int + 1 AS n' }, async (client, statements) => {
      statements.define('two', 'SELECT $1::int + 2 AS n');
      statements.define('one', 'SELECT $1::int + 1 AS n'); // the same text again: harmless
      expect(() => statements.define('one', 'SELECT 0')).toThrow(/another text/);
      await statements.prepare(client);
      const [a, b] = await runBatch(client, [statements.execute('one', [1]), statements.execute('two', [1])]);
      expect([a.rows[0].n, b.rows[0].n]).toEqual([2, 3]);
      expect(() => statements.execute('three', [])).toThrow(/not defined/);
    });
  });
});

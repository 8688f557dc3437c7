import { HistoryHasher, snapshotDigest } from '../src/engine/history-hash.js';
import { ADMIN, startTestApp, type TestApp } from './support/app.js';
import { engineHarness, engineOverrides, type EngineHarness, asHistoryOwner } from './support/test-workflow.js';

/** The history is a hash chain per instance; GET /audit/verify recomputes it and names the first bad row. */
describe('engine history audit', () => {
  let t: TestApp;
  let h: EngineHarness;
  let admin: string;
  const instances: { id: string; subject: { type: string; id: string } }[] = [];

  beforeAll(async () => {
    t = await startTestApp('engine_audit', { DEADLINE_OVERRIDES: 'test.review=PT1H' }, engineOverrides());
    h = await engineHarness(t.app);
    admin = await t.login(ADMIN.username, ADMIN.password);
    // A few instances with payloads that must hash the same after a round trip through JSONB.
    const payloads: Record<string, unknown>[] = [
      { note: 'Thôn Bản Chắt đạt tiêu chí 17', share: 0.95, nested: { z: [1, 'hai', null, { ok: true }], a: -0 } },
      { big: 1e21, tiny: 1e-7, sum: 0.1 + 0.2, long: 123456789.12345679, empty: {}, list: [] },
      { text: 'quote " backslash \\ tab \t line\u2028end', emoji: '🌾', combining: 'Hòa' },
    ];
    for (const [i, payload] of payloads.entries()) {
      const subject = h.subject('audit');
      const started = await h.engine.start('test', subject, h.actors.commune, { required: 1, extra: payload });
      await h.engine.send(subject, { type: 'SUBMIT', ...payload }, h.actors.commune);
      await h.engine.send(subject, { type: 'REVIEW', index: i, ...payload }, h.actors.reviewer);
      await h.engine.send(subject, { type: 'REVIEW', index: i + 100 }, h.actors.reviewer);
      await h.engine.send(subject, { type: 'APPROVE' }, h.actors.reviewer);
      instances.push({ id: started.instanceId, subject });
    }
  });
  afterAll(async () => t?.close());

  async function verify() {
    const res = await t.http.get('/audit/verify').set('Authorization', admin);
    expect(res.status).toBe(200);
    return res.body as { ok: boolean; checkedEvents: number; brokenAt?: { instanceId: string; seq: number; reason: string } };
  }

  const tamper = (sqlText: string, params: unknown[] = []) => asHistoryOwner(h.pool, sqlText, params);

  it('an untouched history verifies', async () => {
    const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM workflow_events');
    const result = await verify();
    expect(result).toEqual({ ok: true, checkedEvents: rows[0].n });
    expect(rows[0].n).toBeGreaterThanOrEqual(15);
  });

  it('the database refuses to update or delete a history row', async () => {
    await expect(
      h.pool.query(`UPDATE workflow_events SET type = 'X' WHERE instance_id = $1 AND seq = 1`, [instances[0].id]),
    ).rejects.toThrow(/append-only/);
    await expect(h.pool.query(`DELETE FROM workflow_events WHERE instance_id = $1`, [instances[0].id])).rejects.toThrow(/append-only/);
  });

  it('a tampered payload is found, naming its instance and seq; restoring it verifies again', async () => {
    const target = instances[1];
    const { rows } = await h.pool.query('SELECT payload FROM workflow_events WHERE instance_id = $1 AND seq = 3', [target.id]);
    const original = rows[0].payload;
    await tamper(`UPDATE workflow_events SET payload = payload || '{"index": 7}' WHERE instance_id = $1 AND seq = 3`, [target.id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: { instanceId: target.id, seq: 3, reason: 'hash does not match the row' } });

    await tamper(`UPDATE workflow_events SET payload = $2 WHERE instance_id = $1 AND seq = 3`, [target.id, original]);
    expect((await verify()).ok).toBe(true);
  });

  it('a changed actor or time is found', async () => {
    const target = instances[2];
    await tamper(`UPDATE workflow_events SET actor_role = 'PROVINCE_OFFICER' WHERE instance_id = $1 AND seq = 5`, [target.id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: { instanceId: target.id, seq: 5 } });
    await tamper(`UPDATE workflow_events SET actor_role = 'REVIEWER' WHERE instance_id = $1 AND seq = 5`, [target.id]);
    expect((await verify()).ok).toBe(true);

    await tamper(`UPDATE workflow_events SET at = at - interval '1 day' WHERE instance_id = $1 AND seq = 2`, [target.id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: { instanceId: target.id, seq: 2 } });
    await tamper(`UPDATE workflow_events SET at = at + interval '1 day' WHERE instance_id = $1 AND seq = 2`, [target.id]);
    expect((await verify()).ok).toBe(true);
  });

  it('a row given another hash breaks the chain there', async () => {
    const target = instances[0];
    const { rows } = await h.pool.query('SELECT hash FROM workflow_events WHERE instance_id = $1 AND seq = 2', [target.id]);
    await tamper(`UPDATE workflow_events SET hash = repeat('0', 64) WHERE instance_id = $1 AND seq = 2`, [target.id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: { instanceId: target.id, seq: 2, reason: 'hash does not match the row' } });
    await tamper(`UPDATE workflow_events SET hash = $2 WHERE instance_id = $1 AND seq = 2`, [target.id, rows[0].hash]);
    expect((await verify()).ok).toBe(true);
  });

  /** Deletes one history row, runs `check`, then puts the row back as it was. */
  async function withoutRow(instanceId: string, seq: number, check: () => Promise<void>) {
    const { rows } = await h.pool.query('SELECT * FROM workflow_events WHERE instance_id = $1 AND seq = $2', [instanceId, seq]);
    const row = rows[0];
    await tamper('DELETE FROM workflow_events WHERE instance_id = $1 AND seq = $2', [instanceId, seq]);
    try {
      await check();
    } finally {
      const columns = Object.keys(row);
      await h.pool.query(
        `INSERT INTO workflow_events (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((c) => (c === 'payload' ? JSON.stringify(row[c]) : row[c])),
      );
    }
  }

  it('a deleted row in the middle of a chain is found', async () => {
    const target = instances[1];
    await withoutRow(target.id, 3, async () => {
      expect(await verify()).toMatchObject({ ok: false, brokenAt: { instanceId: target.id, seq: 4, reason: 'expected seq 3' } });
    });
    expect((await verify()).ok).toBe(true);
  });

  it('a deleted first row is found', async () => {
    const target = instances[1];
    await withoutRow(target.id, 1, async () => {
      expect(await verify()).toMatchObject({ ok: false, brokenAt: { instanceId: target.id, seq: 2 } });
    });
    expect((await verify()).ok).toBe(true);
  });

  it('a deleted last row (the latest decision) is found', async () => {
    const target = instances[2];
    const { rows } = await h.pool.query('SELECT last_seq FROM workflow_instances WHERE id = $1', [target.id]);
    expect(rows[0].last_seq).toBe(5);
    await withoutRow(target.id, 5, async () => {
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.brokenAt).toMatchObject({ instanceId: target.id, seq: 5 });
    });
    expect((await verify()).ok).toBe(true);
  });

  it('a whole deleted history is found', async () => {
    const subject = h.subject('audit-gone');
    const started = await h.engine.start('test', subject, h.actors.commune);
    const { rows } = await h.pool.query('SELECT * FROM workflow_events WHERE instance_id = $1', [started.instanceId]);
    expect(rows).toHaveLength(1);
    await withoutRow(started.instanceId, 1, async () => {
      expect(await verify()).toMatchObject({ ok: false, brokenAt: { instanceId: started.instanceId, seq: 1 } });
    });
    expect((await verify()).ok).toBe(true);
  });

  it('a last row rewritten with a recomputed hash is found against the instance', async () => {
    const target = instances[0];
    const { rows } = await h.pool.query('SELECT * FROM workflow_events WHERE instance_id = $1 AND seq = 5', [target.id]);
    const r = rows[0];
    // A forger who holds the key itself: a new actor, and a hash that matches the forged row and its predecessor.
    const { rows: owners } = await h.pool.query('SELECT * FROM workflow_instances WHERE id = $1', [target.id]);
    const i = owners[0];
    expect(r.snapshot_digest).toBe(snapshotDigest(i.snapshot));
    const forged = t.app.get(HistoryHasher).hash({
      instanceId: r.instance_id,
      seq: r.seq,
      type: r.type,
      actorId: 'someone-else',
      actorRole: r.actor_role,
      actorUnitId: r.actor_unit_id,
      payload: r.payload,
      fromState: r.from_state,
      toState: r.to_state,
      at: new Date(r.at).toISOString(),
      prevHash: r.prev_hash,
      subjectType: i.subject_type,
      subjectId: i.subject_id,
      unitId: i.unit_id,
      workflowKey: i.workflow_key,
      workflowVersion: r.workflow_version,
      snapshotDigest: r.snapshot_digest,
    });
    await tamper(`UPDATE workflow_events SET actor_id = 'someone-else', hash = $2 WHERE instance_id = $1 AND seq = 5`, [target.id, forged]);
    expect(await verify()).toMatchObject({
      ok: false,
      brokenAt: { instanceId: target.id, seq: 5, reason: 'last hash does not match the instance' },
    });
    await tamper(`UPDATE workflow_events SET actor_id = $2, hash = $3 WHERE instance_id = $1 AND seq = 5`, [target.id, r.actor_id, r.hash]);
    expect((await verify()).ok).toBe(true);
  });
});

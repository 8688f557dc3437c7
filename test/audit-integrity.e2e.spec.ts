import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditJobs } from '../src/audit/audit.jobs.js';
import { checkpointProblem, merkleRoot, type Checkpoint } from '../src/audit/checkpoint.js';
import { HistoryHasher } from '../src/engine/history-hash.js';
import { createUser } from './support/fixtures.js';
import { ADMIN, startTestApp, waitFor, type TestApp } from './support/app.js';
import { engineHarness, engineOverrides, type EngineHarness, asHistoryOwner } from './support/test-workflow.js';

const KEY = 'the-audit-key-of-this-test-file-0123456789';
const OTHER_KEY = 'another-audit-key-nobody-signed-with-9876543210';

type Broken = { instanceId: string; seq: number; reason: string };
type Verified = {
  ok: boolean;
  checkedEvents: number;
  brokenAt?: Broken;
  brokenCount?: number;
  broken?: Broken[];
  nextCursor?: string;
  checkpointProblem?: string;
};

/**
 * The attacks a database owner can make on the history, each made for real in SQL: each is named by GET
 * /audit/verify, those that leave no trace in the database are found against the worker's signed checkpoint.
 */
describe('audit: HMAC chain, state continuity, checkpoints', () => {
  const storage = mkdtempSync(join(tmpdir(), 'ntm-audit-integrity-'));
  const env = { AUDIT_KEY: KEY, STORAGE_DIR: storage };
  let t: TestApp;
  let h: EngineHarness;
  let admin: string;
  let officer: string;

  async function boot(extra: Record<string, string> = {}) {
    t = await startTestApp('audit_integrity', { ...env, ...extra }, engineOverrides());
    h = await engineHarness(t.app);
    admin = await t.login(ADMIN.username, ADMIN.password);
  }

  beforeAll(async () => {
    await boot();
    officer = (await createUser(t, admin, { role: 'PROVINCE_OFFICER', unitId: h.units.province.id })).auth;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(storage, { recursive: true, force: true });
  });

  async function verify(query = ''): Promise<Verified> {
    const res = await t.http.get(`/audit/verify${query}`).set('Authorization', admin);
    expect(res.status).toBe(200);
    return res.body as Verified;
  }

  /** Every broken instance, following nextCursor one at a time. */
  async function allBroken(): Promise<Broken[]> {
    const found: Broken[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await verify(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      found.push(...(page.broken ?? []));
      if (!page.nextCursor) return found;
      cursor = page.nextCursor;
    }
  }

  const asOwner = (sqlText: string, params: unknown[] = []) => asHistoryOwner(h.pool, sqlText, params);

  /** Has the worker's checkpoint job write one now and waits for it. */
  async function checkpointNow(): Promise<Checkpoint> {
    const before = (await t.http.get('/audit/checkpoints/latest').set('Authorization', admin)).text;
    await t.app.get(AuditJobs).requestCheckpoint();
    return waitFor<Checkpoint>(
      async () => {
        const res = await t.http.get('/audit/checkpoints/latest').set('Authorization', admin);
        return res.status === 200 && res.text !== before ? (JSON.parse(res.text) as Checkpoint) : (null as unknown as Checkpoint);
      },
      { what: 'a new checkpoint' },
    );
  }

  /** A dossier-like instance taken to review with two reviews. */
  async function instance(prefix: string) {
    const subject = h.subject(prefix);
    const started = await h.engine.start('test', subject, h.actors.commune, { required: 1 });
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    await h.engine.send(subject, { type: 'REVIEW', note: 'lần 1' }, h.actors.reviewer);
    return { id: started.instanceId, subject };
  }

  it('the worker writes a signed checkpoint at start, which only an ADMIN may download', async () => {
    const a = await instance('cp');
    const first = await waitFor<Checkpoint | null>(
      async () => {
        const res = await t.http.get('/audit/checkpoints/latest').set('Authorization', admin);
        return res.status === 200 ? (JSON.parse(res.text) as Checkpoint) : null;
      },
      { what: 'the scheduled checkpoint' },
    );
    expect(checkpointProblem(t.app.get(HistoryHasher), first!)).toBeNull();
    expect(first!.merkleRoot).toBe(merkleRoot(first!.instances));
    const cp = await checkpointNow();
    expect(cp.instances.find((e) => e.instanceId === a.id)).toMatchObject({ events: 3, legacy: 0, subjectId: a.subject.id });
    expect(checkpointProblem(new HistoryHasher(OTHER_KEY), cp)).toBe('the checkpoint is not signed with this AUDIT_KEY');
    const forged = { ...cp, instances: cp.instances.filter((e) => e.instanceId !== a.id) };
    expect(checkpointProblem(t.app.get(HistoryHasher), forged)).toBe('the checkpoint does not match its Merkle root');
    expect((await t.http.get('/audit/checkpoints/latest').set('Authorization', officer)).status).toBe(403);
    expect(await verify()).toEqual({ ok: true, checkedEvents: expect.any(Number) });
  });

  it('a rewritten state, then a legitimate event, is named', async () => {
    const victim = await instance('rewrite');
    await asOwner(`UPDATE workflow_instances SET state = 'overdue', snapshot = jsonb_set(snapshot, '{value}', '"overdue"') WHERE id = $1`, [
      victim.id,
    ]);
    // Before any event the instance no longer matches its last row.
    expect((await allBroken()).find((b) => b.instanceId === victim.id)).toMatchObject({
      seq: 3,
      reason: 'the instance is in state overdue, its last event left it in review',
    });
    await h.engine.send(victim.subject, { type: 'REVIEW' }, h.actors.reviewer);
    expect((await h.instance(victim.id)).state).toBe('overdue');
    expect((await allBroken()).find((b) => b.instanceId === victim.id)).toEqual({
      instanceId: victim.id,
      seq: 4,
      reason: 'from_state overdue does not follow the previous to_state review',
    });
  });

  it('a snapshot rewritten without its state is named', async () => {
    const victim = await instance('snapshot');
    await asOwner(`UPDATE workflow_instances SET snapshot = jsonb_set(snapshot, '{context,reviews}', '5') WHERE id = $1`, [victim.id]);
    expect((await allBroken()).find((b) => b.instanceId === victim.id)).toEqual({
      instanceId: victim.id,
      seq: 3,
      reason: 'the instance snapshot does not match its last event',
    });
  });

  it('a chain re-pointed to another subject or unit is named', async () => {
    const moved = await instance('repoint');
    await asOwner(`UPDATE workflow_instances SET subject_id = subject_id || '-other' WHERE id = $1`, [moved.id]);
    expect((await allBroken()).find((b) => b.instanceId === moved.id)).toEqual({
      instanceId: moved.id,
      seq: 1,
      reason: 'hash does not match the row',
    });
    const rehomed = await instance('reunit');
    await asOwner(`UPDATE workflow_instances SET unit_id = $2 WHERE id = $1`, [rehomed.id, h.units.commune.id]);
    expect((await allBroken()).find((b) => b.instanceId === rehomed.id)).toMatchObject({ seq: 1, reason: 'hash does not match the row' });
  });

  it("one instance's deleted rows, its instance made to match, are found against the last checkpoint", async () => {
    const victim = await instance('cut');
    const atThree = await h.instance(victim.id);
    const { rows } = await h.pool.query('SELECT hash FROM workflow_events WHERE instance_id = $1 AND seq = 3', [victim.id]);
    await h.engine.send(victim.subject, { type: 'APPROVE' }, h.actors.reviewer);
    const cp = await checkpointNow();
    expect(cp.instances.find((e) => e.instanceId === victim.id)?.events).toBe(4);
    // Row 4 deleted, the instance put back as it was after row 3: the chain alone is consistent again.
    await asOwner('DELETE FROM outbox WHERE instance_id = $1 AND seq > 3', [victim.id]);
    await asOwner('DELETE FROM workflow_events WHERE instance_id = $1 AND seq > 3', [victim.id]);
    await asOwner(
      `UPDATE workflow_instances SET state = 'review', open = true, snapshot = $2, last_seq = 3, last_hash = $3, version = $4 WHERE id = $1`,
      [victim.id, JSON.stringify(atThree.snapshot), rows[0].hash, atThree.version],
    );
    expect((await allBroken()).find((b) => b.instanceId === victim.id)).toEqual({
      instanceId: victim.id,
      seq: 3,
      reason: `history has 3 events, the checkpoint of ${cp.at} had 4`,
    });
    // The next checkpoint keeps what the previous one held rather than forgetting the deletion.
    const next = await checkpointNow();
    expect(next.instances.find((e) => e.instanceId === victim.id)?.events).toBe(4);
    expect((await allBroken()).find((b) => b.instanceId === victim.id)?.reason).toMatch(/history has 3 events/);
  });

  it('a deleted instance is found against the last checkpoint, and every broken instance is listed, page by page', async () => {
    const gone = await instance('gone');
    const cp = await checkpointNow();
    await asOwner('DELETE FROM outbox WHERE instance_id = $1', [gone.id]);
    await asOwner('DELETE FROM workflow_timers WHERE instance_id = $1', [gone.id]);
    await asOwner('DELETE FROM workflow_events WHERE instance_id = $1', [gone.id]);
    await asOwner('DELETE FROM workflow_instances WHERE id = $1', [gone.id]);
    const broken = await allBroken();
    expect(broken.find((b) => b.instanceId === gone.id)).toEqual({
      instanceId: gone.id,
      seq: 1,
      reason: `the instance in the checkpoint of ${cp.at} (3 events) is missing`,
    });
    // Every attack above, each once, in id order; the first page's brokenAt and count agree.
    const whole = await verify();
    expect(whole.ok).toBe(false);
    expect(whole.brokenCount).toBe(6);
    expect(broken).toHaveLength(6);
    expect(whole.broken).toEqual(broken);
    expect(whole.brokenAt).toEqual(broken[0]);
    expect(broken.map((b) => b.instanceId)).toEqual([...broken.map((b) => b.instanceId)].sort());
  });

  it('verify as a worker job records its progress and keeps its result', async () => {
    const queued = await t.http.post('/audit/verify').set('Authorization', admin);
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ status: 'queued', checked: 0, result: null });
    const done = await waitFor(
      async () => {
        const res = await t.http.get(`/audit/verify/runs/${queued.body.id}`).set('Authorization', admin);
        return res.body.status === 'done' ? res.body : null;
      },
      { what: 'the verification job' },
    );
    const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM workflow_events');
    expect(done).toMatchObject({ checked: rows[0].n, total: rows[0].n, result: { ok: false, brokenCount: 6 } });
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();
    expect(done.result).toEqual(await verify());
    const latest = await t.http.get('/audit/verify/runs/latest').set('Authorization', admin);
    expect(latest.body.id).toBe(queued.body.id);
    // An officer's runs are its own scope's; the admin's run is not among them.
    expect((await t.http.get('/audit/verify/runs/latest').set('Authorization', officer)).status).toBe(404);
    expect((await t.http.get(`/audit/verify/runs/${queued.body.id}`).set('Authorization', officer)).status).toBe(404);
  });

  it('another AUDIT_KEY makes every row fail; the right key again verifies as before', async () => {
    const { rows } = await h.pool.query(
      `SELECT i.id FROM workflow_instances i WHERE i.subject_id LIKE 'cp-%' OR i.subject_id LIKE 'snapshot-%' ORDER BY i.id`,
    );
    await t.close();
    await boot({ KEEP_DATABASE: '1', AUDIT_KEY: OTHER_KEY, STORAGE_DIR: mkdtempSync(join(tmpdir(), 'ntm-audit-other-')) });
    const broken = await allBroken();
    for (const r of rows)
      expect(broken.find((b) => b.instanceId === r.id)).toEqual({ instanceId: r.id, seq: 1, reason: 'hash does not match the row' });
    await t.close();
    await boot({ KEEP_DATABASE: '1' });
    expect((await verify()).brokenCount).toBe(6);
  });

  it('a truncated history is found against the last checkpoint', async () => {
    const cp = await checkpointNow();
    const held = cp.instances.length;
    expect(held).toBeGreaterThan(6);
    await asOwner('TRUNCATE workflow_events, workflow_instances CASCADE');
    const result = await verify();
    expect(result).toMatchObject({ ok: false, checkedEvents: 0, brokenCount: held });
    expect(
      result.broken!.every(
        (b) =>
          b.reason ===
          `the instance in the checkpoint of ${cp.at} (${cp.instances.find((e) => e.instanceId === b.instanceId)!.events} events) is missing`,
      ),
    ).toBe(true);
  });
});

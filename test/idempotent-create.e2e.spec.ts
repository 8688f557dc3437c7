import { startKit, type Kit } from './support/certification-kit.js';
import { createProject } from './support/funding-kit.js';

/**
 * A create whose answer was lost: the dossier or work was committed, but the process died (or the database went
 * away) before the answer was stored under its Idempotency-Key, so the key's record is gone or abandoned and the
 * client's retry runs again. It finds what the first request created by the key of its START row and answers
 * with it: one dossier, one work, one START, never a 409 for the client's own dossier nor a second work.
 */
describe('a create repeated with its Idempotency-Key after its answer was lost', () => {
  let k: Kit;
  let commune: string;
  let communeId: string;

  beforeAll(async () => {
    k = await startKit('idempotent_create');
    const user = await k.user('COMMUNE_STAFF', 'LS-TD-01');
    commune = user.auth;
    communeId = user.id;
  }, 120_000);
  afterAll(async () => k?.close());

  /** What a killed holder leaves: the key's record deleted (a server error frees it), the subject committed. */
  const loseAnswer = (key: string) => k.db.query('DELETE FROM idempotency_records WHERE user_id = $1 AND key = $2', [communeId, key]);
  const starts = async (subjectType: string, subjectId: string) =>
    (
      await k.db.query(
        `SELECT count(*)::int AS n FROM workflow_events e JOIN workflow_instances i ON i.id = e.instance_id
          WHERE i.subject_type = $1 AND i.subject_id = $2 AND e.type = 'START'`,
        [subjectType, subjectId],
      )
    ).rows[0].n;

  it('answers with the dossier it opened, not 409 dossier_exists', async () => {
    const body = { villageId: k.unit('LS-TD-01-03').id, year: 2026 };
    const first = await k.t.http.post('/dossiers').set('Authorization', commune).set('Idempotency-Key', 'open-1').send(body);
    expect(first.status).toBe(201);
    await loseAnswer('open-1');
    const retry = await k.t.http.post('/dossiers').set('Authorization', commune).set('Idempotency-Key', 'open-1').send(body);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(await starts('dossier', first.body.id)).toBe(1);
    // Another key is another request: the village's open dossier refuses it as before.
    const other = await k.t.http.post('/dossiers').set('Authorization', commune).set('Idempotency-Key', 'open-2').send(body);
    expect(other.status).toBe(409);
    expect(other.body.rule ?? other.body.message).toBeTruthy();
  });

  it('answers with the work it proposed, not a second work', async () => {
    const body = {
      villageId: k.unit('LS-TD-01-03').id,
      estimatedCostVnd: 1_000_000_000,
      funding: [
        { fundCode: 'NTM_ANNUAL', amountVnd: 700_000_000 },
        { fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 },
      ],
      contributions: [{ kind: 'labor', quantity: 300, valueVnd: 60_000_000, pledgedBy: 'Nhân dân thôn' }],
    };
    const send = (key: string) => {
      const req = createProject(k, commune, body) as unknown as {
        set(n: string, v: string): Promise<{ status: number; body: { id: string } }>;
      };
      return req.set('Idempotency-Key', key);
    };
    const first = await send('propose-1');
    expect(first.status).toBe(201);
    await loseAnswer('propose-1');
    const retry = await send('propose-1');
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    const { rows } = await k.db.query('SELECT count(*)::int AS n FROM projects WHERE created_by = $1', [communeId]);
    expect(rows[0].n).toBe(1);
    expect(await starts('project', first.body.id)).toBe(1);
  });
});

import { DossiersService } from '../src/certification/dossiers.service.js';
import { ProjectsService } from '../src/funding/projects.service.js';
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

  it('two creates with one key running at once (a retry that took the key over from a holder still running) make one of each', async () => {
    // The Idempotency-Key interceptor is passed by: this is what two requests do once both hold the key.
    const unit = (await k.db.query(`SELECT id, path FROM units WHERE code = 'LS-TD-01'`)).rows[0];
    const user = (await k.db.query(`SELECT username FROM users WHERE id = $1`, [communeId])).rows[0];
    const actor = { id: communeId, username: user.username, role: 'COMMUNE_STAFF' as const, unitId: unit.id, unitPath: unit.path };
    const dossiers = k.t.app.get(DossiersService);
    const both = await Promise.all(
      [1, 2].map(() => dossiers.create(actor, { villageId: k.unit('LS-TD-01-04').id, year: 2026 }, { idempotencyKey: 'open-twice' })),
    );
    expect(both[1].id).toBe(both[0].id);
    expect(await starts('dossier', both[0].id)).toBe(1);

    const projects = k.t.app.get(ProjectsService);
    const work = {
      villageId: k.unit('LS-TD-01-04').id,
      title: 'Bê tông hóa đường trục thôn',
      criterionCode: 2,
      workType: 'irrigation_canal',
      physicalQuantity: 1.5,
      year: 2020,
      estimatedCostVnd: 1_000_000_000,
      funding: [
        { fundCode: 'NTM_ANNUAL', amountVnd: 700_000_000 },
        { fundCode: 'LOCAL_BUDGET', amountVnd: 200_000_000 },
      ],
      contributions: [{ kind: 'labor' as const, quantity: 300, valueVnd: 60_000_000, pledgedBy: 'Nhân dân thôn' }],
    };
    const works = await Promise.all([1, 2].map(() => projects.create(actor, work as never, { idempotencyKey: 'propose-twice' })));
    expect(works[1].id).toBe(works[0].id);
    const { rows } = await k.db.query(`SELECT count(*)::int AS n FROM projects WHERE village_id = $1`, [k.unit('LS-TD-01-04').id]);
    expect(rows[0].n).toBe(1);
    expect(await starts('project', works[0].id)).toBe(1);
  });
});

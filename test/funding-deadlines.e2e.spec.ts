import { waitFor } from './support/app.js';
import { startKit, type Kit } from './support/certification-kit.js';
import { createProject, sendProject } from './support/funding-kit.js';

/** The review deadline of a project: reminder, then overdue and escalation, told by email; the inbox shows it. */
describe('project funding: deadlines, notifications and the inbox', () => {
  let k: Kit;
  let commune: string;
  let reviewer: string;
  let province: string;

  beforeAll(async () => {
    k = await startKit('funding_deadlines', { DEADLINE_OVERRIDES: 'funding.review=PT3S' });
    commune = (await k.user('COMMUNE_STAFF', 'LS-TD-01')).auth;
    reviewer = (await k.user('REVIEWER', 'LS-TD')).auth;
    province = (await k.user('PROVINCE_OFFICER', 'LS')).auth;
  }, 120_000);
  afterAll(async () => {
    await k?.close();
  });

  it('reminds the reviewers, then marks the project overdue and escalates; the notify effects are delivered', async () => {
    const created = await createProject(k, commune, {
      villageId: k.unit('LS-TD-01-01').id,
      estimatedCostVnd: 800_000_000,
      funding: [{ fundCode: 'NTM_ANNUAL', amountVnd: 500_000_000 }],
      contributions: [{ kind: 'cash', valueVnd: 50_000_000, pledgedBy: 'Nhân dân thôn' }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const draftTasks = (await k.t.http.get('/tasks').set('Authorization', commune)).body;
    expect(draftTasks).toEqual(
      expect.arrayContaining([expect.objectContaining({ subjectType: 'project', subjectId: id, state: 'draft', action: 'submit' })]),
    );

    const submitted = await sendProject(k, commune, id, { type: 'SUBMIT' });
    expect(submitted.body.state).toBe('review');
    expect(submitted.body.deadlines.map((d: { id: string; kind: string }) => `${d.id} ${d.kind}`).sort()).toEqual([
      'funding.review due',
      'funding.review reminder',
    ]);

    const late = await waitFor(
      async () => {
        const res = await k.t.http.get(`/projects/${id}`).set('Authorization', reviewer);
        return res.body.overdue ? res.body : null;
      },
      { timeoutMs: 30_000, what: 'the review to become overdue' },
    );
    expect(late.state).toBe('review');

    const tasks = (await k.t.http.get('/tasks').set('Authorization', reviewer)).body;
    expect(tasks[0]).toMatchObject({ subjectType: 'project', subjectId: id, state: 'review', action: 'review_project', overdue: true });

    const outbox = await waitFor(
      async () => {
        const { rows } = await k.db.query(
          `SELECT o.payload->>'template' AS template, o.status FROM outbox o JOIN workflow_instances i ON i.id = o.instance_id
          WHERE i.subject_id = $1 ORDER BY o.seq`,
          [id],
        );
        return rows.length >= 3 && rows.every((r) => r.status === 'done') ? rows : null;
      },
      { timeoutMs: 30_000, what: 'the notify effects to be delivered' },
    );
    expect(outbox!.map((r: { template: string }) => r.template)).toEqual(['project_submitted', 'reminder', 'overdue']);

    // Forwarding clears the flag; the province's clock starts.
    const approved = await sendProject(k, reviewer, id, { type: 'APPROVE' });
    expect(approved.body).toMatchObject({ state: 'province_review', overdue: false });
    expect((await k.t.http.get('/tasks').set('Authorization', province)).body).toEqual(
      expect.arrayContaining([expect.objectContaining({ subjectId: id, action: 'allocate', overdue: false })]),
    );
  }, 90_000);
});

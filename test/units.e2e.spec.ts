import { randomUUID } from 'node:crypto';
import { ADMIN, startTestApp, type TestApp } from './support/app.js';
import { readPlanFile, unitsByCode, type UnitItem } from './support/fixtures.js';

/** POST /units: each level directly under an allowed parent level (the unit tree: province, district, commune, village). */
describe('creating units', () => {
  let t: TestApp;
  let adminAuth: string;
  let units: Map<string, UnitItem>;

  beforeAll(async () => {
    t = await startTestApp('units');
    adminAuth = await t.login(ADMIN.username, ADMIN.password);
    units = await unitsByCode(t, adminAuth);
  });
  afterAll(async () => t?.close());

  const post = (body: Record<string, unknown>) => t.http.post('/units').set('Authorization', adminAuth).send(body);

  it('refuses a VILLAGE directly under the province: 422 rule unit_parent_level', async () => {
    const res = await post({ code: 'LS-V-1', name: 'Thôn Lạc Chỗ', level: 'VILLAGE', parentId: units.get('LS')!.id });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: 422, error: 'Unprocessable Entity', rule: 'unit_parent_level', message: expect.any(String) }),
    );
  });

  it('refuses a DISTRICT under a district, a VILLAGE under a village or a district, a COMMUNE under a village: 422', async () => {
    const cases = [
      { level: 'DISTRICT', parent: 'LS-TD' },
      { level: 'VILLAGE', parent: 'LS-TD-01-01' },
      { level: 'VILLAGE', parent: 'LS-TD' },
      { level: 'COMMUNE', parent: 'LS-TD-01' },
      { level: 'COMMUNE', parent: 'LS-TD-01-01' },
      { level: 'PROVINCE', parent: 'LS' },
    ];
    for (const [i, c] of cases.entries()) {
      const res = await post({ code: `BAD-${i}`, name: 'Sai Chỗ', level: c.level, parentId: units.get(c.parent)!.id });
      expect({ ...c, status: res.status, rule: res.body.rule }).toEqual({ ...c, status: 422, rule: 'unit_parent_level' });
    }
  });

  it('refuses a unit other than a province without a parent: 422', async () => {
    for (const level of ['DISTRICT', 'COMMUNE', 'VILLAGE']) {
      const res = await post({ code: `ORPHAN-${level}`, name: 'Mồ Côi', level });
      expect(res.status).toBe(422);
      expect(res.body.rule).toBe('unit_parent_level');
    }
  });

  it('refuses a duplicate code: 409', async () => {
    const res = await post({ code: 'LS-TD-01-01', name: 'Thôn Trùng Mã', level: 'VILLAGE', parentId: units.get('LS-TD-01')!.id });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: 409, error: 'Conflict', message: expect.stringContaining('LS-TD-01-01') }),
    );
    const district = await post({ code: 'LS-VL', name: 'Huyện Trùng Mã', level: 'DISTRICT', parentId: units.get('LS')!.id });
    expect(district.status).toBe(409);
  });

  it('refuses a missing parent: 404', async () => {
    const res = await post({ code: 'LS-NEW-1', name: 'Thôn Không Cha', level: 'VILLAGE', parentId: randomUUID() });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 404, error: 'Not Found' }));
  });

  it('refuses a malformed body: 400 naming the field', async () => {
    const badLevel = await post({ code: 'LS-X', name: 'Thôn X', level: 'HAMLET', parentId: units.get('LS-TD-01')!.id });
    expect(badLevel.status).toBe(400);
    expect(badLevel.body.message).toMatch(/level/);
    const badCode = await post({ code: 'has spaces', name: 'Thôn X', level: 'VILLAGE', parentId: units.get('LS-TD-01')!.id });
    expect(badCode.status).toBe(400);
    expect(badCode.body.message).toMatch(/code/);
    const noName = await post({ code: 'LS-Y', level: 'VILLAGE', parentId: units.get('LS-TD-01')!.id });
    expect(noName.status).toBe(400);
    expect(noName.body.message).toMatch(/name/);
  });

  it('creates a valid village with the 16 criteria, none met', async () => {
    const commune = units.get('LS-TD-01')!;
    const res = await post({ code: 'LS-TD-01-50', name: 'Thôn Nà Pàn', level: 'VILLAGE', parentId: commune.id });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), code: 'LS-TD-01-50', name: 'Thôn Nà Pàn', level: 'VILLAGE', parentId: commune.id });

    const detail = await t.http.get(`/units/${res.body.id}`).set('Authorization', adminAuth);
    expect(detail.status).toBe(200);
    expect(detail.body).toEqual(
      expect.objectContaining({ id: res.body.id, code: 'LS-TD-01-50', level: 'VILLAGE', parentId: commune.id, criteriaMet: 0 }),
    );
    expect(detail.body.criteria).toHaveLength(16);
    expect(detail.body.criteria.map((c: { code: number }) => c.code)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(detail.body.criteria.every((c: { met: boolean }) => c.met === false)).toBe(true);
    const plan = readPlanFile();
    expect(detail.body.criteria.map((c: { name: string }) => c.name)).toEqual(plan.criteria.map((c) => c.vi.normalize('NFC')));

    // It is in the tree: listed under its commune, visible to that commune.
    const children = await t.http.get('/units').query({ parentId: commune.id, limit: 500 }).set('Authorization', adminAuth);
    expect(children.body.items.map((u: UnitItem) => u.code)).toContain('LS-TD-01-50');
  });

  it('creates a commune under a district and a district under the province; non-village units carry no criteria', async () => {
    const district = await post({ code: 'LS-NEW', name: 'Huyện Mới', level: 'DISTRICT', parentId: units.get('LS')!.id });
    expect(district.status).toBe(201);
    const commune = await post({ code: 'LS-NEW-01', name: 'Xã Mới', level: 'COMMUNE', parentId: district.body.id });
    expect(commune.status).toBe(201);
    const detail = await t.http.get(`/units/${commune.body.id}`).set('Authorization', adminAuth);
    expect(detail.status).toBe(200);
    expect(detail.body.criteria).toBeUndefined();
    expect(detail.body.criteriaMet).toBeUndefined();
  });

  it('a seeded village reports its baseline criteria consistently', async () => {
    const village = units.get('LS-TD-01-01')!;
    const detail = await t.http.get(`/units/${village.id}`).set('Authorization', adminAuth);
    expect(detail.status).toBe(200);
    expect(detail.body.criteria).toHaveLength(16);
    expect(detail.body.criteriaMet).toBe(detail.body.criteria.filter((c: { met: boolean }) => c.met).length);
  });
});

import { randomUUID } from 'node:crypto';
import { ADMIN, startTestApp, type TestApp } from './support/app.js';
import { createUser, listAllUnits, unitsByCode, type UnitItem } from './support/fixtures.js';

/** Roles (403) and jurisdiction over the unit tree (404, indistinguishable from a missing id). */
describe('authorisation', () => {
  let t: TestApp;
  let adminAuth: string;
  let units: Map<string, UnitItem>;
  let commune: Awaited<ReturnType<typeof createUser>>;
  let reviewer: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    t = await startTestApp('authz');
    adminAuth = await t.login(ADMIN.username, ADMIN.password);
    units = await unitsByCode(t, adminAuth);
    commune = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: units.get('LS-TD-01')!.id });
    reviewer = await createUser(t, adminAuth, { role: 'REVIEWER', unitId: units.get('LS-TD')!.id });
  });
  afterAll(async () => t?.close());

  const unit = (code: string) => {
    const u = units.get(code);
    if (!u) throw new Error(`no unit ${code} in the seed`);
    return u;
  };

  describe('403 for a role that may not do this', () => {
    it('COMMUNE_STAFF may not create users, list users, create units or read metrics', async () => {
      const newUser = {
        username: 'made.by.commune',
        password: 'long-enough-password',
        fullName: 'Không được tạo',
        email: 'x@example.vn',
        role: 'COMMUNE_STAFF',
        unitId: unit('LS-TD-01').id,
      };
      const createUserRes = await t.http.post('/users').set('Authorization', commune.auth).send(newUser);
      expect(createUserRes.status).toBe(403);
      expect(createUserRes.body).toEqual(expect.objectContaining({ statusCode: 403, error: 'Forbidden', message: expect.any(String) }));

      expect((await t.http.get('/users').set('Authorization', commune.auth)).status).toBe(403);

      const createUnitRes = await t.http
        .post('/units')
        .set('Authorization', commune.auth)
        .send({ code: 'LS-TD-01-99', name: 'Thôn Mới', level: 'VILLAGE', parentId: unit('LS-TD-01').id });
      expect(createUnitRes.status).toBe(403);

      const metrics = await t.http.get('/metrics').set('Authorization', commune.auth);
      expect(metrics.status).toBe(403);

      // Nothing was created.
      expect((await t.http.post('/auth/login').send({ username: newUser.username, password: newUser.password })).status).toBe(401);
      expect([...(await unitsByCode(t, adminAuth)).keys()]).not.toContain('LS-TD-01-99');
    });

    it('403 comes before input validation: a refused role learns nothing about the body', async () => {
      const res = await t.http.post('/users').set('Authorization', commune.auth).send({});
      expect(res.status).toBe(403);
    });

    it('REVIEWER and PROVINCE_OFFICER may not manage users or units either', async () => {
      const officer = await createUser(t, adminAuth, { role: 'PROVINCE_OFFICER', unitId: unit('LS').id });
      for (const who of [reviewer, officer]) {
        expect((await t.http.get('/users').set('Authorization', who.auth)).status).toBe(403);
        expect(
          (
            await t.http
              .post('/units')
              .set('Authorization', who.auth)
              .send({ code: 'X-1', name: 'X', level: 'COMMUNE', parentId: unit('LS-TD').id })
          ).status,
        ).toBe(403);
        expect((await t.http.get('/metrics').set('Authorization', who.auth)).status).toBe(403);
      }
    });
  });

  describe("404 outside the caller's unit, the same as a missing id", () => {
    it('a commune user sees villages of its own commune but not of another commune', async () => {
      const own = await t.http.get(`/units/${unit('LS-TD-01-01').id}`).set('Authorization', commune.auth);
      expect(own.status).toBe(200);
      expect(own.body.code).toBe('LS-TD-01-01');

      const missing = await t.http.get(`/units/${randomUUID()}`).set('Authorization', commune.auth);
      expect(missing.status).toBe(404);

      for (const code of ['LS-TD-02-01', 'LS-VL-01-01']) {
        const other = await t.http.get(`/units/${unit(code).id}`).set('Authorization', commune.auth);
        expect(other.status).toBe(404);
        expect(other.body).toEqual(missing.body);
      }
      // Nor the district above it.
      const up = await t.http.get(`/units/${unit('LS-TD').id}`).set('Authorization', commune.auth);
      expect(up.status).toBe(404);
      expect(up.body).toEqual(missing.body);
    });

    it('a district reviewer sees its own communes but not a commune of another district', async () => {
      expect((await t.http.get(`/units/${unit('LS-TD-01').id}`).set('Authorization', reviewer.auth)).status).toBe(200);
      expect((await t.http.get(`/units/${unit('LS-TD-03-02').id}`).set('Authorization', reviewer.auth)).status).toBe(200);

      const missing = await t.http.get(`/units/${randomUUID()}`).set('Authorization', reviewer.auth);
      expect(missing.status).toBe(404);
      for (const code of ['LS-VL-01', 'LS-DL-01', 'LS-CL-01-01']) {
        const other = await t.http.get(`/units/${unit(code).id}`).set('Authorization', reviewer.auth);
        expect(other.status).toBe(404);
        expect(other.body).toEqual(missing.body);
      }
    });

    it("lists only the units inside the caller's unit", async () => {
      const seen = await listAllUnits(t, commune.auth, {}, 7);
      const own = unit('LS-TD-01');
      const villages = [...units.values()].filter((u) => u.parentId === own.id);
      expect(seen.map((u) => u.code).sort()).toEqual([own.code, ...villages.map((v) => v.code)].sort());

      const districtSeen = await listAllUnits(t, reviewer.auth, { level: 'COMMUNE' });
      expect(districtSeen.length).toBeGreaterThan(0);
      expect(districtSeen.every((u) => u.parentId === unit('LS-TD').id)).toBe(true);
      // Filtering by a parent outside the caller's unit finds nothing rather than something.
      const foreign = await listAllUnits(t, reviewer.auth, { parentId: unit('LS-VL').id });
      expect(foreign).toEqual([]);
    });
  });

  describe('a two-tier tree (province > commune > village)', () => {
    it('is built with POST /units, and a REVIEWER at that province sees its villages but not the other province', async () => {
      const province = await t.http
        .post('/units')
        .set('Authorization', adminAuth)
        .send({ code: 'TT', name: 'Tỉnh Hai Cấp', level: 'PROVINCE' });
      expect(province.status).toBe(201);
      expect(province.body).toEqual(expect.objectContaining({ code: 'TT', level: 'PROVINCE', parentId: null, id: expect.any(String) }));

      const twoTierCommune = await t.http
        .post('/units')
        .set('Authorization', adminAuth)
        .send({ code: 'TT-01', name: 'Xã Hai Cấp', level: 'COMMUNE', parentId: province.body.id });
      expect(twoTierCommune.status).toBe(201);
      expect(twoTierCommune.body.parentId).toBe(province.body.id);

      const village = await t.http
        .post('/units')
        .set('Authorization', adminAuth)
        .send({ code: 'TT-01-01', name: 'Thôn Hai Cấp', level: 'VILLAGE', parentId: twoTierCommune.body.id });
      expect(village.status).toBe(201);

      const provinceReviewer = await createUser(t, adminAuth, { role: 'REVIEWER', unitId: province.body.id });
      const seen = await t.http.get(`/units/${village.body.id}`).set('Authorization', provinceReviewer.auth);
      expect(seen.status).toBe(200);
      expect(seen.body).toEqual(
        expect.objectContaining({ id: village.body.id, level: 'VILLAGE', parentId: twoTierCommune.body.id, criteriaMet: 0 }),
      );
      expect(seen.body.criteria).toHaveLength(16);

      const listed = await listAllUnits(t, provinceReviewer.auth);
      expect(listed.map((u) => u.code).sort()).toEqual(['TT', 'TT-01', 'TT-01-01']);

      // The seeded province is another tree: invisible to this reviewer, and the other way round.
      const lsVillage = await t.http.get(`/units/${unit('LS-TD-01-01').id}`).set('Authorization', provinceReviewer.auth);
      expect(lsVillage.status).toBe(404);
      expect((await t.http.get(`/units/${village.body.id}`).set('Authorization', reviewer.auth)).status).toBe(404);

      // A commune user of the two-tier commune sees its village.
      const staff = await createUser(t, adminAuth, { role: 'COMMUNE_STAFF', unitId: twoTierCommune.body.id });
      expect((await t.http.get(`/units/${village.body.id}`).set('Authorization', staff.auth)).status).toBe(200);
    });
  });

  describe('roles sit at the unit level they work at', () => {
    it('refuses a COMMUNE_STAFF at a district and a REVIEWER at a commune (422), and a unit outside the tree (404)', async () => {
      const atDistrict = await t.http
        .post('/users')
        .set('Authorization', adminAuth)
        .send({
          username: 'misplaced.staff',
          password: 'long-enough-password',
          fullName: 'Sai Cấp',
          email: 'a@example.vn',
          role: 'COMMUNE_STAFF',
          unitId: unit('LS-TD').id,
        });
      expect(atDistrict.status).toBe(422);
      expect(atDistrict.body.rule).toBe('role_unit_level');
      const atCommune = await t.http
        .post('/users')
        .set('Authorization', adminAuth)
        .send({
          username: 'misplaced.reviewer',
          password: 'long-enough-password',
          fullName: 'Sai Cấp',
          email: 'b@example.vn',
          role: 'REVIEWER',
          unitId: unit('LS-TD-01').id,
        });
      expect(atCommune.status).toBe(422);
      const nowhere = await t.http.post('/users').set('Authorization', adminAuth).send({
        username: 'nowhere.user',
        password: 'long-enough-password',
        fullName: 'Không Có',
        email: 'c@example.vn',
        role: 'REVIEWER',
        unitId: randomUUID(),
      });
      expect(nowhere.status).toBe(404);
    });

    it('refuses a username that is taken: 409', async () => {
      const res = await t.http
        .post('/users')
        .set('Authorization', adminAuth)
        .send({
          username: commune.username,
          password: 'long-enough-password',
          fullName: 'Trùng Tên',
          email: 'd@example.vn',
          role: 'COMMUNE_STAFF',
          unitId: unit('LS-TD-02').id,
        });
      expect(res.status).toBe(409);
    });
  });
});

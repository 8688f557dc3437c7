import { startTestApp, ADMIN, type TestApp } from './support/app.js';

describe('foundation smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('smoke');
  });
  afterAll(async () => t?.close());

  it('signs in and lists units', async () => {
    const auth = await t.login(ADMIN.username, ADMIN.password);
    const res = await t.http.get('/units?level=DISTRICT').set('Authorization', auth);
    expect(res.status).toBe(200);
    expect(res.body.items.map((u: { name: string }) => u.name).sort()).toEqual(
      ['Cao Lộc', 'Đình Lập', 'Lộc Bình', 'Tràng Định', 'Văn Lãng'].sort(),
    );
  });
});

import pg from 'pg';
import { ADMIN, startTestApp, type TestApp } from './support/app.js';
import { unitsByCode, type UnitItem } from './support/fixtures.js';

/** Input validation at the edge: 400 naming the field, unknown fields refused, malformed JSON, NFC text. */
describe('input validation', () => {
  let t: TestApp;
  let adminAuth: string;
  let units: Map<string, UnitItem>;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp('validation');
    adminAuth = await t.login(ADMIN.username, ADMIN.password);
    units = await unitsByCode(t, adminAuth);
  });
  afterAll(async () => t?.close());

  const validUser = () => ({
    username: `valid.user.${++n}`,
    password: 'a-long-password',
    fullName: 'Lý Thị Mai',
    email: `user${n}@example.vn`,
    role: 'COMMUNE_STAFF',
    unitId: units.get('LS-TD-01')!.id,
  });
  const postUser = (body: unknown) =>
    t.http
      .post('/users')
      .set('Authorization', adminAuth)
      .send(body as object);

  it('accepts the valid body the other cases start from', async () => {
    const res = await postUser(validUser());
    expect(res.status).toBe(201);
  });

  it.each([
    ['password', (b: Record<string, unknown>) => delete b.password],
    ['password', (b: Record<string, unknown>) => (b.password = 'short')],
    ['password', (b: Record<string, unknown>) => (b.password = 12345678)],
    ['email', (b: Record<string, unknown>) => delete b.email],
    ['email', (b: Record<string, unknown>) => (b.email = 'not-an-email')],
    ['username', (b: Record<string, unknown>) => delete b.username],
    ['username', (b: Record<string, unknown>) => (b.username = 'has spaces')],
    ['username', (b: Record<string, unknown>) => (b.username = 'ab')],
    ['fullName', (b: Record<string, unknown>) => delete b.fullName],
    ['fullName', (b: Record<string, unknown>) => (b.fullName = '')],
    ['role', (b: Record<string, unknown>) => (b.role = 'SUPERUSER')],
    ['role', (b: Record<string, unknown>) => delete b.role],
    ['unitId', (b: Record<string, unknown>) => delete b.unitId],
    ['locale', (b: Record<string, unknown>) => (b.locale = 'fr')],
    ['criteria', (b: Record<string, unknown>) => (b.criteria = [0, 17])],
    ['criteria', (b: Record<string, unknown>) => (b.criteria = 'all')],
  ])('POST /users refuses a missing or invalid %s: 400 naming it', async (field, spoil) => {
    const body: Record<string, unknown> = validUser();
    spoil(body);
    const res = await postUser(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 400, error: 'Bad Request', message: expect.any(String) }));
    expect(res.body.message).toContain(field);
    // The invalid user was not created.
    expect((await t.http.post('/auth/login').send({ username: body.username, password: body.password })).status).not.toBe(200);
  });

  it('names every bad field at once', async () => {
    const res = await postUser({ ...validUser(), password: 'x', email: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('password');
    expect(res.body.message).toContain('email');
  });

  it('refuses an unknown field: 400 naming it, and nothing is created', async () => {
    const body = { ...validUser(), isSuperAdmin: true };
    const res = await postUser(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('isSuperAdmin');
    expect((await t.http.post('/auth/login').send({ username: body.username, password: body.password })).status).toBe(401);
  });

  it('refuses a passwordHash smuggled in the body', async () => {
    const res = await postUser({ ...validUser(), passwordHash: 'scrypt$1$1$1$AAAA$AAAA' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('passwordHash');
  });

  it('refuses malformed JSON: 400 in the NestJS error shape', async () => {
    const res = await t.http
      .post('/users')
      .set('Authorization', adminAuth)
      .set('Content-Type', 'application/json')
      .send('{"username": "broken", "password": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 400, error: 'Bad Request', message: expect.any(String) }));
    const login = await t.http.post('/auth/login').set('Content-Type', 'application/json').send('{not json');
    expect(login.status).toBe(400);
    expect(login.body.statusCode).toBe(400);
  });

  it("words Fastify's refusals of a body as this API does, and leaves bodies of other types unread as before", async () => {
    const en = { 'Accept-Language': 'en' };
    const broken = await t.http.post('/auth/login').set(en).set('Content-Type', 'application/json').send('{not json');
    expect(broken.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body is not valid JSON' });
    const empty = await t.http.post('/auth/login').set(en).set('Content-Type', 'application/json').send('');
    expect(empty.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body is not valid JSON' });
    const large = await t.http
      .post('/auth/login')
      .set(en)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ username: 'x'.repeat(200_000), password: 'y' }));
    expect(large.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'body is too large' });
    // A body of a type no route reads: the route answers as without a body (400 here), not 415.
    const xml = await t.http.post('/auth/login').set('Content-Type', 'application/xml').send('<login/>');
    expect(xml.status).toBe(400);
    expect(xml.body).toEqual(expect.objectContaining({ statusCode: 400, error: 'Bad Request' }));
    // A Content-Type header that is no media type at all is refused as such.
    const garbled = await t.http.post('/auth/login').set(en).set('Content-Type', ';;;').send('x');
    expect(garbled.body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'the Content-Type header is not a valid media type',
    });
    // ... and a protected route still asks for a token first.
    const unsigned = await t.http.post('/users').set('Content-Type', 'application/octet-stream').send(Buffer.from('abc'));
    expect(unsigned.status).toBe(401);
  });

  it('refuses a login body that is not a pair of strings: 400 naming the field', async () => {
    const res = await t.http.post('/auth/login').send({ username: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('password');
    const extra = await t.http.post('/auth/login').send({ ...ADMIN, remember: true });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toContain('remember');
  });

  describe('in the language the request asks for, Vietnamese by default', () => {
    it('words a validation refusal in Vietnamese without Accept-Language, field by field, with the field named', async () => {
      const res = await postUser({ ...validUser(), password: 'x', email: 'nope', isSuperAdmin: true });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('“password” phải dài ít nhất 8 ký tự');
      expect(res.body.message).toContain('“email” phải là một địa chỉ email');
      expect(res.body.message).toContain('Trường “isSuperAdmin” không được phép gửi lên');
      expect(res.body.errors).toEqual(
        expect.arrayContaining([{ field: 'password', messages: expect.arrayContaining(['“password” phải dài ít nhất 8 ký tự']) }]),
      );
      expect(res.body.message).not.toMatch(/must|should/);
    });

    it('words the same refusal in English when Accept-Language puts English first', async () => {
      const res = await postUser({ ...validUser(), password: 'x' }).set('Accept-Language', 'en-GB,vi;q=0.5');
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('password must be longer than or equal to 8 characters');
      expect(res.body.errors).toEqual([{ field: 'password', messages: ['password must be longer than or equal to 8 characters'] }]);
    });

    it('words Fastify refusals, permissions, conflicts and unknown routes in Vietnamese by default', async () => {
      const broken = await t.http.post('/auth/login').set('Content-Type', 'application/json').send('{not json');
      expect(broken.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Nội dung gửi lên không phải JSON hợp lệ' });
      const unsigned = await t.http.get('/users');
      expect(unsigned.body.message).toBe('Cần đăng nhập (thiếu mã truy cập)');
      const taken = await postUser({ ...validUser(), username: ADMIN.username });
      expect(taken.status).toBe(409);
      expect(taken.body.message).toBe(`Tên đăng nhập ${ADMIN.username} đã được sử dụng`);
      const nowhere = await t.http.get('/no-such-route');
      expect(nowhere.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Không có địa chỉ GET /no-such-route' });
      const nowhereEn = await t.http.get('/no-such-route').set('Accept-Language', 'en');
      expect(nowhereEn.body.message).toBe('Cannot GET /no-such-route');
    });
  });

  it('stores and returns a fullName sent decomposed (NFD) in NFC', async () => {
    const nfc = 'Nguyễn Thị Hồng Nhung';
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    const body = { ...validUser(), fullName: nfd };
    const res = await postUser(body);
    expect(res.status).toBe(201);
    expect(res.body.fullName).toBe(nfc);

    const login = await t.http.post('/auth/login').send({ username: body.username, password: body.password });
    expect(login.body.user.fullName).toBe(nfc);

    const db = new pg.Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    try {
      const stored = await db.query('SELECT full_name FROM users WHERE username = $1', [body.username]);
      expect(stored.rows[0].full_name).toBe(nfc);
    } finally {
      await db.end();
    }
  });

  it('stores a unit name sent decomposed in NFC', async () => {
    const nfc = 'Thôn Khuổi Phầy';
    const res = await t.http
      .post('/units')
      .set('Authorization', adminAuth)
      .send({ code: 'LS-TD-01-77', name: nfc.normalize('NFD'), level: 'VILLAGE', parentId: units.get('LS-TD-01')!.id });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(nfc);
    expect((await t.http.get(`/units/${res.body.id}`).set('Authorization', adminAuth)).body.name).toBe(nfc);
  });

  it('accepts a Vietnamese password typed decomposed as the same password', async () => {
    const password = 'mật khẩu dài đủ';
    const body = { ...validUser(), password };
    expect((await postUser(body)).status).toBe(201);
    const res = await t.http.post('/auth/login').send({ username: body.username, password: password.normalize('NFD') });
    expect(res.status).toBe(200);
  });
});

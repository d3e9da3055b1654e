import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SignJWT } from 'jose';
import { ACCESS_COOKIE } from '../../../server/plugins/auth.ts';
import { createTestApp, ORIGIN, type Session, type TestApp } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
let user: Session;
beforeAll(async () => {
  t = await createTestApp();
  user = await t.signUp();
});
afterAll(() => t?.close());

/** An access token with valid claims for this app, signed with whichever key the test names. */
const signAccessToken = (sub: string, sid: string, key: Uint8Array) =>
  new SignJWT({ sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(t.config.jwt.issuer)
    .setAudience(t.config.jwt.audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);

describe('auth plugin: credentials', () => {
  test('the access cookie authenticates a safe request with no Origin', async () => {
    const res = await t.request('GET', '/api/me', {
      cookies: { [ACCESS_COOKIE]: user.accessToken },
    });
    expect(res.status).toBe(200);
  });

  test.each([
    ['a Basic header', 'Basic dXNlcjpwYXNz'],
    ['a Bearer with no token', 'Bearer '],
    ['a Bearer that is not a JWT', 'Bearer abc.def'],
    ['two tokens', `Bearer ${'a.b.c'} ${'d.e.f'}`],
  ])('a malformed Authorization header (%s) is a 401', async (_name, header) => {
    const res = await t.request<{ error: { code: string } }>('GET', '/api/me', {
      headers: { authorization: header },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  test.each(['access_token', 'token', 'authorization'])(
    'an access token in the query string (?%s=) is never read: 401 (ASVS 14.2.1)',
    async (name) => {
      const res = await t.request<{ error: { code: string } }>(
        'GET',
        `/api/me?${name}=${user.accessToken}`,
      );
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
      // The token itself is good: only where it was put is refused.
      expect((await t.request('GET', '/api/me', { token: user.accessToken })).status).toBe(200);
    },
  );

  test('a token signed with another key is refused even for a live session', async () => {
    const forged = await signAccessToken(
      user.user.id,
      'x',
      new TextEncoder().encode('another-secret-another-secret-another-secret'),
    );
    expect((await t.request('GET', '/api/me', { token: forged })).status).toBe(401);
  });

  test('a valid token whose session belongs to someone else is refused', async () => {
    const other = await t.signUp();
    const claims = JSON.parse(
      Buffer.from(other.accessToken.split('.')[1] as string, 'base64url').toString(),
    );
    const mixed = await signAccessToken(user.user.id, claims.sid, t.config.jwt.secret);
    const res = await t.request<{ error: { code: string } }>('GET', '/api/me', { token: mixed });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('session_ended');
  });
});

describe('auth plugin: CSRF (Origin check on state-changing requests)', () => {
  const patch = (
    headers: Record<string, string>,
    cookies?: Record<string, string>,
    token?: string,
  ) =>
    t.request<{ error?: { code: string } }>('PATCH', '/api/me', {
      body: { displayName: 'x' },
      headers,
      cookies,
      token,
    });

  test('a cookie-authenticated change from the allowed origin goes through', async () => {
    const res = await patch({ origin: ORIGIN }, { [ACCESS_COOKIE]: user.accessToken });
    expect(res.status).toBe(200);
  });

  test('a cookie-authenticated change from another origin is refused with 403', async () => {
    const res = await patch(
      { origin: 'https://evil.example' },
      { [ACCESS_COOKIE]: user.accessToken },
    );
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('csrf_origin_rejected');
  });

  test('a cookie-authenticated change with no Origin at all is refused', async () => {
    const res = await patch({}, { [ACCESS_COOKIE]: user.accessToken });
    expect(res.status).toBe(403);
  });

  test('an origin that merely starts like ours is not ours', async () => {
    const res = await patch(
      { origin: `${ORIGIN}.evil.example` },
      { [ACCESS_COOKIE]: user.accessToken },
    );
    expect(res.status).toBe(403);
  });

  test('a Bearer client without cookies or Origin (curl, a service) is not a CSRF risk', async () => {
    const res = await patch({}, undefined, user.accessToken);
    expect(res.status).toBe(200);
  });

  test('a login posted from a foreign page is refused (login CSRF)', async () => {
    const res = await t.request('POST', '/api/auth/login', {
      body: { identifier: user.user.username, password: 'whatever-it-is-123' },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
  });
});

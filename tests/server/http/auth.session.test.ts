import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { ErrorBody } from '../../../server/plugins/error-handler.ts';
import {
  createTestApp,
  ORIGIN,
  PASSWORD,
  type Session,
  type TestApp,
  uniqueName,
} from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type LoginBody = Session & { expiresIn: number };

const login = (identifier: string, password: string, extra: Record<string, unknown> = {}) =>
  t.request<LoginBody & ErrorBody>('POST', '/api/auth/login', {
    body: { identifier, password, ...extra },
  });

const refreshWithBody = (refreshToken: string) =>
  t.request<LoginBody & ErrorBody>('POST', '/api/auth/refresh', { body: { refreshToken } });

const me = (token: string) => t.request<ErrorBody>('GET', '/api/me', { token });

/** The attributes of one Set-Cookie line, keys lower-cased; flags map to ''. */
function cookieAttributes(headers: Headers, name: string): Map<string, string> {
  const line = headers.getSetCookie().find((value) => value.startsWith(`${name}=`));
  if (!line) throw new Error(`no Set-Cookie for ${name}`);
  const attributes = new Map<string, string>();
  for (const part of line.split(';').slice(1)) {
    const [key = '', ...value] = part.trim().split('=');
    attributes.set(key.toLowerCase(), value.join('='));
  }
  return attributes;
}

describe('POST /api/auth/login', () => {
  let account: { email: string; username: string };
  beforeAll(async () => {
    account = await t.seedUser();
  });

  test('signs in by email and by username', async () => {
    const byEmail = await login(account.email, PASSWORD, { tokenDelivery: 'body' });
    const byUsername = await login(account.username, PASSWORD, { tokenDelivery: 'body' });

    expect([byEmail.status, byUsername.status]).toEqual([200, 200]);
    expect(byEmail.body.user.username).toBe(account.username);
    expect(byUsername.body.user.email).toBe(account.email);
  });

  test('by default sets hardened cookies and puts no token in the body', async () => {
    const response = await login(account.username, PASSWORD);

    expect(response.status).toBe(200);
    expect(response.body).not.toHaveProperty('accessToken');
    expect(response.body).not.toHaveProperty('refreshToken');
    const access = cookieAttributes(response.headers, '__Host-bastion_at');
    expect(Object.fromEntries(access)).toMatchObject({
      path: '/',
      httponly: '',
      secure: '',
      samesite: 'Strict',
    });
    expect(access.has('domain')).toBe(false);
    const refresh = cookieAttributes(response.headers, '__Secure-bastion_rt');
    expect(Object.fromEntries(refresh)).toMatchObject({
      path: '/api/auth',
      httponly: '',
      secure: '',
      samesite: 'Strict',
    });
    // __Secure-, not __Host-, only to scope it to /api/auth; still host-only (ASVS 3.3.3).
    expect(refresh.has('domain')).toBe(false);
    const viaCookie = await t.request('GET', '/api/me', {
      cookies: { [t.cookieNames.access]: response.cookies[t.cookieNames.access] ?? '' },
    });
    expect(viaCookie.status).toBe(200);
  });

  test('signing in again from a browser ends the session it replaces (ASVS 7.2.4)', async () => {
    const first = await login(account.username, PASSWORD);
    const oldAccess = first.cookies[t.cookieNames.access] ?? '';
    const oldRefresh = first.cookies[t.cookieNames.refresh] ?? '';
    expect(
      (await t.request('GET', '/api/me', { cookies: { [t.cookieNames.access]: oldAccess } }))
        .status,
    ).toBe(200);

    const again = await t.request('POST', '/api/auth/login', {
      body: { identifier: account.username, password: PASSWORD },
      cookies: { [t.cookieNames.refresh]: oldRefresh },
      headers: { origin: ORIGIN },
    });
    expect(again.status).toBe(200);
    expect(again.cookies[t.cookieNames.refresh]).not.toBe(oldRefresh);
    // The old session is gone, the new one works.
    expect(
      (await t.request('GET', '/api/me', { cookies: { [t.cookieNames.access]: oldAccess } }))
        .status,
    ).toBe(401);
    expect((await refreshWithBody(oldRefresh)).status).toBe(401);
    const fresh = again.cookies[t.cookieNames.access] ?? '';
    expect(
      (await t.request('GET', '/api/me', { cookies: { [t.cookieNames.access]: fresh } })).status,
    ).toBe(200);
  });

  test("tokenDelivery 'body' returns both tokens and sets no cookie", async () => {
    const response = await login(account.email, PASSWORD, { tokenDelivery: 'body' });

    expect(response.status).toBe(200);
    expect(response.body.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(response.body.refreshToken).toMatch(/^[\w-]{43}$/);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await me(response.body.accessToken)).status).toBe(200);
  });

  test('a wrong password and an unknown user get the same 401, code and message', async () => {
    const wrong = await login(account.username, 'not the right password');
    const unknownName = await login(uniqueName('ghost'), PASSWORD);
    const unknownEmail = await login(`${uniqueName('ghost')}@example.com`, PASSWORD);

    const shape = (r: typeof wrong) => ({
      status: r.status,
      code: r.body.error.code,
      message: r.body.error.message,
      cookies: r.headers.getSetCookie().length,
    });
    expect(shape(wrong)).toEqual({
      status: 401,
      code: 'invalid_credentials',
      message: expect.any(String),
      cookies: 0,
    });
    expect(shape(unknownName)).toEqual(shape(wrong));
    expect(shape(unknownEmail)).toEqual(shape(wrong));
  });

  test('a disabled account gets 403 account_disabled, but only with the right password', async () => {
    const disabled = await t.seedUser({ status: 'disabled' });

    const wrong = await login(disabled.username, 'not the right password');
    const right = await login(disabled.username, PASSWORD);

    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(right.status).toBe(403);
    expect(right.body.error.code).toBe('account_disabled');
    expect(right.headers.getSetCookie()).toEqual([]);
  });

  test('after 10 failures for one account, even by email and username mixed, it answers 429', async () => {
    const target = await t.seedUser();
    const identifiers = [target.username, target.email, target.username.toUpperCase()];

    const statuses: number[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const identifier = identifiers[attempt % identifiers.length] ?? target.username;
      statuses.push((await login(identifier, `wrong password ${attempt}`)).status);
    }
    expect(statuses).toEqual(Array(10).fill(401));

    for (const identifier of [target.email, target.username]) {
      const locked = await login(identifier, PASSWORD);
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe('too_many_attempts');
    }
    const other = await login(account.username, PASSWORD);
    expect(other.status).toBe(200);
  });

  test('a password set years ago still signs in and refreshes: passwords never expire (ASVS 6.2.10)', async () => {
    const veteran = await t.seedUser();
    const aged = await t.db
      .knex('users')
      .where({ id: veteran.id })
      .update({ passwordChangedAt: new Date('2015-01-01T00:00:00Z') });
    expect(aged).toBe(1);

    const response = await login(veteran.username, PASSWORD, { tokenDelivery: 'body' });

    expect(response.status).toBe(200);
    expect((await me(response.body.accessToken)).status).toBe(200);
    expect((await refreshWithBody(response.body.refreshToken)).status).toBe(200);
  });

  test('refuses an extra property with 400', async () => {
    const response = await login(account.username, PASSWORD, { roles: ['admin'] });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });
});

describe('POST /api/auth/refresh', () => {
  let account: { username: string };
  beforeAll(async () => {
    account = await t.seedUser();
  });

  test('rotates: a new refresh token and a working access token', async () => {
    const session = await t.signIn(account.username);

    const rotated = await refreshWithBody(session.refreshToken);

    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).toMatch(/^[\w-]{43}$/);
    expect(rotated.body.refreshToken).not.toBe(session.refreshToken);
    expect(rotated.body.accessToken).not.toBe(session.accessToken);
    expect((await me(rotated.body.accessToken)).status).toBe(200);
  });

  test('presenting a used refresh token is 401 refresh_token_reused and ends the session', async () => {
    const session = await t.signIn(account.username);
    const rotated = await refreshWithBody(session.refreshToken);
    expect(rotated.status).toBe(200);

    const replay = await refreshWithBody(session.refreshToken);

    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('refresh_token_reused');
    expect((await me(rotated.body.accessToken)).status).toBe(401);
    expect((await me(session.accessToken)).status).toBe(401);
    const newest = await refreshWithBody(rotated.body.refreshToken);
    expect(newest.status).toBe(401);
  });

  test('reuse ends only that session, not the user’s others', async () => {
    const victim = await t.signIn(account.username);
    const other = await t.signIn(account.username);
    await refreshWithBody(victim.refreshToken);

    await refreshWithBody(victim.refreshToken);

    expect((await me(other.accessToken)).status).toBe(200);
  });

  test('an unknown refresh token is 401 invalid_refresh_token', async () => {
    const response = await refreshWithBody('A'.repeat(43));

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_refresh_token');
  });

  test('no refresh token at all is 401', async () => {
    const response = await t.request('POST', '/api/auth/refresh', { headers: { origin: ORIGIN } });

    expect(response.status).toBe(401);
  });

  test('a refresh token in the query string is ignored and stays unused (ASVS 14.2.1)', async () => {
    const session = await t.signIn(account.username);

    const inUrl = await t.request<ErrorBody>(
      'POST',
      `/api/auth/refresh?refreshToken=${session.refreshToken}`,
      { headers: { origin: ORIGIN } },
    );

    expect(inUrl.status).toBe(401);
    expect(inUrl.body.error.code).toBe('unauthenticated');
    // Not consumed: the same token still rotates once, from the body.
    expect((await refreshWithBody(session.refreshToken)).status).toBe(200);
  });

  test('an extra property is 400', async () => {
    const response = await t.request<ErrorBody>('POST', '/api/auth/refresh', {
      body: { refreshToken: 'A'.repeat(43), sessionId: 'x' },
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });

  describe('from the cookie', () => {
    async function cookieLogin() {
      const response = await login(account.username, PASSWORD);
      expect(response.status).toBe(200);
      return response.cookies[t.cookieNames.refresh] ?? '';
    }
    const viaCookie = (refreshToken: string, headers: Record<string, string>) =>
      t.request<ErrorBody & LoginBody>('POST', '/api/auth/refresh', {
        cookies: { [t.cookieNames.refresh]: refreshToken },
        headers,
      });

    test('with an allowed Origin rotates the cookies and keeps tokens out of the body', async () => {
      const refreshToken = await cookieLogin();

      const response = await viaCookie(refreshToken, { origin: ORIGIN });

      expect(response.status).toBe(200);
      expect(response.body).not.toHaveProperty('refreshToken');
      const next = response.cookies[t.cookieNames.refresh];
      expect(next).toMatch(/^[\w-]{43}$/);
      expect(next).not.toBe(refreshToken);
      expect(response.cookies[t.cookieNames.access]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    test('from another Origin is 403 csrf_origin_rejected and leaves the token unused', async () => {
      const refreshToken = await cookieLogin();

      const response = await viaCookie(refreshToken, { origin: 'http://evil.example' });

      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('csrf_origin_rejected');
      expect(response.headers.getSetCookie()).toEqual([]);
      expect((await viaCookie(refreshToken, { origin: ORIGIN })).status).toBe(200);
    });

    test('without an Origin header is 403', async () => {
      const refreshToken = await cookieLogin();

      const response = await viaCookie(refreshToken, {});

      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('csrf_origin_rejected');
    });
  });
});

describe('POST /api/auth/logout', () => {
  let account: { username: string };
  beforeAll(async () => {
    account = await t.seedUser();
  });

  test('answers 204 and the same access token is refused on the very next request', async () => {
    const session = await t.signIn(account.username);
    expect((await me(session.accessToken)).status).toBe(200);

    const response = await t.request('POST', '/api/auth/logout', { token: session.accessToken });

    expect(response.status).toBe(204);
    const after = await me(session.accessToken);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('session_ended');
  });

  test('the refresh token of that session is dead too', async () => {
    const session = await t.signIn(account.username);

    await t.request('POST', '/api/auth/logout', { token: session.accessToken });

    const refreshed = await refreshWithBody(session.refreshToken);
    expect(refreshed.status).toBe(401);
  });

  test('ends only the session that logged out', async () => {
    const leaving = await t.signIn(account.username);
    const staying = await t.signIn(account.username);

    await t.request('POST', '/api/auth/logout', { token: leaving.accessToken });

    expect((await me(staying.accessToken)).status).toBe(200);
  });

  test('with cookies: needs the allowed Origin, then clears both cookies', async () => {
    const signedIn = await login(account.username, PASSWORD);
    const cookies = {
      [t.cookieNames.access]: signedIn.cookies[t.cookieNames.access] ?? '',
      [t.cookieNames.refresh]: signedIn.cookies[t.cookieNames.refresh] ?? '',
    };

    const refused = await t.request('POST', '/api/auth/logout', { cookies });
    expect(refused.status).toBe(403);
    expect((await t.request('GET', '/api/me', { cookies })).status).toBe(200);

    const response = await t.request('POST', '/api/auth/logout', {
      cookies,
      headers: { origin: ORIGIN },
    });

    expect(response.status).toBe(204);
    expect(cookieAttributes(response.headers, t.cookieNames.access).get('max-age')).toBe('0');
    expect(cookieAttributes(response.headers, t.cookieNames.refresh).get('max-age')).toBe('0');
    expect((await t.request('GET', '/api/me', { cookies })).status).toBe(401);
  });

  test('without a token is 401', async () => {
    const response = await t.request<ErrorBody>('POST', '/api/auth/logout');

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthenticated');
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { decodeJwt, type JWTPayload, SignJWT } from 'jose';
import type { ErrorBody } from '../../../server/plugins/error-handler.ts';
import { createTestApp, PASSWORD, type TestApp, uniqueName } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type UserBody = { user: Record<string, unknown> } & ErrorBody;

const getMe = (token: string) => t.request<UserBody>('GET', '/api/me', { token });
const patchMe = (token: string, body: unknown) =>
  t.request<UserBody>('PATCH', '/api/me', { token, body });
const changePassword = (token: string, body: unknown) =>
  t.request<ErrorBody>('POST', '/api/me/password', { token, body });
const loginStatus = async (identifier: string, password: string) =>
  (
    await t.request('POST', '/api/auth/login', {
      body: { identifier, password, tokenDelivery: 'body' },
    })
  ).status;

/** A seeded account and one Bearer session of it. */
async function signedIn() {
  const user = await t.seedUser();
  return { user, session: await t.signIn(user.username) };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the app's own secret, with the given claims, algorithm and times. */
function sign(claims: JWTPayload, alg = 'HS256', iat = now(), exp = now() + 300) {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(crypto.randomUUID())
    .sign(t.config.jwt.secret);
}

describe('GET /api/me', () => {
  let account: Awaited<ReturnType<typeof signedIn>>;
  let claims: JWTPayload;
  beforeAll(async () => {
    account = await signedIn();
    claims = decodeJwt(account.session.accessToken);
  });

  test('returns the public user and never the password hash', async () => {
    const response = await getMe(account.session.accessToken);

    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({
      id: account.user.id,
      email: account.user.email,
      username: account.user.username,
      roles: ['user'],
      status: 'active',
    });
    const text = JSON.stringify(response.body);
    expect(text).not.toMatch(/password|argon2|deleted/i);
  });

  test('the access token carries iss, aud, sub, sid, iat, exp, jti and lives at most 10 minutes', () => {
    // A copy: toMatchObject in this Bun writes the asymmetric matchers into what it received.
    expect({ ...claims }).toMatchObject({
      iss: t.config.jwt.issuer,
      aud: t.config.jwt.audience,
      sub: account.user.id,
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    const lifetime = (claims.exp ?? 0) - (claims.iat ?? 0);
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(600);
  });

  test('every token gets its own jti', async () => {
    const second = await t.signIn(account.user.username);

    expect(decodeJwt(second.accessToken).jti).not.toBe(claims.jti);
  });

  test('without a token is 401 unauthenticated', async () => {
    const response = await t.request<ErrorBody>('GET', '/api/me');

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthenticated');
  });

  test('a malformed Authorization header is 401', async () => {
    const response = await t.request('GET', '/api/me', {
      headers: { authorization: `Basic ${btoa('a:b')}` },
    });

    expect(response.status).toBe(401);
  });

  test('control: a token forged here with valid claims is accepted', async () => {
    // Proves the forging below is sound, so each refusal is for the reason the test names.
    const token = await sign({ ...claims, jti: undefined, iat: undefined, exp: undefined });

    expect((await getMe(token)).status).toBe(200);
  });

  test('a token whose payload was altered after signing is 401', async () => {
    const other = await t.seedUser();
    const [header, , signature] = account.session.accessToken.split('.');
    const tampered = `${header}.${b64({ ...claims, sub: other.id })}.${signature}`;

    const response = await getMe(tampered);

    expect(response.status).toBe(401);
    expect(JSON.stringify(response.body)).not.toContain(other.email);
  });

  test('a token with a flipped signature is 401', async () => {
    const token = account.session.accessToken;
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const flipped = `${token.slice(0, -2)}${last}${token.at(-1)}`;

    expect((await getMe(flipped)).status).toBe(401);
  });

  test('an expired token is 401 even though its session is live', async () => {
    const base = { sub: claims.sub, sid: claims.sid, iss: claims.iss, aud: claims.aud };
    const token = await sign(base, 'HS256', now() - 1200, now() - 600);

    expect((await getMe(token)).status).toBe(401);
  });

  test.each([
    ['unsigned (alg none, empty signature)', ''],
    ['unsigned (alg none, junk signature)', 'c2ln'],
  ])('an %s token is 401', async (_name, signature) => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.${signature}`;

    expect((await getMe(token)).status).toBe(401);
  });

  test('a token signed with an algorithm outside the allowlist (HS512) is 401', async () => {
    const base = { sub: claims.sub, sid: claims.sid, iss: claims.iss, aud: claims.aud };

    expect((await getMe(await sign(base, 'HS512'))).status).toBe(401);
  });

  test.each([
    ['another audience', { aud: 'https://elsewhere.example/api' }],
    ['another issuer', { iss: 'https://elsewhere.example' }],
    ['no sid', { sid: undefined }],
  ])('a correctly signed token with %s is 401', async (_name, change) => {
    const base = { sub: claims.sub, sid: claims.sid, iss: claims.iss, aud: claims.aud };

    expect((await getMe(await sign({ ...base, ...change }))).status).toBe(401);
  });
});

describe('PATCH /api/me', () => {
  test('changes the display name, and null clears it', async () => {
    const { session } = await signedIn();

    const named = await patchMe(session.accessToken, { displayName: 'Grace Hopper' });
    expect(named.status).toBe(200);
    expect(named.body.user.displayName).toBe('Grace Hopper');
    expect((await getMe(session.accessToken)).body.user.displayName).toBe('Grace Hopper');

    const cleared = await patchMe(session.accessToken, { displayName: null });
    expect(cleared.body.user.displayName).toBeNull();
  });

  test('changes the username, which then signs in', async () => {
    const { session } = await signedIn();
    const username = uniqueName('renamed');

    const response = await patchMe(session.accessToken, { username });

    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(username);
    expect(await loginStatus(username, PASSWORD)).toBe(200);
  });

  test('a username another account holds, in any case, is 409 and changes nothing', async () => {
    const { user, session } = await signedIn();
    const holder = await t.seedUser();

    const response = await patchMe(session.accessToken, {
      username: holder.username.toUpperCase(),
    });

    expect(response.status).toBe(409);
    expect(response.body.error.fields).toHaveProperty('username');
    expect((await getMe(session.accessToken)).body.user.username).toBe(user.username);
  });

  test.each([
    ['without currentPassword', {}],
    ['with a wrong currentPassword', { currentPassword: 'not my password at all' }],
  ])('changing the email %s is 400 current_password_required', async (_name, extra) => {
    const { user, session } = await signedIn();

    const response = await patchMe(session.accessToken, {
      email: `${uniqueName('new')}@example.com`,
      ...extra,
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('current_password_required');
    expect((await getMe(session.accessToken)).body.user.email).toBe(user.email);
  });

  test('changing the email with the current password is 200 and marks it unverified', async () => {
    const { session } = await signedIn();
    const email = `${uniqueName('new')}@example.com`;

    const response = await patchMe(session.accessToken, { email, currentPassword: PASSWORD });

    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ email, emailVerified: false });
    expect(await loginStatus(email, PASSWORD)).toBe(200);
  });

  test('an email another account holds is 409', async () => {
    const { session } = await signedIn();
    const holder = await t.seedUser();

    const response = await patchMe(session.accessToken, {
      email: holder.email.toUpperCase(),
      currentPassword: PASSWORD,
    });

    expect(response.status).toBe(409);
  });

  test.each<[string, unknown]>([
    ['an empty body', {}],
    ['an extra property (roles)', { roles: ['admin'] }],
    ['an extra property (status) beside a valid one', { displayName: 'x', status: 'active' }],
    ['an invalid username', { username: 'no spaces allowed' }],
    ['an invalid email', { email: 'nope', currentPassword: PASSWORD }],
    ['a display name over 100 characters', { displayName: 'x'.repeat(101) }],
  ])('%s is 400 and changes nothing', async (_name, body) => {
    const { user, session } = await signedIn();

    const response = await patchMe(session.accessToken, body);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect((await getMe(session.accessToken)).body.user).toMatchObject({
      username: user.username,
      email: user.email,
      roles: ['user'],
      displayName: null,
    });
  });

  test('without a token is 401', async () => {
    const response = await t.request('PATCH', '/api/me', { body: { displayName: 'x' } });

    expect(response.status).toBe(401);
  });
});

describe('POST /api/me/password', () => {
  const NEW_PASSWORD = 'a brand new passphrase';

  test('a wrong current password is 400 and keeps the old one', async () => {
    const { user, session } = await signedIn();

    const response = await changePassword(session.accessToken, {
      currentPassword: 'not my password at all',
      newPassword: NEW_PASSWORD,
    });

    expect(response.status).toBe(400);
    expect(response.body.error.fields).toHaveProperty('currentPassword');
    expect(await loginStatus(user.username, PASSWORD)).toBe(200);
  });

  test.each([
    ['too short', 'short pass'],
    ['too common', 'password1234'],
  ])('a new password that is %s is 400 weak_password', async (_name, newPassword) => {
    const { session } = await signedIn();

    const response = await changePassword(session.accessToken, {
      currentPassword: PASSWORD,
      newPassword,
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('weak_password');
  });

  test('a new password equal to the username is 400 weak_password', async () => {
    const { user, session } = await signedIn();

    const response = await changePassword(session.accessToken, {
      currentPassword: PASSWORD,
      newPassword: user.username,
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('weak_password');
  });

  test('the same password again is 400', async () => {
    const { session } = await signedIn();

    const response = await changePassword(session.accessToken, {
      currentPassword: PASSWORD,
      newPassword: PASSWORD,
    });

    expect(response.status).toBe(400);
  });

  test('a missing field is 400 validation_failed', async () => {
    const { session } = await signedIn();

    const response = await changePassword(session.accessToken, { newPassword: NEW_PASSWORD });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });

  test('success is 204: the new password signs in, the old does not, other sessions end', async () => {
    const { user, session } = await signedIn();
    const other = await t.signIn(user.username);

    const response = await changePassword(session.accessToken, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });

    expect(response.status).toBe(204);
    expect((await getMe(session.accessToken)).status).toBe(200);
    expect((await getMe(other.accessToken)).status).toBe(401);
    const refreshed = await t.request('POST', '/api/auth/refresh', {
      body: { refreshToken: other.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    expect(await loginStatus(user.username, PASSWORD)).toBe(401);
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(200);
  });
});

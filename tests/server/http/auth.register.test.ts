import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { ErrorBody } from '../../../server/plugins/error-handler.ts';
import { createTestApp, PASSWORD, type TestApp, uniqueName } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const register = (body: Record<string, unknown>) =>
  t.request<ErrorBody & { user: Record<string, unknown> }>('POST', '/api/auth/register', { body });

const loginStatus = async (identifier: string, password: string) =>
  (await t.request('POST', '/api/auth/login', { body: { identifier, password } })).status;

function freshAccount(password = PASSWORD) {
  const username = uniqueName('acct');
  return { email: `${username}@example.com`, username, password };
}

describe('POST /api/auth/register', () => {
  test('creates an account (201) and answers with the public user only', async () => {
    const account = freshAccount();
    const response = await register({ ...account, displayName: 'Ada' });

    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({
      email: account.email,
      username: account.username,
      displayName: 'Ada',
      status: 'active',
      roles: ['user'],
      emailVerified: false,
    });
    expect(Object.keys(response.body.user).sort()).toEqual(
      [
        'createdAt',
        'displayName',
        'email',
        'emailVerified',
        'id',
        'roles',
        'status',
        'updatedAt',
        'username',
      ].sort(),
    );
    expect(JSON.stringify(response.body)).not.toContain('argon2');
  });

  const valid = freshAccount();
  test.each<[string, Record<string, unknown>, string]>([
    ['an invalid email', { ...valid, email: 'not-an-email' }, 'email'],
    ['a username with a space', { ...valid, username: 'bad name' }, 'username'],
    ['a username starting with punctuation', { ...valid, username: '_leading' }, 'username'],
    ['a username shorter than 3', { ...valid, username: 'ab' }, 'username'],
    ['a username longer than 32', { ...valid, username: 'a'.repeat(33) }, 'username'],
    ['a missing email', { username: valid.username, password: PASSWORD }, 'email'],
    ['a missing username', { email: valid.email, password: PASSWORD }, 'username'],
    ['a missing password', { email: valid.email, username: valid.username }, 'password'],
    ['an extra property (roles)', { ...valid, roles: ['admin'] }, 'roles'],
    ['an extra property (status)', { ...valid, status: 'active' }, 'status'],
  ])('refuses %s with 400 validation_failed naming the field', async (_name, body, field) => {
    const response = await register(body);

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'validation_failed',
      message: expect.any(String),
      requestId: response.headers.get('x-request-id') ?? 'missing',
    });
    expect(Object.keys(response.body.error.fields ?? {})).toContain(field);
  });

  test('a refused registration creates no account', async () => {
    const account = freshAccount();
    await register({ ...account, roles: ['admin'] });

    expect(await t.app.services.users.getByEmail(account.email)).toBeUndefined();
  });

  const base = freshAccount();
  test.each<[string, Record<string, unknown>]>([
    ['shorter than 12 characters', { ...base, password: 'elevenchars' }],
    ['longer than 128 characters', { ...base, password: 'x'.repeat(129) }],
    ['equal to the email (any case)', { ...base, password: base.email.toUpperCase() }],
    ['equal to the username', { ...base, password: base.username }],
    ['a common password', { ...base, password: 'password1234' }],
  ])('refuses a password %s with 400 weak_password', async (_name, body) => {
    const response = await register(body);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('weak_password');
    expect(response.body.error.fields).toHaveProperty('password');
    expect(await t.app.services.users.getByEmail(base.email)).toBeUndefined();
  });

  test('accepts passwords of exactly 12 and exactly 128 characters', async () => {
    const twelve = await register(freshAccount('tw3lve-chars'));
    const max = await register(freshAccount(`${'long-pass-'.repeat(12)}12345678`));

    expect([twelve.status, max.status]).toEqual([201, 201]);
  });

  test('a password registered in one Unicode form signs in with its NFKC equivalent', async () => {
    // Ligature, full-width letters and circled digits: NFC leaves them, NFKC folds them.
    const typed = 'ﬁrewall Ｐａｓｓ ①②③ ﬂow';
    const folded = 'firewall Pass 123 flow';
    const account = freshAccount(typed);
    expect((await register(account)).status).toBe(201);

    expect(await loginStatus(account.username, folded)).toBe(200);
    expect(await loginStatus(account.username, typed)).toBe(200);
    expect(await loginStatus(account.username, 'firewall Pass 124 flow')).toBe(401);
  });

  test('an email already registered, in any case, is a 409', async () => {
    const account = freshAccount();
    expect((await register(account)).status).toBe(201);

    const again = await register({
      ...freshAccount(),
      email: account.email.toUpperCase(),
    });

    expect(again.status).toBe(409);
    expect(again.body.error.fields).toHaveProperty('email');
  });

  test('a username already taken, in any case, is a 409', async () => {
    const account = freshAccount();
    expect((await register(account)).status).toBe(201);

    const again = await register({ ...freshAccount(), username: account.username.toUpperCase() });

    expect(again.status).toBe(409);
    expect(again.body.error.fields).toHaveProperty('username');
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Role } from '../../../server/modules/users/user.model.ts';
import type { ErrorBody } from '../../../server/plugins/error-handler.ts';
import { createTestApp, PASSWORD, type Session, type TestApp } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
let admin: Session;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.signIn((await t.seedUser({ roles: ['admin'] })).username);
});
afterAll(() => t.close());

type UserBody = { user: { id: string; status: string; roles: string[] } } & ErrorBody;

const users = '/api/admin/users';
const asAdmin = <T = UserBody>(method: string, path: string, body?: unknown) =>
  t.request<T>(method, path, { token: admin.accessToken, body });
const meStatus = async (token: string) => (await t.request('GET', '/api/me', { token })).status;
const loginStatus = async (identifier: string) =>
  (
    await t.request('POST', '/api/auth/login', {
      body: { identifier, password: PASSWORD, tokenDelivery: 'body' },
    })
  ).status;

/** A seeded account with `count` live Bearer sessions. */
async function target(count = 1, roles: Role[] = ['user']) {
  const user = await t.seedUser({ roles });
  const sessions: Session[] = [];
  for (let i = 0; i < count; i++) sessions.push(await t.signIn(user.username));
  return { user, sessions };
}

/** Every /api/admin route the app registers, with `:id` filled in. */
function adminRoutes(id: string) {
  const routes = t.app.routes
    .filter((route) => route.path.startsWith('/api/admin'))
    .map((route) => ({ method: route.method, path: route.path.replace(':id', id) }));
  expect(routes.length).toBeGreaterThanOrEqual(5);
  return routes;
}

describe('RBAC on /api/admin', () => {
  test('the user role gets 403 on every admin route, and nothing changes', async () => {
    const caller = await target(1, ['user']);
    const victim = await target(1);

    for (const route of adminRoutes(victim.user.id)) {
      const response = await t.request<ErrorBody>(route.method, route.path, {
        token: caller.sessions[0]?.accessToken,
        body: route.method === 'PATCH' ? { roles: ['admin'] } : undefined,
      });
      expect({ ...route, status: response.status, code: response.body.error?.code }).toEqual({
        ...route,
        status: 403,
        code: 'forbidden',
      });
    }
    const after = await asAdmin('GET', `${users}/${victim.user.id}`);
    expect(after.body.user).toMatchObject({ status: 'active', roles: ['user'] });
    expect(await meStatus(victim.sessions[0]?.accessToken ?? '')).toBe(200);
  });

  test('an auditor may read users but every write is 403', async () => {
    const auditor = await target(1, ['auditor']);
    const victim = await target(1);

    for (const route of adminRoutes(victim.user.id)) {
      const response = await t.request(route.method, route.path, {
        token: auditor.sessions[0]?.accessToken,
        body: route.method === 'PATCH' ? { status: 'disabled' } : undefined,
      });
      const expected = route.method === 'GET' ? 200 : 403;
      expect({ ...route, status: response.status }).toEqual({ ...route, status: expected });
    }
    expect(await meStatus(victim.sessions[0]?.accessToken ?? '')).toBe(200);
    expect((await asAdmin('GET', `${users}/${victim.user.id}`)).status).toBe(200);
  });

  test('an admin may use every admin route', async () => {
    const victim = await target(1);
    const id = victim.user.id;

    expect((await asAdmin('GET', users)).status).toBe(200);
    expect((await asAdmin('GET', `${users}/${id}`)).status).toBe(200);
    expect((await asAdmin('PATCH', `${users}/${id}`, { roles: ['user', 'auditor'] })).status).toBe(
      200,
    );
    expect((await asAdmin('POST', `${users}/${id}/revoke-sessions`)).status).toBe(200);
    expect((await asAdmin('DELETE', `${users}/${id}`)).status).toBe(204);
  });
});

describe('GET /api/admin/users/:id', () => {
  test('returns the public user, never the password hash', async () => {
    const { user } = await target(0);

    const response = await asAdmin('GET', `${users}/${user.id}`);

    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ id: user.id, status: 'active', roles: ['user'] });
    expect(JSON.stringify(response.body)).not.toMatch(/password|argon2|deleted/i);
  });
});

describe('unknown and malformed ids', () => {
  const routes: [string, string, unknown][] = [
    ['GET', '', undefined],
    ['PATCH', '', { status: 'active' }],
    ['DELETE', '', undefined],
    ['POST', '/revoke-sessions', undefined],
  ];

  test.each(routes)('%s …/:id%s with an unknown id is 404', async (method, tail, body) => {
    const response = await asAdmin(method, `${users}/${crypto.randomUUID()}${tail}`, body);

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  test.each(routes)('%s …/:id%s with a non-uuid id is 400', async (method, tail, body) => {
    const response = await asAdmin(method, `${users}/not-a-uuid${tail}`, body);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });
});

describe('PATCH /api/admin/users/:id', () => {
  test.each<[string, unknown]>([
    ['an empty body', {}],
    ['an unknown status', { status: 'banned' }],
    ['an unknown role', { roles: ['superuser'] }],
    ['a repeated role', { roles: ['user', 'user'] }],
    ['an extra property (email)', { email: 'taken@example.com' }],
    ['an extra property (passwordHash)', { status: 'active', passwordHash: 'x' }],
  ])('%s is 400 and changes nothing', async (_name, body) => {
    const { user } = await target(0);

    const response = await asAdmin('PATCH', `${users}/${user.id}`, body);

    expect(response.status).toBe(400);
    const after = await asAdmin('GET', `${users}/${user.id}`);
    expect(after.body.user).toMatchObject({ status: 'active', roles: ['user'], email: user.email });
  });

  test('disabling a user ends their sessions at once and they cannot sign in', async () => {
    const victim = await target(2);

    const response = await asAdmin('PATCH', `${users}/${victim.user.id}`, { status: 'disabled' });

    expect(response.status).toBe(200);
    expect(response.body.user.status).toBe('disabled');
    for (const session of victim.sessions) {
      expect(await meStatus(session.accessToken)).toBe(401);
      const refreshed = await t.request('POST', '/api/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      });
      expect(refreshed.status).toBe(401);
    }
    const login = await t.request<ErrorBody>('POST', '/api/auth/login', {
      body: { identifier: victim.user.username, password: PASSWORD },
    });
    expect(login.status).toBe(403);
    expect(login.body.error.code).toBe('account_disabled');

    await asAdmin('PATCH', `${users}/${victim.user.id}`, { status: 'active' });
    expect(await loginStatus(victim.user.username)).toBe(200);
  });

  test('changing only the roles of a disabled user leaves them disabled', async () => {
    const { user } = await target(0);
    await asAdmin('PATCH', `${users}/${user.id}`, { status: 'disabled' });

    const response = await asAdmin('PATCH', `${users}/${user.id}`, { roles: ['user', 'auditor'] });

    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ status: 'disabled', roles: ['auditor', 'user'] });
    expect(await loginStatus(user.username)).toBe(403);
  });

  test('a role change applies to the user’s very next request, both ways', async () => {
    const subject = await target(1);
    const token = subject.sessions[0]?.accessToken ?? '';
    const readUsers = async () => (await t.request('GET', users, { token })).status;
    expect(await readUsers()).toBe(403);

    await asAdmin('PATCH', `${users}/${subject.user.id}`, { roles: ['user', 'auditor'] });
    expect(await readUsers()).toBe(200);

    await asAdmin('PATCH', `${users}/${subject.user.id}`, { roles: ['user'] });
    expect(await readUsers()).toBe(403);
  });
});

describe('an admin cannot lock themselves out', () => {
  let self: { id: string; token: string };
  beforeAll(async () => {
    const { user, sessions } = await target(1, ['admin']);
    self = { id: user.id, token: sessions[0]?.accessToken ?? '' };
  });
  const asSelf = (method: string, path: string, body?: unknown) =>
    t.request<ErrorBody>(method, path, { token: self.token, body });

  test.each<[string, string, string, unknown, string]>([
    ['removing their own admin role', 'PATCH', '', { roles: ['user'] }, 'cannot_remove_own_admin'],
    ['emptying their own roles', 'PATCH', '', { roles: [] }, 'cannot_remove_own_admin'],
    ['disabling themselves', 'PATCH', '', { status: 'disabled' }, 'cannot_disable_self'],
    ['deleting themselves', 'DELETE', '', undefined, 'cannot_delete_self'],
  ])('%s is 409', async (_name, method, tail, body, code) => {
    const response = await asSelf(method, `${users}/${self.id}${tail}`, body);

    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe(code);
    const me = await t.request<UserBody>('GET', '/api/me', { token: self.token });
    expect(me.body.user).toMatchObject({ status: 'active', roles: ['admin'] });
    expect((await asSelf('GET', users)).status).toBe(200);
  });
});

describe('DELETE /api/admin/users/:id', () => {
  test('deletes the user: 204, then 404, sessions ended, sign-in refused', async () => {
    const victim = await target(2);

    const response = await asAdmin('DELETE', `${users}/${victim.user.id}`);

    expect(response.status).toBe(204);
    expect((await asAdmin('GET', `${users}/${victim.user.id}`)).status).toBe(404);
    for (const session of victim.sessions) expect(await meStatus(session.accessToken)).toBe(401);
    expect(await loginStatus(victim.user.username)).toBe(401);
    expect((await asAdmin('DELETE', `${users}/${victim.user.id}`)).status).toBe(404);
  });

  test('frees the email and username for a new registration', async () => {
    const { user } = await target(0);
    await asAdmin('DELETE', `${users}/${user.id}`);

    const again = await t.request<UserBody>('POST', '/api/auth/register', {
      body: { email: user.email, username: user.username, password: PASSWORD },
    });

    expect(again.status).toBe(201);
    expect(again.body.user.id).not.toBe(user.id);
    expect(again.body.user.roles).toEqual(['user']);
  });
});

describe('POST /api/admin/users/:id/revoke-sessions', () => {
  test('ends every session of the user and says how many', async () => {
    const victim = await target(2);

    const response = await asAdmin<{ ended: number }>(
      'POST',
      `${users}/${victim.user.id}/revoke-sessions`,
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ended: 2 });
    for (const session of victim.sessions) expect(await meStatus(session.accessToken)).toBe(401);
    expect(await meStatus(admin.accessToken)).toBe(200);
    expect(await loginStatus(victim.user.username)).toBe(200);
  });

  test('a user without sessions reports ended: 0', async () => {
    const { user } = await target(0);

    const response = await asAdmin<{ ended: number }>(
      'POST',
      `${users}/${user.id}/revoke-sessions`,
    );

    expect(response.body).toEqual({ ended: 0 });
  });
});

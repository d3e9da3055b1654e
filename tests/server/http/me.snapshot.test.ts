import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createTestApp, type Session, type TestApp } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

/**
 * GET /api/me answers from the user snapshot the session carries (no database read).
 * These tests prove the snapshot never goes stale through any path that changes a user.
 */
let t: TestApp;
let admin: Session;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.signUp({ roles: ['admin', 'user'] });
});
afterAll(() => t?.close());

type Me = {
  user: { displayName: string | null; username: string; roles: string[]; email: string };
};
const me = (token: string) => t.request<Me>('GET', '/api/me', { token });

describe('the signed-in user as GET /api/me shows it', () => {
  test('a profile change shows at once in every session of the user', async () => {
    const first = await t.signUp();
    const second = await t.signIn(first.user.username);
    const patched = await t.request('PATCH', '/api/me', {
      token: first.accessToken,
      body: { displayName: 'New Name' },
    });
    expect(patched.status).toBe(200);
    expect((await me(first.accessToken)).body.user.displayName).toBe('New Name');
    expect((await me(second.accessToken)).body.user.displayName).toBe('New Name');
  });

  test('an admin role change shows at once in the target user’s own view', async () => {
    const target = await t.signUp();
    await t.request('PATCH', `/api/admin/users/${target.user.id}`, {
      token: admin.accessToken,
      body: { roles: ['user', 'auditor'] },
    });
    expect((await me(target.accessToken)).body.user.roles).toEqual(['auditor', 'user']);
  });

  test('the snapshot carries no secret: never a password hash', async () => {
    const user = await t.signUp();
    expect(JSON.stringify((await me(user.accessToken)).body)).not.toContain('argon2');
  });

  test('a change made outside the services is picked up by the next refresh', async () => {
    const user = await t.signUp();
    await t.db.knex('users').where({ id: user.user.id }).update({ displayName: 'Set In SQL' });
    expect((await me(user.accessToken)).body.user.displayName).toBeNull();
    const refreshed = await t.request<{ accessToken: string; user: Me['user'] }>(
      'POST',
      '/api/auth/refresh',
      {
        body: { refreshToken: user.refreshToken },
      },
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.displayName).toBe('Set In SQL');
    expect((await me(user.accessToken)).body.user.displayName).toBe('Set In SQL');
  });
});

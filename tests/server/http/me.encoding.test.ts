import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createTestApp, type Session, type TestApp } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

/**
 * Stored text leaves the server only as JSON built by the framework: markup stays inert data
 * and characters that end a string or a script come back escaped, never interpreted.
 */
let t: TestApp;
let admin: Session;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.signUp({ roles: ['admin'] });
});
afterAll(() => t?.close());

type UserBody = { user: { id: string; displayName: string | null } };

/** PATCH the display name, then read it back from the user's own view and an admin's. */
async function roundTrip(displayName: string) {
  const session = await t.signUp();
  const patched = await t.request<UserBody>('PATCH', '/api/me', {
    token: session.accessToken,
    body: { displayName },
  });
  const own = await t.request<UserBody>('GET', '/api/me', { token: session.accessToken });
  const adminView = await t.request<UserBody>('GET', `/api/admin/users/${session.user.id}`, {
    token: admin.accessToken,
  });
  return { patched, own, adminView };
}

describe('output encoding of stored text', () => {
  test('a display name with markup comes back as a JSON string under a JSON Content-Type (ASVS 1.2.1)', async () => {
    const markup = '<img src=x onerror=alert(1)><b>&amp;</b>';
    const { patched, own, adminView } = await roundTrip(markup);
    for (const response of [patched, own, adminView]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
      // The body parsed as JSON, and the value is the text as stored: not HTML, not escaped twice.
      expect(response.body.user.displayName).toBe(markup);
    }
  });

  test('a display name with quotes, backslashes, </script> and U+2028/U+2029 round-trips unchanged (ASVS 1.2.3)', async () => {
    const tricky = `"}, "roles": ["admin"] \\ </script><script>x()</script> \u2028\u2029 '\${a}\``;
    const { patched, own, adminView } = await roundTrip(tricky);
    for (const response of [patched, own, adminView]) {
      expect(response.status).toBe(200);
      expect(response.body.user.displayName).toBe(tricky);
    }
    // The injected "roles" stayed inside the string: the account is still a plain user.
    expect((own.body.user as { roles?: string[] }).roles).toEqual(['user']);
  });
});

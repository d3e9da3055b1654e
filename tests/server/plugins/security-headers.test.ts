import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SECURITY_HEADERS } from '../../../server/security/headers.ts';
import { createTestApp, type TestApp, testConfig } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
let https: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  https = await createTestApp({
    config: testConfig({ PUBLIC_URL: 'https://bastion.example.com' }),
  });
});
afterAll(async () => {
  await t?.close();
  await https?.close();
});

const withoutHsts = Object.entries(SECURITY_HEADERS).filter(
  ([name]) => name !== 'strict-transport-security',
);

describe('security headers plugin', () => {
  test.each([
    ['an API route', 'GET', '/healthz'],
    ['a 401 from a protected route in another module', 'GET', '/api/admin/users'],
    ['an unknown API path (404)', 'GET', '/api/does-not-exist'],
    ['the client page', 'GET', '/'],
    ['a validation failure', 'POST', '/api/auth/login'],
  ])('sends every header with its exact value on %s', async (_name, method, path) => {
    const response = await t.request(method, path, method === 'POST' ? { body: {} } : {});
    for (const [name, value] of withoutHsts) expect(response.headers.get(name)).toBe(value);
  });

  test('the CSP forbids inline script, framing, plugins and foreign origins', () => {
    const csp = SECURITY_HEADERS['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('*');
  });

  test.each([
    ['a credentialed GET from a foreign origin', 'GET', '/api/me', 'https://evil.example', {}],
    ['a GET from an opaque (null) origin', 'GET', '/api/me', 'null', {}],
    [
      'a foreign preflight for a PATCH',
      'OPTIONS',
      '/api/me',
      'https://evil.example',
      {
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, content-type',
      },
    ],
    [
      'a foreign preflight for the login',
      'OPTIONS',
      '/api/auth/login',
      'https://evil.example',
      { 'access-control-request-method': 'POST' },
    ],
  ])(
    '%s gets no Access-Control-* header: CORS stays off (ASVS 3.4.2)',
    async (_name, method, path, origin, extra) => {
      const session = await t.signUp();
      const response = await t.request(method, path, {
        token: session.accessToken,
        headers: { origin, ...extra },
      });
      const cors = [...response.headers.keys()].filter((name) =>
        name.startsWith('access-control-'),
      );
      expect(cors).toEqual([]);
      expect(response.headers.get('vary') ?? '').not.toMatch(/origin/i);
    },
  );

  test('HSTS is sent only when Bastion is served over https', async () => {
    expect(
      (await t.request('GET', '/healthz')).headers.get('strict-transport-security'),
    ).toBeNull();
    expect((await https.request('GET', '/healthz')).headers.get('strict-transport-security')).toBe(
      'max-age=63072000; includeSubDomains; preload',
    );
  });

  test('API responses are never cached; the client shell revalidates', async () => {
    expect((await t.request('GET', '/api/me')).headers.get('cache-control')).toBe('no-store');
    expect((await t.request('GET', '/healthz')).headers.get('cache-control')).toBeNull();
    expect((await t.request('GET', '/')).headers.get('cache-control')).toBe('no-cache');
  });

  test('every response carries a fresh request id that matches the error body', async () => {
    const first = await t.request<{ error: { requestId: string } }>('GET', '/api/me');
    const second = await t.request('GET', '/api/me');
    const id = first.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.body.error.requestId).toBe(id as string);
    expect(second.headers.get('x-request-id')).not.toBe(id);
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ROUTE_GATE } from '../../server/plugins/auth.ts';
import { PERMISSIONS } from '../../server/security/permissions.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Hook = { fn?: unknown } | ((...args: unknown[]) => unknown);

function gatesOf(hooks: Record<string, unknown> | undefined): string[] {
  const raw = (hooks?.transform ?? []) as Hook | Hook[];
  return (Array.isArray(raw) ? raw : [raw])
    .map((hook) => ('fn' in hook ? hook.fn : hook) as Record<symbol, unknown>)
    .map((fn) => fn?.[ROUTE_GATE])
    .filter((gate): gate is string => typeof gate === 'string');
}

describe('route declarations (deny by default)', () => {
  test('every registered route declares exactly one permission or public: true', () => {
    const undeclared: string[] = [];
    for (const route of t.app.routes) {
      const gates = gatesOf(route.hooks as Record<string, unknown>);
      if (gates.length !== 1)
        undeclared.push(`${route.method} ${route.path} → [${gates.join(', ')}]`);
    }
    expect(t.app.routes.length).toBeGreaterThan(15);
    expect(undeclared).toEqual([]);
  });

  test('every declared permission is one the code knows', () => {
    const known = new Set<string>(['public', ...PERMISSIONS.map((p) => `permission:${p}`)]);
    const gates = t.app.routes.flatMap((route) => gatesOf(route.hooks as Record<string, unknown>));
    expect(gates.filter((gate) => !known.has(gate))).toEqual([]);
  });

  test('the public routes are exactly the ones meant to be public', () => {
    const publicRoutes = t.app.routes
      .filter((route) => gatesOf(route.hooks as Record<string, unknown>)[0] === 'public')
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    expect(publicRoutes).toEqual(
      [
        'GET /*',
        'GET /api/docs',
        'GET /api/docs/assets/init.js',
        'GET /api/docs/assets/swagger-ui-bundle.js',
        'GET /api/docs/assets/swagger-ui.css',
        'GET /api/docs/json',
        'GET /healthz',
        'GET /readyz',
        'POST /api/auth/login',
        'POST /api/auth/refresh',
        'POST /api/auth/register',
      ].sort(),
    );
  });

  test('a protected route refuses a request without credentials', async () => {
    const protectedRoutes = t.app.routes.filter((route) =>
      gatesOf(route.hooks as Record<string, unknown>)[0]?.startsWith('permission:'),
    );
    for (const route of protectedRoutes) {
      const path = route.path.replace(':id', crypto.randomUUID());
      const response = await t.request(route.method, path);
      expect({ route: `${route.method} ${route.path}`, status: response.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
    }
  });
});

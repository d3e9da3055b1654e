import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createTestApp, type TestApp } from '../../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

type Spec = {
  paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>>;
};

describe('API documentation', () => {
  test('the OpenAPI document describes every API route the app registers', async () => {
    const spec = await t.request<Spec>('GET', '/api/docs/json');
    expect(spec.status).toBe(200);
    const documented = Object.entries(spec.body.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const registered = t.app.routes
      .filter((route) => route.path.startsWith('/api/') && !route.path.startsWith('/api/docs'))
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(expect.arrayContaining(registered.sort()));
    expect(registered.length).toBeGreaterThan(10);
  });

  test('request schemas come from the route definitions', async () => {
    const spec = await t.request<Spec>('GET', '/api/docs/json');
    expect(spec.body.paths['/api/auth/register']?.post?.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: expect.objectContaining({
            type: 'object',
            additionalProperties: false,
            required: ['email', 'username', 'password'],
          }),
        },
      },
    });
    expect(spec.body.paths['/api/admin/users']?.get?.parameters?.length).toBeGreaterThan(5);
  });

  test('every documented request body is JSON only, with a schema (the API refuses the rest)', async () => {
    const spec = await t.request<Spec>('GET', '/api/docs/json');
    const bodies = Object.values(spec.body.paths)
      .flatMap((methods) => Object.values(methods))
      .map(
        (operation) =>
          operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined,
      )
      .filter((body) => body !== undefined);
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) {
      expect(Object.keys(body.content ?? {})).toEqual(['application/json']);
      expect(body.content?.['application/json']?.schema).toBeDefined();
    }
  });

  test('the docs page runs under the strict CSP: no inline script, local assets only', async () => {
    const page = await t.request<string>('GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(page.body).not.toContain('https://');
    for (const asset of [
      '/api/docs/assets/swagger-ui-bundle.js',
      '/api/docs/assets/init.js',
      '/api/docs/assets/swagger-ui.css',
    ]) {
      const response = await t.request<string>('GET', asset);
      expect(response.status).toBe(200);
      expect(response.body.length).toBeGreaterThan(10);
    }
  });
});

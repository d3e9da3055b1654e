import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ROUTE_GATE } from '../../server/plugins/auth.ts';
import { PERMISSIONS } from '../../server/security/permissions.ts';
import { createTestApp, type Session, type TestApp } from '../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
let admin: Session;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.signUp({ roles: ['admin'] });
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

/** Every row of every table, in a stable order: what "the database did not change" means. */
async function databaseRows(): Promise<Record<string, string[]>> {
  const tables = (await t.db
    .knex('information_schema.tables')
    .select('table_name as name')
    .whereRaw('table_schema = current_schema()')
    .andWhere('table_type', 'BASE TABLE')) as Array<{ name: string }>;
  const rows: Record<string, string[]> = {};
  for (const { name } of tables) {
    rows[name] = ((await t.db.knex(name).select('*')) as unknown[])
      .map((row) => JSON.stringify(row))
      .sort();
  }
  return rows;
}

/** A concrete path for a route: a real user id for `:id`, a client page for the catch-all. */
const concrete = (path: string, id: string) => path.replace(':id', id).replace('/*', '/a/page');

describe('safe methods stay safe (ASVS 3.5.3)', () => {
  test('every GET route only reads: the database is unchanged after each', async () => {
    const target = await t.seedUser();
    const before = await databaseRows();
    expect(before.users?.length).toBeGreaterThanOrEqual(2);
    const gets = t.app.routes.filter((route) => route.method === 'GET');
    expect(gets.length).toBeGreaterThan(8);
    for (const route of gets) {
      const response = await t.request('GET', concrete(route.path, target.id), {
        token: admin.accessToken,
      });
      // Each route really ran (an admin may call them all), and wrote nothing.
      expect({ route: route.path, status: response.status }).toEqual({
        route: route.path,
        status: 200,
      });
      expect(await databaseRows()).toEqual(before);
    }
  });

  test('no write route and nothing under /api/auth answers GET', async () => {
    const gets = new Set(t.app.routes.filter((r) => r.method === 'GET').map((r) => r.path));
    expect([...gets].filter((path) => path.startsWith('/api/auth'))).toEqual([]);
    const writeOnly = t.app.routes.filter((r) => r.method !== 'GET' && !gets.has(r.path));
    expect(writeOnly.map((r) => r.path)).toContain('/api/auth/login');
    for (const route of writeOnly) {
      const response = await t.request('GET', concrete(route.path, admin.user.id), {
        token: admin.accessToken,
      });
      expect({ route: route.path, status: response.status }).toEqual({
        route: route.path,
        status: 404,
      });
    }
  });
});

/** Every property name a schema declares, however deeply nested. */
function fieldNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (schema === null || typeof schema !== 'object') return into;
  const node = schema as Record<string, unknown>;
  if (node.properties && typeof node.properties === 'object') {
    for (const name of Object.keys(node.properties)) into.add(name);
  }
  for (const child of Object.values(node)) fieldNames(child, into);
  return into;
}

describe('inputs', () => {
  test('no route takes a password hint or a secret question: every body, query and path field is checked (ASVS 6.4.2)', () => {
    const fields = new Set<string>();
    for (const route of t.app.routes) {
      const hooks = route.hooks as Record<string, unknown>;
      for (const part of ['body', 'query', 'params']) fieldNames(hooks[part], fields);
    }
    // The walk reaches the real schemas: these are inputs that exist today.
    expect(fields).toContain('currentPassword');
    expect(fields).toContain('keepCurrent');
    expect(
      [...fields].filter((name) => /hint|question|answer|reminder|memorable/i.test(name)),
    ).toEqual([]);
  });
});

describe('responses', () => {
  test('every response names charset=utf-8: each GET route, and the 400, 401 and 404 errors (ASVS 4.1.1)', async () => {
    const target = await t.seedUser();
    const responses = await Promise.all([
      ...t.app.routes
        .filter((route) => route.method === 'GET')
        .map(async (route) => ({
          what: `GET ${route.path}`,
          response: await t.request('GET', concrete(route.path, target.id), {
            token: admin.accessToken,
          }),
        })),
      { what: 'a 400', response: await t.request('POST', '/api/auth/login', { body: {} }) },
      { what: 'a 401', response: await t.request('GET', '/api/me') },
      { what: 'a 404', response: await t.request('GET', '/api/no-such-route') },
    ]);
    for (const { what, response } of responses) {
      const type = (response.headers.get('content-type') ?? '').replaceAll(' ', '').toLowerCase();
      expect({ what, charset: type.endsWith(';charset=utf-8') }).toEqual({ what, charset: true });
    }
  });
});

/** One raw HTTP/1.1 exchange, for methods fetch() refuses to send (TRACE). */
function rawExchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open: (socket) => {
          socket.write(head);
        },
        data: (_socket, chunk) => {
          received += chunk.toString();
        },
        close: () => resolve(received),
        error: (_socket, error) => reject(error),
      },
    }).catch(reject);
  });
}

describe('HTTP TRACE (ASVS 13.4.4)', () => {
  test.each(['/', '/api/me', '/healthz'])(
    'TRACE %s over a real socket is refused in the error shape and echoes nothing',
    async (path) => {
      const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: t.app.fetch });
      try {
        const reply = await rawExchange(
          server.port as number,
          `TRACE ${path} HTTP/1.1\r\nHost: localhost\r\nX-Echo: echo-me-1f2e\r\n` +
            `Authorization: Bearer ${admin.accessToken}\r\nConnection: close\r\n\r\n`,
        );
        const [head = '', body = ''] = reply.split('\r\n\r\n');
        expect(head).toMatch(/^HTTP\/1\.1 40[45] /);
        expect(head.toLowerCase()).not.toContain('message/http');
        expect(reply).not.toContain('echo-me-1f2e');
        expect(reply).not.toContain(admin.accessToken);
        expect(JSON.parse(body)).toMatchObject({ error: { code: expect.any(String) } });
      } finally {
        server.stop(true);
      }
    },
  );
});

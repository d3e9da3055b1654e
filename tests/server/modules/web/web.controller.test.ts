import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

/**
 * A client build of our own, with a secret file beside it (where a path traversal would land)
 * and folders whose listing would name their files.
 */
const root = mkdtempSync(join(tmpdir(), 'bastion-web-'));
const clientDir = join(root, 'dist');
const SHELL = '<!doctype html><title>shell</title>';
const SECRET = 'TOP-SECRET-d41d8cd9';
const files: Record<string, string | Uint8Array> = {
  'index.html': SHELL,
  'main.js': 'console.log(1);',
  'main.js.map': '{"version":3}',
  'styles.css': 'body{}',
  'manifest.json': '{"name":"Bastion"}',
  'icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'assets/logo-5f3a.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
  'assets/fonts/inter-9c1e.woff2': new Uint8Array([0x77, 0x4f, 0x46, 0x32]),
};
mkdirSync(join(clientDir, 'assets', 'fonts'), { recursive: true });
for (const [name, content] of Object.entries(files)) writeFileSync(join(clientDir, name), content);
writeFileSync(join(root, 'secret.json'), JSON.stringify({ secret: SECRET }));

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clientDir });
});
afterAll(async () => {
  await t?.close();
  rmSync(root, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await t.app.handle(new Request(`http://localhost:3000${path}`));
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text: await response.text(),
  };
};

describe('web controller: the built client', () => {
  test.each([
    ['/', 'text/html; charset=utf-8'],
    ['/some/client/page', 'text/html; charset=utf-8'],
    ['/main.js', 'text/javascript; charset=utf-8'],
    ['/styles.css', 'text/css; charset=utf-8'],
    ['/manifest.json', 'application/json; charset=utf-8'],
    ['/main.js.map', 'application/json; charset=utf-8'],
    ['/icon.svg', 'image/svg+xml; charset=utf-8'],
    ['/assets/logo-5f3a.png', 'image/png'],
    ['/assets/fonts/inter-9c1e.woff2', 'font/woff2'],
  ])('%s is served as %s (text always names its charset, ASVS 4.1.1)', async (path, type) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.type).toBe(type);
  });

  test.each([
    '/../secret.json',
    '/%2e%2e/secret.json',
    '/..%2fsecret.json',
    '/%2e%2e%2fsecret.json',
    '/..%5csecret.json',
    '/assets/..%2f..%2fsecret.json',
    '/%252e%252e%252fsecret.json',
    '/assets/fonts/%2e%2e/%2e%2e/%2e%2e/secret.json',
  ])(
    'a traversal path (%s) gets the shell or a 404, never a file outside the build (ASVS 5.3.2)',
    async (path) => {
      const response = await get(path);
      expect(response.text).not.toContain(SECRET);
      expect(response.status === 404 || (response.status === 200 && response.text === SHELL)).toBe(
        true,
      );
    },
  );

  test.each(['/assets', '/assets/', '/assets/fonts/', '/assets/fonts/..'])(
    'a folder of the build (%s) is never listed (ASVS 13.4.3)',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.text).toBe(SHELL);
      expect(response.text).not.toContain('logo-5f3a');
    },
  );

  test('an unknown API path is a 404 in the error shape, not the shell', async () => {
    const response = await get('/api/no-such-route');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: 'not_found' } });
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type Running, startServer, tempDataDir } from '../system/process.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const CHROMIUM = '/usr/bin/chromium';

function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/**
 * The cookie session as a real browser sees it (Debian's Chromium, driven by playwright-core).
 * Registered only where Chromium is installed: CI installs it; `bun install && bun test` on a
 * machine with only Bun does not have it, and the test is then absent, not skipped.
 */
if (existsSync(CHROMIUM)) {
  describe('browser session cookies', () => {
    let server: Running;
    let browser: Browser;
    let page: Page;
    let origin: string;
    const name = `browser${Date.now()}`;
    const password = 'a browser passphrase of length';

    beforeAll(async () => {
      // The browser uses the public origin (localhost), as a person would; the server must
      // know it, or it rightly refuses the browser's Origin.
      const port = freePort();
      origin = `http://localhost:${port}`;
      server = await startServer({
        DATA_DIR: tempDataDir(),
        PORT: String(port),
        PUBLIC_URL: origin,
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      page = await browser.newPage();
      await page.goto(`${origin}/`);
      const registered = await page.evaluate(
        async ([n, p]) =>
          (
            await fetch('/api/auth/register', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ email: `${n}@example.com`, username: n, password: p }),
            })
          ).status,
        [name, password],
      );
      expect(registered).toBe(201);
    });
    afterAll(async () => {
      await browser?.close();
      server?.proc.kill('SIGKILL');
    });

    const call = (method: string, path: string, body?: unknown) =>
      page.evaluate(
        async ([m, p, b]) => {
          const response = await fetch(p as string, {
            method: m as string,
            headers: b ? { 'content-type': 'application/json' } : {},
            body: b ? JSON.stringify(b) : undefined,
          });
          return { status: response.status, text: await response.text() };
        },
        [method, path, body] as const,
      );

    test('signing in sets HttpOnly cookies the page cannot read, and they authenticate it', async () => {
      const login = await call('POST', '/api/auth/login', { identifier: name, password });
      expect(login.status).toBe(200);
      expect(login.text).not.toContain('accessToken');
      expect(await page.evaluate(() => document.cookie)).toBe('');
      const cookies = await page.context().cookies();
      const access = cookies.find((cookie) => cookie.name === '__Host-bastion_at');
      expect(access).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
      expect(cookies.find((cookie) => cookie.name === '__Secure-bastion_rt')?.path).toBe(
        '/api/auth',
      );
      expect((await call('GET', '/api/me')).status).toBe(200);
    });

    test('the refresh cookie rotates the session from the page', async () => {
      const before = (await page.context().cookies()).find(
        (c) => c.name === '__Secure-bastion_rt',
      )?.value;
      expect((await call('POST', '/api/auth/refresh')).status).toBe(200);
      const after = (await page.context().cookies()).find(
        (c) => c.name === '__Secure-bastion_rt',
      )?.value;
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
    });

    test('a page on another site cannot use the session (SameSite=Strict, Origin check)', async () => {
      const foreign = await browser.newPage({ storageState: await page.context().storageState() });
      // 127.0.0.1 is another site than localhost: the browser withholds the cookies.
      await foreign.goto(`${server.url}/`);
      const status = await foreign
        .evaluate(async (target) => {
          const response = await fetch(`${target}/api/auth/logout`, {
            method: 'POST',
            credentials: 'include',
          });
          return response.status;
        }, origin)
        .catch(() => 'blocked');
      expect(status === 'blocked' || status === 401 || status === 403).toBe(true);
      await foreign.close();
      expect((await call('GET', '/api/me')).status).toBe(200);
    });

    test('logging out ends the session at once and clears the cookies', async () => {
      expect((await call('POST', '/api/auth/logout')).status).toBe(204);
      expect((await call('GET', '/api/me')).status).toBe(401);
      const names = (await page.context().cookies()).map((cookie) => cookie.name);
      expect(names).not.toContain('__Host-bastion_at');
    });

    test('the pages render under the strict CSP with no violation', async () => {
      const violations: string[] = [];
      const fresh = await browser.newPage();
      fresh.on('console', (message) => {
        if (message.type() === 'error') violations.push(message.text());
      });
      await fresh.goto(`${origin}/`, { waitUntil: 'networkidle' });
      await fresh.waitForSelector('text=Server status: ok');
      await fresh.goto(`${origin}/api/docs`, { waitUntil: 'networkidle' });
      await fresh.waitForSelector('.opblock-summary-path');
      expect(await fresh.locator('.opblock-summary-path').count()).toBeGreaterThan(10);
      expect(violations).toEqual([]);
      await fresh.close();
    });
  });
}

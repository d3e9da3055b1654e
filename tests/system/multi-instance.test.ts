import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Running, startServer, tempDataDir } from './process.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const { DATABASE_URL, REDIS_URL } = process.env;

/**
 * Two Bastion processes on one PostgreSQL and one Redis, as on Fargate behind a load balancer:
 * state lives only in the shared services. Registered only when they are given (CI's second
 * pass), never reported as skipped.
 */
if (DATABASE_URL && REDIS_URL) {
  describe('two instances behind one load balancer', () => {
    let a: Running;
    let b: Running;
    const password = 'a shared-state passphrase';
    const name = `multi${Date.now()}`;

    beforeAll(async () => {
      const env = {
        DATABASE_URL,
        REDIS_URL,
        JWT_SECRET: Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url'),
        RATE_LIMIT_AUTH: '1000',
        RATE_LIMIT_ANONYMOUS: '1000',
        RATE_LIMIT_USER: '6',
      };
      a = await startServer({ ...env, DATA_DIR: tempDataDir() });
      b = await startServer({ ...env, DATA_DIR: tempDataDir() });
      const register = await fetch(`${a.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `${name}@example.com`, username: name, password }),
      });
      expect(register.status).toBe(201);
    });
    afterAll(() => {
      a?.proc.kill('SIGKILL');
      b?.proc.kill('SIGKILL');
    });

    const login = async (on: Running, identifier = name) => {
      const response = await fetch(`${on.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identifier, password, tokenDelivery: 'body' }),
      });
      return (await response.json()) as { accessToken: string; refreshToken: string };
    };
    const me = (on: Running, token: string) =>
      fetch(`${on.url}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then(
        (r) => r.status,
      );

    test('a session made on one instance works on the other, and logout on one ends it on both', async () => {
      const session = await login(a);
      expect(await me(b, session.accessToken)).toBe(200);
      const logout = await fetch(`${b.url}/api/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      expect(logout.status).toBe(204);
      expect(await me(a, session.accessToken)).toBe(401);
      expect(await me(b, session.accessToken)).toBe(401);
    });

    test('a refresh token used on one instance is reuse on the other', async () => {
      const session = await login(a);
      const refresh = (on: Running) =>
        fetch(`${on.url}/api/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: session.refreshToken }),
        });
      expect((await refresh(a)).status).toBe(200);
      const reused = await refresh(b);
      expect(reused.status).toBe(401);
      expect(((await reused.json()) as { error: { code: string } }).error.code).toBe(
        'refresh_token_reused',
      );
    });

    test('one rate limit across instances: the per-user budget is shared', async () => {
      const fresh = `${name}r`;
      await fetch(`${b.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `${fresh}@example.com`, username: fresh, password }),
      });
      const session = await login(a, fresh);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push(await me(i % 2 === 0 ? a : b, session.accessToken));
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    });
  });
}

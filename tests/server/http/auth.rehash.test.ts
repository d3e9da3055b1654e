import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { needsRehash } from '../../../server/modules/auth/password.ts';
import { createTestApp, PASSWORD, type TestApp } from '../../helpers/app.ts';
import { storeOutdatedHash } from '../../helpers/users.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const storedHash = async (id: string) =>
  ((await t.db.knex('users').where({ id }).first()) as { passwordHash: string }).passwordHash;

describe('password hashes follow the current parameters (ASVS 11.2.2)', () => {
  test('needsRehash tells today’s argon2id settings from older or other ones', async () => {
    expect(
      needsRehash(
        await Bun.password.hash('x', { algorithm: 'argon2id', memoryCost: 19_456, timeCost: 2 }),
      ),
    ).toBe(false);
    expect(
      needsRehash(
        await Bun.password.hash('x', { algorithm: 'argon2id', memoryCost: 4096, timeCost: 1 }),
      ),
    ).toBe(true);
    expect(needsRehash(await Bun.password.hash('x', { algorithm: 'bcrypt', cost: 4 }))).toBe(true);
  });

  test('a login with a hash from weaker parameters stores a fresh one, and the password still works', async () => {
    const user = await t.seedUser();
    const weak = await storeOutdatedHash(t.db.knex, user.id, PASSWORD);

    const login = () =>
      t.request('POST', '/api/auth/login', {
        body: { identifier: user.username, password: PASSWORD, tokenDelivery: 'body' },
      });
    expect((await login()).status).toBe(200);
    const after = await storedHash(user.id);
    expect(after).not.toBe(weak);
    expect(after).toStartWith('$argon2id$v=19$m=19456,t=2,p=1$');
    expect((await login()).status).toBe(200);
    expect(await storedHash(user.id)).toBe(after);
  });

  test('a failed login never touches the stored hash', async () => {
    const user = await t.seedUser();
    const weak = await storeOutdatedHash(t.db.knex, user.id, PASSWORD);
    const response = await t.request('POST', '/api/auth/login', {
      body: {
        identifier: user.username,
        password: 'not the password at all',
        tokenDelivery: 'body',
      },
    });
    expect(response.status).toBe(401);
    expect(await storedHash(user.id)).toBe(weak);
  });
});

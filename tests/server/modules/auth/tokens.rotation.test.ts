import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { loadConfig } from '../../../../server/config.ts';
import { AccessTokens } from '../../../../server/modules/auth/tokens.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const USER = '11111111-1111-4111-8111-111111111111';
const key = () => crypto.getRandomValues(new Uint8Array(48));
const issuerWith = (secret: Uint8Array, previousSecrets?: Uint8Array[]) =>
  new AccessTokens({
    secret,
    previousSecrets,
    issuer: 'https://b.test',
    audience: 'https://b.test/api',
    ttlSeconds: 600,
  });

describe('JWT secret rotation (ASVS 11.2.2)', () => {
  test('tokens signed with the secret being rotated out still verify while it is listed', async () => {
    const old = key();
    const current = key();
    const token = await issuerWith(old).sign(USER, 's1');
    expect(await issuerWith(current, [old]).verify(token)).toMatchObject({ sub: USER, sid: 's1' });
  });

  test('once the previous secret is dropped, its tokens are refused', async () => {
    const old = key();
    const token = await issuerWith(old).sign(USER, 's1');
    expect(await issuerWith(key()).verify(token)).toBeUndefined();
  });

  test('new tokens are signed with the current secret only', async () => {
    const old = key();
    const current = key();
    const token = await issuerWith(current, [old]).sign(USER, 's2');
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    await expect(jwtVerify(token, current)).resolves.toBeDefined();
    await expect(jwtVerify(token, old)).rejects.toThrow();
  });

  test('JWT_SECRET_PREVIOUS is read from the environment and held to the same strength', () => {
    const base = { NODE_ENV: 'test', JWT_SECRET: 'Zq8r7T2vW9xY4kL1mN6pB3cD5fG0hJ-_aS' };
    const config = loadConfig({
      ...base,
      JWT_SECRET_PREVIOUS: 'Pp0oO9iI8uU7yY6tT5rR4eE3wW2qQ1-_zX',
    });
    expect(new TextDecoder().decode(config.jwt.previousSecrets[0])).toBe(
      'Pp0oO9iI8uU7yY6tT5rR4eE3wW2qQ1-_zX',
    );
    expect(loadConfig(base).jwt.previousSecrets).toEqual([]);
    expect(() => loadConfig({ ...base, JWT_SECRET_PREVIOUS: 'short' })).toThrow(
      'JWT_SECRET_PREVIOUS is too weak',
    );
  });
});

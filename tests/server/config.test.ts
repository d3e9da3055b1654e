import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type Env, loadConfig } from '../../server/config.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const STRONG_SECRET = 'q7Vx2mP9LrT4wZ8cK1nB6yH3sD5fG0jA-uE_iO';
const PRODUCTION: Env = {
  NODE_ENV: 'production',
  JWT_SECRET: STRONG_SECRET,
  DATABASE_URL: 'postgres://bastion:pw@db.internal:5432/bastion',
  REDIS_URL: 'redis://cache.internal:6379',
  PUBLIC_URL: 'https://bastion.example.com',
};

const dirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-config-'));
  dirs.push(dir);
  return join(dir, 'data');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The ConfigError loadConfig throws for env; fails the test when it does not throw one. */
function refusal(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('development defaults', () => {
  test('listen on port 3000 with the embedded database and in-process store', () => {
    const config = loadConfig({ DATA_DIR: tempDataDir() });
    expect(config.env).toBe('development');
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.allowedOrigins).toEqual(['http://localhost:3000']);
    expect(config.jwt.accessTtlSeconds).toBeLessThanOrEqual(600);
  });

  test('blank DATABASE_URL and REDIS_URL mean the embedded defaults too', () => {
    const config = loadConfig({ DATA_DIR: tempDataDir(), DATABASE_URL: ' ', REDIS_URL: '' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
  });

  test('generate a JWT secret into DATA_DIR/secrets.json readable by the owner only', () => {
    const dataDir = tempDataDir();
    const warnings: string[] = [];
    const config = loadConfig({ DATA_DIR: dataDir }, { warn: (message) => warnings.push(message) });
    const file = join(dataDir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret: string };
    expect(Buffer.from(stored.jwtSecret, 'base64url')).toEqual(Buffer.from(config.jwt.secret));
    expect(config.jwt.secret.byteLength).toBeGreaterThanOrEqual(32);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('JWT_SECRET');
    expect(warnings[0]).not.toContain(stored.jwtSecret);
  });

  test('reuse the generated secret on the next start, without warning again', () => {
    const dataDir = tempDataDir();
    const first = loadConfig({ DATA_DIR: dataDir });
    const warnings: string[] = [];
    const second = loadConfig({ DATA_DIR: dataDir }, { warn: (message) => warnings.push(message) });
    expect(Buffer.from(second.jwt.secret)).toEqual(Buffer.from(first.jwt.secret));
    expect(warnings).toEqual([]);
  });

  test('a JWT_SECRET from the environment wins and writes no file', () => {
    const dataDir = tempDataDir();
    const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: STRONG_SECRET });
    expect(new TextDecoder().decode(config.jwt.secret)).toBe(STRONG_SECRET);
    expect(() => statSync(join(dataDir, 'secrets.json'))).toThrow();
  });

  test('a secrets file left readable by others is tightened back to 0600 on reuse', () => {
    const dataDir = tempDataDir();
    const first = loadConfig({ DATA_DIR: dataDir });
    chmodSync(join(dataDir, 'secrets.json'), 0o644);
    const warnings: string[] = [];
    const second = loadConfig({ DATA_DIR: dataDir }, { warn: (message) => warnings.push(message) });
    expect(Buffer.from(second.jwt.secret)).toEqual(Buffer.from(first.jwt.secret));
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(warnings.join()).toContain('now 0600');
  });

  test('a corrupt secrets file is replaced with a fresh secret, not a crash', () => {
    const dataDir = tempDataDir();
    loadConfig({ DATA_DIR: dataDir });
    writeFileSync(join(dataDir, 'secrets.json'), '{not json', { mode: 0o600 });
    const warnings: string[] = [];
    const config = loadConfig({ DATA_DIR: dataDir }, { warn: (message) => warnings.push(message) });
    expect(config.jwt.secret.byteLength).toBe(48);
    expect(JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).jwtSecret).toHaveLength(
      64,
    );
    expect(warnings.join()).toContain('no usable secret');
  });

  test('a blank PORT means the default, not port 0', () => {
    expect(loadConfig({ DATA_DIR: tempDataDir(), PORT: ' ' }).port).toBe(3000);
  });
});

describe('production refuses unsafe settings and names the variable', () => {
  test('a complete, safe production environment loads', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.env).toBe('production');
    expect(config.databaseUrl).toBe(PRODUCTION.DATABASE_URL);
    expect(config.redisUrl).toBe(PRODUCTION.REDIS_URL);
    expect(config.jwt.issuer).toBe('https://bastion.example.com');
    expect(config.jwt.audience).toBe('https://bastion.example.com/api');
  });

  test('missing JWT_SECRET', () => {
    const error = refusal({ ...PRODUCTION, JWT_SECRET: undefined });
    expect(error.message).toContain('JWT_SECRET');
  });

  test.each([
    ['short', 'Xy7#kLm2'],
    ['one repeated character', 'a'.repeat(64)],
    ['few distinct characters', 'abcabcabcabcabcabcabcabcabcabcabcabc'],
    ['a changeme placeholder', 'changeme-Q7v2mP9LrT4wZ8cK1nB6yH3sD5fG0jA'],
    ['a "secret" placeholder', 'secret_Q7v2mP9LrT4wZ8cK1nB6yH3sD5fG0jA'],
  ])('weak JWT_SECRET (%s), without echoing it', (_kind, secret) => {
    const error = refusal({ ...PRODUCTION, JWT_SECRET: secret });
    expect(error.message).toContain('JWT_SECRET');
    expect(error.message).not.toContain(secret);
    expect(error.problems.join(' ')).not.toContain(secret);
  });

  test('a weak JWT_SECRET is refused in development too', () => {
    const error = refusal({ DATA_DIR: tempDataDir(), JWT_SECRET: 'changeme' });
    expect(error.message).toContain('JWT_SECRET');
  });

  test('missing DATABASE_URL (the embedded database)', () => {
    expect(refusal({ ...PRODUCTION, DATABASE_URL: undefined }).message).toContain('DATABASE_URL');
  });

  test('missing REDIS_URL (the in-process store)', () => {
    expect(refusal({ ...PRODUCTION, REDIS_URL: '' }).message).toContain('REDIS_URL');
  });

  test('an http PUBLIC_URL', () => {
    const error = refusal({ ...PRODUCTION, PUBLIC_URL: 'http://bastion.example.com' });
    expect(error.message).toContain('PUBLIC_URL');
  });

  test('no PUBLIC_URL at all (the http localhost default)', () => {
    expect(refusal({ ...PRODUCTION, PUBLIC_URL: undefined }).message).toContain('PUBLIC_URL');
  });

  test('an http origin in ALLOWED_ORIGINS', () => {
    const error = refusal({ ...PRODUCTION, ALLOWED_ORIGINS: 'http://other.example.com' });
    expect(error.message).toContain('ALLOWED_ORIGINS');
  });

  test('every problem is reported at once', () => {
    const error = refusal({ NODE_ENV: 'production' });
    for (const name of ['JWT_SECRET', 'DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL']) {
      expect(error.message).toContain(name);
    }
  });
});

describe('integers', () => {
  test.each([
    ['PORT', 'abc'],
    ['PORT', '3000.5'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['ACCESS_TOKEN_TTL', '601'],
    ['ACCESS_TOKEN_TTL', '3600'],
    ['ACCESS_TOKEN_TTL', '10'],
    ['SESSION_IDLE_TIMEOUT', 'forever'],
  ])('%s=%s is refused by name', (name, value) => {
    const error = refusal({ ...PRODUCTION, [name]: value });
    expect(error.message).toContain(name);
  });

  test('PORT and ACCESS_TOKEN_TTL within range are used', () => {
    const config = loadConfig({ ...PRODUCTION, PORT: '8080', ACCESS_TOKEN_TTL: '300' });
    expect(config.port).toBe(8080);
    expect(config.jwt.accessTtlSeconds).toBe(300);
  });

  test('the access token lifetime is never above ten minutes', () => {
    expect(loadConfig(PRODUCTION).jwt.accessTtlSeconds).toBeLessThanOrEqual(600);
    expect(loadConfig({ ...PRODUCTION, ACCESS_TOKEN_TTL: '600' }).jwt.accessTtlSeconds).toBe(600);
    for (const ttl of ['601', '86400', '1e9', 'Infinity']) {
      expect(() => loadConfig({ ...PRODUCTION, ACCESS_TOKEN_TTL: ttl })).toThrow(ConfigError);
    }
  });

  test('an idle timeout longer than the absolute session lifetime is refused', () => {
    const error = refusal({
      ...PRODUCTION,
      SESSION_IDLE_TIMEOUT: '86400',
      SESSION_MAX_AGE: '3600',
    });
    expect(error.message).toContain('SESSION_IDLE_TIMEOUT');
  });
});

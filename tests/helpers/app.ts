import { type AppDeps, createApp } from '../../server/app.ts';
import { type Config, loadConfig } from '../../server/config.ts';
import { MemoryStore } from '../../server/kv/memory-store.ts';
import { RedisStore } from '../../server/kv/redis-store.ts';
import type { KeyValueStore } from '../../server/kv/store.ts';
import { createDatabase, type Database } from '../../server/lib/database.ts';
import { createLogger } from '../../server/lib/logger.ts';
import { hashPassword } from '../../server/modules/auth/password.ts';
import type { Role, User, UserStatus } from '../../server/modules/users/user.model.ts';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../../server/plugins/auth.ts';
import type { RateLimits, RateRule } from '../../server/plugins/rate-limit.ts';
import { ensureClientBuilt } from './client.ts';

export const ORIGIN = 'http://localhost:3000';

/**
 * Every request a test app sees comes from one address; tests of other features get limits
 * they never reach. The rate-limit tests pass their own.
 */
const GENEROUS: RateRule = { limit: 1_000_000, windowSeconds: 60 };
export const GENEROUS_LIMITS: RateLimits = { anonymous: GENEROUS, auth: GENEROUS, user: GENEROUS };
export const PASSWORD = 'correct horse battery staple';

const suffix = () => crypto.randomUUID().replaceAll('-', '').slice(0, 12);

/** A name no other test has used: `prefix` plus 12 hex characters (a valid username). */
export const uniqueName = (prefix = 'u') => `${prefix}${suffix()}`;

/**
 * A real database for one test file: PostgreSQL in its own schema when DATABASE_URL is set,
 * otherwise an in-memory PGlite. Migrations run exactly as in production.
 */
export async function testDatabase(): Promise<Database & { dispose(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  const schema = url ? `test_${suffix()}` : undefined;
  const db = await createDatabase({ url, schema, poolMax: 4 });
  await db.migrate();
  return Object.assign(db, {
    async dispose() {
      if (schema) await db.knex.raw('drop schema if exists ?? cascade', [schema]);
      await db.close();
    },
  });
}

/** Redis (under a key prefix of its own) when REDIS_URL is set, otherwise the in-process store. */
export function testStore(): KeyValueStore {
  const url = process.env.REDIS_URL;
  return url ? new RedisStore({ url, prefix: `bastion-test:${suffix()}:` }) : new MemoryStore();
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: ORIGIN,
    JWT_SECRET: Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url'),
    ...env,
  });
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Bearer access token. */
  readonly token?: string;
  /** Cookies to send, as name → value. */
  readonly cookies?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TestResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  /** Set-Cookie values by cookie name. */
  readonly cookies: Record<string, string>;
}

export interface Session {
  readonly user: { id: string; email: string; username: string; roles: string[] };
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface SeedUser {
  readonly email?: string;
  readonly username?: string;
  readonly displayName?: string;
  readonly roles?: Role[];
  readonly status?: UserStatus;
  readonly createdAt?: Date;
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** The whole app on a real database and store, driven through app.handle. */
export async function createTestApp(overrides: Partial<Omit<AppDeps, 'db' | 'kv'>> = {}) {
  ensureClientBuilt();
  const db = await testDatabase();
  const kv = testStore();
  const config = overrides.config ?? testConfig();
  const logger = overrides.logger ?? createLogger({ level: 'silent' });
  const app = createApp({ config, logger, db, kv, rateLimits: GENEROUS_LIMITS, ...overrides });
  let counter = 0;

  async function request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const headers = new Headers(options.headers);
    if (options.body !== undefined && !headers.has('content-type'))
      headers.set('content-type', 'application/json');
    if (options.token) headers.set('authorization', `Bearer ${options.token}`);
    if (options.cookies) {
      headers.set(
        'cookie',
        Object.entries(options.cookies)
          .map(([name, value]) => `${name}=${value}`)
          .join('; '),
      );
    }
    const response = await app.handle(
      new Request(`${ORIGIN}${path}`, {
        method,
        headers,
        body:
          options.body === undefined
            ? undefined
            : typeof options.body === 'string'
              ? options.body
              : JSON.stringify(options.body),
      }),
    );
    const text = await response.text();
    const cookies: Record<string, string> = {};
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) cookies[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: leave the text
    }
    return { status: response.status, headers: response.headers, body: body as T, cookies };
  }

  /** Register a fresh account (unique email and username) and sign it in with Bearer tokens. */
  async function signUp(options: { roles?: string[]; password?: string } = {}): Promise<Session> {
    counter += 1;
    const name = `user${counter}x${suffix().slice(0, 6)}`;
    const password = options.password ?? PASSWORD;
    const registered = await request<{ user: { id: string } }>('POST', '/api/auth/register', {
      body: { email: `${name}@example.com`, username: name, password },
    });
    if (registered.status !== 201)
      throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
    if (options.roles) {
      await db.withTransaction((trx) =>
        app.services.users.setRoles(registered.body.user.id, options.roles as never, trx),
      );
    }
    return signIn(name, password);
  }

  async function signIn(identifier: string, password = PASSWORD): Promise<Session> {
    const login = await request<Session>('POST', '/api/auth/login', {
      body: { identifier, password, tokenDelivery: 'body' },
    });
    if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
    return login.body;
  }

  let seededHash: Promise<string> | undefined;

  /**
   * Insert an account through the repository, skipping HTTP and sharing one argon2 hash of
   * PASSWORD: for fixtures whose creation is not what the test proves. The account can sign in.
   */
  async function seedUser(spec: SeedUser = {}): Promise<User> {
    counter += 1;
    const username = spec.username ?? `seed${counter}x${suffix().slice(0, 6)}`;
    seededHash ??= hashPassword(PASSWORD);
    const passwordHash = await seededHash;
    const users = app.services.users;
    return db.withTransaction(async (trx) => {
      const user = await users.createUser(
        {
          email: spec.email ?? `${username}@example.com`,
          username,
          displayName: spec.displayName ?? null,
          passwordHash,
          roles: spec.roles ?? ['user'],
        },
        trx,
      );
      const patch: Partial<User> = {
        ...(spec.status && { status: spec.status }),
        ...(spec.createdAt && { createdAt: spec.createdAt }),
      };
      if (Object.keys(patch).length === 0) return user;
      return (await users.update(user.id, patch, trx)) as User;
    });
  }

  return {
    app,
    db,
    kv,
    config,
    request,
    signUp,
    signIn,
    seedUser,
    cookieNames: { access: ACCESS_COOKIE, refresh: REFRESH_COOKIE },
    async close() {
      await kv.close();
      await db.dispose();
    },
  };
}

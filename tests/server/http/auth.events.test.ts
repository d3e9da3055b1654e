import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import {
  createTestApp,
  PASSWORD,
  type RequestOptions,
  type TestApp,
  type TestResponse,
  testConfig,
  uniqueName,
} from '../../helpers/app.ts';
import { capturedLogger } from '../../helpers/log.ts';
import { storeOutdatedHash } from '../../helpers/users.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

/**
 * Every authentication outcome, success or failure, and every admin action on an account
 * writes one security event that says when, where (client IP), who and which request.
 */
const IP = '203.0.113.7';
const MAX_FAILURES = 3;
let t: TestApp;
let log: ReturnType<typeof capturedLogger>;
beforeAll(async () => {
  log = capturedLogger('info');
  t = await createTestApp({
    logger: log.logger,
    config: testConfig({ TRUST_PROXY_HOPS: '1' }),
    loginLimits: { maxFailures: MAX_FAILURES, windowSeconds: 60 },
  });
});
afterAll(() => t?.close());

/** Every password and token that crossed the API in this file: none may reach the log. */
const secrets = new Set<string>();
const SECRET_FIELDS = ['password', 'currentPassword', 'newPassword', 'accessToken', 'refreshToken'];
function remember(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, field] of Object.entries(value)) {
    if (SECRET_FIELDS.includes(key) && typeof field === 'string') secrets.add(field);
  }
}

/** A request from IP, as the trusted proxy reports it. */
async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: RequestOptions = {},
  from = IP,
) {
  if (options.token) secrets.add(options.token);
  remember(options.body);
  const response = await t.request<T>(method, path, {
    ...options,
    headers: { 'x-forwarded-for': from, ...options.headers },
  });
  remember(response.body);
  return response;
}

type Tokens = { accessToken: string; refreshToken: string; user: { id: string } };
const login = (identifier: string, password = PASSWORD) =>
  call<Tokens>('POST', '/api/auth/login', {
    body: { identifier, password, tokenDelivery: 'body' },
  });
const refresh = (refreshToken: string) =>
  call<Tokens>('POST', '/api/auth/refresh', { body: { refreshToken } });

async function signedIn() {
  const user = await t.seedUser();
  const session = (await login(user.username)).body;
  return { user, session };
}

async function adminAndTarget() {
  const admin = await t.signUp({ roles: ['admin'] });
  const target = await t.seedUser();
  return { actorId: admin.user.id, userId: target.id, token: admin.accessToken };
}

interface Outcome {
  readonly response: TestResponse;
  readonly userId?: string;
  readonly actorId?: string;
}

const OUTCOMES: ReadonlyArray<readonly [string, string, () => Promise<Outcome>]> = [
  [
    'a registration',
    'auth.register',
    async () => {
      const name = uniqueName('reg');
      const response = await call<{ user: { id: string } }>('POST', '/api/auth/register', {
        body: { email: `${name}@example.com`, username: name, password: PASSWORD },
      });
      return { response, userId: response.body.user.id };
    },
  ],
  [
    'a successful login',
    'auth.login',
    async () => {
      const user = await t.seedUser();
      return { response: await login(user.username), userId: user.id };
    },
  ],
  [
    'a login whose stored hash has outdated parameters',
    'auth.password.rehashed',
    async () => {
      const user = await t.seedUser();
      await storeOutdatedHash(t.db.knex, user.id, PASSWORD);
      return { response: await login(user.username), userId: user.id };
    },
  ],
  [
    'a wrong password',
    'auth.login.failed',
    async () => {
      const user = await t.seedUser();
      return { response: await login(user.username, 'not the password at all'), userId: user.id };
    },
  ],
  [
    'a login to an account that does not exist',
    'auth.login.failed',
    async () => ({ response: await login(uniqueName('ghost')) }),
  ],
  [
    'a login throttled after repeated failures',
    'auth.lockout',
    async () => {
      const user = await t.seedUser();
      for (let i = 0; i < MAX_FAILURES; i++) await login(user.username, `wrong password ${i}`);
      return { response: await login(user.username), userId: user.id };
    },
  ],
  [
    'the right password for a disabled account',
    'auth.login.disabled',
    async () => {
      const user = await t.seedUser({ status: 'disabled' });
      return { response: await login(user.username), userId: user.id };
    },
  ],
  [
    'a refresh',
    'auth.refresh',
    async () => {
      const { user, session } = await signedIn();
      return { response: await refresh(session.refreshToken), userId: user.id };
    },
  ],
  [
    'an unknown refresh token',
    'auth.refresh.failed',
    async () => ({ response: await refresh('A'.repeat(43)) }),
  ],
  [
    'a refresh after the account was disabled',
    'auth.refresh.failed',
    async () => {
      const { user, session } = await signedIn();
      await t.db.knex('users').where({ id: user.id }).update({ status: 'disabled' });
      return { response: await refresh(session.refreshToken), userId: user.id };
    },
  ],
  [
    'a replayed refresh token',
    'auth.refresh.reuse',
    async () => {
      const { user, session } = await signedIn();
      await refresh(session.refreshToken);
      return { response: await refresh(session.refreshToken), userId: user.id };
    },
  ],
  [
    'a logout',
    'auth.logout',
    async () => {
      const { user, session } = await signedIn();
      const response = await call('POST', '/api/auth/logout', { token: session.accessToken });
      return { response, userId: user.id };
    },
  ],
  [
    'a password change',
    'auth.password.changed',
    async () => {
      const { user, session } = await signedIn();
      const response = await call('POST', '/api/me/password', {
        token: session.accessToken,
        body: { currentPassword: PASSWORD, newPassword: 'a different passphrase, also long' },
      });
      return { response, userId: user.id };
    },
  ],
  [
    'a password change with the wrong current password',
    'auth.password.change.failed',
    async () => {
      const { user, session } = await signedIn();
      const response = await call('POST', '/api/me/password', {
        token: session.accessToken,
        body: { currentPassword: 'not the password at all', newPassword: 'whatever it is, long' },
      });
      return { response, userId: user.id };
    },
  ],
  [
    'an email change with the wrong current password',
    'auth.reauth.failed',
    async () => {
      const { user, session } = await signedIn();
      const response = await call('PATCH', '/api/me', {
        token: session.accessToken,
        body: { email: `${uniqueName('new')}@example.com`, currentPassword: 'not it at all' },
      });
      return { response, userId: user.id };
    },
  ],
  [
    'an admin changing a user',
    'admin.user.updated',
    async () => {
      const { actorId, userId, token } = await adminAndTarget();
      const response = await call('PATCH', `/api/admin/users/${userId}`, {
        token,
        body: { roles: ['auditor'] },
      });
      return { response, userId, actorId };
    },
  ],
  [
    'an admin ending a user’s sessions',
    'admin.user.sessions_revoked',
    async () => {
      const { actorId, userId, token } = await adminAndTarget();
      const response = await call('POST', `/api/admin/users/${userId}/revoke-sessions`, { token });
      return { response, userId, actorId };
    },
  ],
  [
    'an admin deleting a user',
    'admin.user.deleted',
    async () => {
      const { actorId, userId, token } = await adminAndTarget();
      const response = await call('DELETE', `/api/admin/users/${userId}`, { token });
      return { response, userId, actorId };
    },
  ],
];

type LogLine = Record<string, unknown>;

/** The log lines written while serving the request with this id. */
const linesOf = (requestId: string | null): LogLine[] =>
  log.lines
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => requestId !== null && line.requestId === requestId);

describe('security events', () => {
  test.each(OUTCOMES)(
    '%s is logged as %s, with when, where, who and the request id (ASVS 16.2.1, 16.3.1)',
    async (_name, event, act) => {
      const { response, userId, actorId } = await act();
      const requestId = response.headers.get('x-request-id');

      const events = linesOf(requestId).filter((line) => line.event === event);

      expect(events).toHaveLength(1);
      const [line] = events as [LogLine];
      expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(line).toMatchObject({ service: 'bastion', requestId, ip: IP });
      expect(line.userId).toBe(userId);
      expect(line.actorId).toBe(actorId);
      expect(JSON.stringify(line)).not.toContain(PASSWORD);
    },
  );

  test('the outcomes above cover every security event the services write', async () => {
    const written = new Set<string>();
    for await (const file of new Bun.Glob('**/*.service.ts').scan(
      join(import.meta.dir, '..', '..', '..', 'server', 'modules'),
    )) {
      const source = await Bun.file(
        join(import.meta.dir, '..', '..', '..', 'server', 'modules', file),
      ).text();
      for (const match of source.matchAll(/event: '([\w.]+)'/g)) written.add(match[1] as string);
    }
    const covered = new Set(OUTCOMES.map(([, event]) => event));
    expect([...written].sort()).toEqual([...covered].sort());
  });

  test('no password or token that crossed the API above reached the log, and emails appear only masked (ASVS 16.2.5)', () => {
    const written = log.lines.join('');
    expect(secrets.size).toBeGreaterThan(20);
    expect([...secrets].filter((secret) => written.includes(secret))).toEqual([]);
    expect(written).toContain('***@example.com');
    expect(written).not.toMatch(/[\w.+-]@example\.com/);
  });

  test('a client-written address with quotes and braces stays one field of one JSON line (ASVS 16.4.1)', async () => {
    // No comma (that would split the header), but quotes, braces, a tab and a backslash.
    const forged = '198.51.100.9"}\t{"level":"fatal"}\\n';
    const user = await t.seedUser();
    const response = await call(
      'POST',
      '/api/auth/login',
      { body: { identifier: user.username, password: 'not the password at all' } },
      forged,
    );

    const lines = linesOf(response.headers.get('x-request-id'));

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', event: 'auth.login.failed', ip: forged });
  });
});

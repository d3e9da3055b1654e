import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createApp } from '../../../server/app.ts';
import type { KeyValueStore } from '../../../server/kv/store.ts';
import { createLogger } from '../../../server/lib/logger.ts';
import type { RateLimits } from '../../../server/plugins/rate-limit.ts';
import { createTestApp, PASSWORD, type TestApp, testConfig, testStore } from '../../helpers/app.ts';
import { capturedLogger } from '../../helpers/log.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const LIMITS: RateLimits = {
  anonymous: { limit: 5, windowSeconds: 60 },
  auth: { limit: 3, windowSeconds: 60 },
  user: { limit: 4, windowSeconds: 60 },
};

describe('rate limits', () => {
  let t: TestApp;
  let log: ReturnType<typeof capturedLogger>;
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  beforeAll(async () => {
    log = capturedLogger('warn');
    t = await createTestApp({
      rateLimits: LIMITS,
      logger: log.logger,
      config: testConfig({ TRUST_PROXY_HOPS: '1' }),
    });
  });
  afterAll(() => t?.close());

  test('anonymous requests are counted per IP, with RateLimit headers, then refused with 429', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestApp['request']>> | undefined;
    for (let i = 0; i < 6; i++) {
      last = await t.request('GET', '/api/docs/json', { headers: from('198.51.100.1') });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last?.headers.get('ratelimit-limit')).toBe('5');
    expect(last?.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((last?.body as { error?: { code: string } } | undefined)?.error?.code).toBe(
      'rate_limited',
    );
    // The refusal is logged under the id the 429 carries.
    const refusal = log.lines
      .map((line) => JSON.parse(line) as { event?: string; requestId?: string })
      .find((e) => e.event === 'rate_limit.exceeded');
    expect(refusal?.requestId).toBe(last?.headers.get('x-request-id') ?? 'missing');
    // Another address has its own budget.
    expect(
      (await t.request('GET', '/api/docs/json', { headers: from('198.51.100.2') })).status,
    ).toBe(200);
  });

  test('every refusal is logged as rate_limit.exceeded (the alarm metric filter)', () => {
    const events = log.lines.map((line) => JSON.parse(line) as { event?: string; ip?: string });
    expect(events.some((e) => e.event === 'rate_limit.exceeded' && e.ip === '198.51.100.1')).toBe(
      true,
    );
  });

  test('the auth routes have a stricter per-IP bucket', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.request('POST', '/api/auth/login', {
        headers: from('198.51.100.3'),
        body: { identifier: 'nobody', password: 'not the password' },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  test('authenticated requests count per user, not per address', async () => {
    const user = await t.seedUser();
    const login = await t.request<{ accessToken: string }>('POST', '/api/auth/login', {
      headers: from('198.51.100.4'),
      body: { identifier: user.username, password: PASSWORD, tokenDelivery: 'body' },
    });
    expect(login.status).toBe(200);
    const statuses: number[] = [];
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5']) {
      statuses.push(
        (await t.request('GET', '/api/me', { token: login.body.accessToken, headers: from(ip) }))
          .status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  test('bad credentials do not escape the anonymous limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await t.request('GET', '/api/me', { token: 'a.b.c', headers: from('198.51.100.5') }))
          .status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  test('health probes are never limited', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await t.request('GET', '/healthz', { headers: from('198.51.100.6') })).status).toBe(
        200,
      );
    }
  });
});

describe('rate limits fail closed', () => {
  test('when the store cannot count, requests are refused with 503, not let through', async () => {
    const store = testStore();
    const broken: KeyValueStore = Object.assign(Object.create(store), {
      increment: () => Promise.reject(new Error('connection refused')),
    });
    const t = await createTestApp({ rateLimits: LIMITS });
    const app = createApp({
      config: t.config,
      logger: createLogger({ level: 'silent' }),
      db: t.db,
      kv: broken,
      rateLimits: LIMITS,
    });
    const response = await app.handle(new Request('http://localhost:3000/api/docs/json'));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'service_unavailable',
    );
    await t.close();
    await store.close();
  });
});

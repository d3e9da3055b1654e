import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { clientIp } from '../../../server/plugins/request-context.ts';
import { createTestApp, PASSWORD, type TestApp, testConfig } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

describe('clientIp: only the trusted proxies are believed (ASVS 4.1.3)', () => {
  test('with no trusted proxy, X-Forwarded-For is ignored entirely', () => {
    expect(clientIp('203.0.113.9', '10.0.0.2', 0)).toBe('10.0.0.2');
  });

  test('with one trusted proxy, the entry it appended is used, not what the client wrote', () => {
    expect(clientIp('6.6.6.6, 203.0.113.9', '10.0.0.2', 1)).toBe('203.0.113.9');
  });

  test('with two trusted proxies, the second entry from the right', () => {
    expect(clientIp('6.6.6.6, 203.0.113.9, 198.51.100.7', '10.0.0.2', 2)).toBe('203.0.113.9');
  });

  test('a chain shorter than the trusted hops falls back to the peer', () => {
    expect(clientIp('203.0.113.9', '10.0.0.2', 2)).toBe('10.0.0.2');
    expect(clientIp(null, undefined, 1)).toBe('unknown');
  });
});

describe('the session records the trusted address, not a spoofed one', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: testConfig({ TRUST_PROXY_HOPS: '1' }) });
  });
  afterAll(() => t?.close());

  test('a client prepending a fake address to X-Forwarded-For does not change its recorded IP', async () => {
    const user = await t.seedUser();
    const login = await t.request<{ accessToken: string }>('POST', '/api/auth/login', {
      body: { identifier: user.username, password: PASSWORD, tokenDelivery: 'body' },
      headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' },
    });
    const sessions = await t.request<{ sessions: Array<{ ip: string }> }>('GET', '/api/sessions', {
      token: login.body.accessToken,
    });
    expect(sessions.body.sessions.map((s) => s.ip)).toEqual(['203.0.113.9']);
  });
});

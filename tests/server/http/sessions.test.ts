import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { decodeJwt } from 'jose';
import type { ErrorBody } from '../../../server/plugins/error-handler.ts';
import {
  createTestApp,
  ORIGIN,
  PASSWORD,
  type Session,
  type TestApp,
  testConfig,
} from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
beforeAll(async () => {
  // One trusted proxy, so the address a session records is the one the login sent.
  t = await createTestApp({ config: testConfig({ TRUST_PROXY_HOPS: '1' }) });
});
afterAll(() => t.close());

interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
  current: boolean;
}
type ListBody = { sessions: SessionView[] } & ErrorBody;

/** Sign in with a given client address and user agent. */
async function signInFrom(username: string, ip: string, userAgent: string): Promise<Session> {
  const response = await t.request<Session>('POST', '/api/auth/login', {
    body: { identifier: username, password: PASSWORD, tokenDelivery: 'body' },
    headers: { 'x-forwarded-for': ip, 'user-agent': userAgent },
  });
  expect(response.status).toBe(200);
  return response.body;
}

const sessionId = (session: Session) => String(decodeJwt(session.accessToken).sid);
const list = (token: string) => t.request<ListBody>('GET', '/api/sessions', { token });
const meStatus = async (token: string) => (await t.request('GET', '/api/me', { token })).status;
const endSession = (token: string, id: string) =>
  t.request<ErrorBody>('DELETE', `/api/sessions/${id}`, { token });

describe('GET /api/sessions', () => {
  test('lists the user’s sessions with times, address, user agent and one current flag', async () => {
    const user = await t.seedUser();
    const laptop = await signInFrom(user.username, '203.0.113.7', 'Laptop/1.0');
    const phone = await signInFrom(user.username, '198.51.100.9', 'Phone/2.0');
    const stranger = await t.seedUser();
    await t.signIn(stranger.username);

    const response = await list(laptop.accessToken);

    expect(response.status).toBe(200);
    const byId = new Map(response.body.sessions.map((s) => [s.id, s]));
    expect([...byId.keys()].sort()).toEqual([sessionId(laptop), sessionId(phone)].sort());
    expect(byId.get(sessionId(laptop))).toMatchObject({
      ip: '203.0.113.7',
      userAgent: 'Laptop/1.0',
      current: true,
    });
    expect(byId.get(sessionId(phone))).toMatchObject({
      ip: '198.51.100.9',
      userAgent: 'Phone/2.0',
      current: false,
    });
    expect(response.body.sessions.filter((s) => s.current)).toHaveLength(1);
    for (const session of response.body.sessions) {
      const created = Date.parse(session.createdAt);
      expect(created).toBeGreaterThan(Date.now() - 60_000);
      expect(Date.parse(session.lastSeenAt)).toBeGreaterThanOrEqual(created);
      expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    }
  });

  test('the current flag follows the token that asks', async () => {
    const user = await t.seedUser();
    const first = await t.signIn(user.username);
    const second = await t.signIn(user.username);

    const current = (await list(second.accessToken)).body.sessions.find((s) => s.current);

    expect(current?.id).toBe(sessionId(second));
    expect(current?.id).not.toBe(sessionId(first));
  });

  test('without a token is 401', async () => {
    expect((await t.request('GET', '/api/sessions')).status).toBe(401);
  });
});

describe('DELETE /api/sessions/:id', () => {
  test('ends that session at once: its token is refused on the next request', async () => {
    const user = await t.seedUser();
    const keeper = await t.signIn(user.username);
    const doomed = await t.signIn(user.username);
    expect(await meStatus(doomed.accessToken)).toBe(200);

    const response = await endSession(keeper.accessToken, sessionId(doomed));

    expect(response.status).toBe(204);
    expect(await meStatus(doomed.accessToken)).toBe(401);
    expect(await meStatus(keeper.accessToken)).toBe(200);
    const ids = (await list(keeper.accessToken)).body.sessions.map((s) => s.id);
    expect(ids).toEqual([sessionId(keeper)]);
    const refreshed = await t.request('POST', '/api/auth/refresh', {
      body: { refreshToken: doomed.refreshToken },
    });
    expect(refreshed.status).toBe(401);
  });

  test('another user’s session id is 404 and that session lives on', async () => {
    const attacker = await t.signIn((await t.seedUser()).username);
    const victim = await t.signIn((await t.seedUser()).username);

    const response = await endSession(attacker.accessToken, sessionId(victim));

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
    expect(await meStatus(victim.accessToken)).toBe(200);
  });

  test('an unknown id is 404', async () => {
    const session = await t.signIn((await t.seedUser()).username);

    expect((await endSession(session.accessToken, crypto.randomUUID())).status).toBe(404);
  });

  test.each(['not-a-uuid', '1', "1' OR '1'='1"])('a non-uuid id (%s) is 400', async (id) => {
    const session = await t.signIn((await t.seedUser()).username);

    const response = await endSession(session.accessToken, encodeURIComponent(id));

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(await meStatus(session.accessToken)).toBe(200);
  });
});

describe('DELETE /api/sessions', () => {
  async function threeSessions() {
    const user = await t.seedUser();
    const sessions: Session[] = [];
    for (let i = 0; i < 3; i++) sessions.push(await t.signIn(user.username));
    return sessions as [Session, Session, Session];
  }

  test('ends every session but the current one by default', async () => {
    const [current, ...others] = await threeSessions();

    const response = await t.request<{ ended: number }>('DELETE', '/api/sessions', {
      token: current.accessToken,
    });

    expect(response.status).toBe(200);
    expect(response.body.ended).toBe(2);
    expect(await meStatus(current.accessToken)).toBe(200);
    for (const other of others) expect(await meStatus(other.accessToken)).toBe(401);
  });

  test('with keepCurrent=false ends the current session too', async () => {
    const [current, ...others] = await threeSessions();

    const response = await t.request<{ ended: number }>(
      'DELETE',
      '/api/sessions?keepCurrent=false',
      { token: current.accessToken },
    );

    expect(response.status).toBe(200);
    expect(response.body.ended).toBe(3);
    for (const session of [current, ...others]) {
      expect(await meStatus(session.accessToken)).toBe(401);
    }
  });

  test('leaves other users’ sessions alone', async () => {
    const [current] = await threeSessions();
    const bystander = await t.signIn((await t.seedUser()).username);

    await t.request('DELETE', '/api/sessions?keepCurrent=false', { token: current.accessToken });

    expect(await meStatus(bystander.accessToken)).toBe(200);
  });

  test.each(['keepCurrent=maybe', 'userId=someone-else'])('?%s is 400', async (query) => {
    const [current, other] = await threeSessions();

    const response = await t.request('DELETE', `/api/sessions?${query}`, {
      token: current.accessToken,
    });

    expect(response.status).toBe(400);
    expect(await meStatus(other.accessToken)).toBe(200);
  });
});

describe('cookie-authenticated revocation needs an allowed Origin', () => {
  async function cookieSession() {
    const user = await t.seedUser();
    const response = await t.request('POST', '/api/auth/login', {
      body: { identifier: user.username, password: PASSWORD },
    });
    const token = response.cookies[t.cookieNames.access] ?? '';
    return { cookies: { [t.cookieNames.access]: token }, sid: String(decodeJwt(token).sid) };
  }
  const cookieMe = async (cookies: Record<string, string>) =>
    (await t.request('GET', '/api/me', { cookies })).status;

  test.each([
    ['no Origin', {}],
    ['a foreign Origin', { origin: 'http://evil.example' }],
    ['a look-alike Origin', { origin: 'http://localhost:3000.evil.example' }],
  ])('DELETE /api/sessions/:id with %s is 403 and the session lives', async (_name, headers) => {
    const { cookies, sid } = await cookieSession();

    const response = await t.request<ErrorBody>('DELETE', `/api/sessions/${sid}`, {
      cookies,
      headers,
    });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('csrf_origin_rejected');
    expect(await cookieMe(cookies)).toBe(200);
  });

  test('DELETE /api/sessions without an Origin is 403 and ends nothing', async () => {
    const { cookies } = await cookieSession();

    const response = await t.request('DELETE', '/api/sessions?keepCurrent=false', { cookies });

    expect(response.status).toBe(403);
    expect(await cookieMe(cookies)).toBe(200);
  });

  test('with the allowed Origin the cookie session can end itself', async () => {
    const { cookies, sid } = await cookieSession();

    const response = await t.request('DELETE', `/api/sessions/${sid}`, {
      cookies,
      headers: { origin: ORIGIN },
    });

    expect(response.status).toBe(204);
    expect(await cookieMe(cookies)).toBe(401);
  });
});

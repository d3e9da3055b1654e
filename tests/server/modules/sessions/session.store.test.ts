import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MemoryStore } from '../../../../server/kv/memory-store.ts';
import { RedisStore } from '../../../../server/kv/redis-store.ts';
import type { KeyValueStore } from '../../../../server/kv/store.ts';
import { hashToken, SessionStore } from '../../../../server/modules/sessions/session.store.ts';
import { sessionUser } from '../../../helpers/users.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const POLICY = { idleTimeoutSeconds: 1800, maxAgeSeconds: 7200 };
const client = { ip: '203.0.113.7', userAgent: 'bun-test' };

/** A SessionStore on a MemoryStore sharing one fake clock, and a way to move it. */
function fixture(policy = POLICY) {
  let now = Date.parse('2025-01-01T09:00:00Z');
  const clock = () => now;
  const kv = new MemoryStore(clock);
  return {
    kv,
    sessions: new SessionStore(kv, policy, clock),
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

const login = (sessions: SessionStore, userId = crypto.randomUUID()) =>
  sessions.create({ user: sessionUser(userId), ...client });

/** Token reuse, the contract the refresh endpoint relies on; run on every store. */
function rotationContract(name: string, makeStore: () => KeyValueStore) {
  describe(`rotation and reuse (${name})`, () => {
    const kv = makeStore();
    const sessions = new SessionStore(kv, POLICY);
    afterAll(() => kv.close());

    test('rotate returns a new token; the old one is then reuse and ends the session', async () => {
      const { session, refreshToken } = await login(sessions);
      const rotated = await sessions.rotate(refreshToken);
      if (rotated.kind !== 'rotated') throw new Error(`expected rotated, got ${rotated.kind}`);
      expect(rotated.refreshToken).not.toBe(refreshToken);
      expect(rotated.session.id).toBe(session.id);
      expect(await sessions.get(session.id)).toBeDefined();

      const replay = await sessions.rotate(refreshToken);
      expect(replay.kind).toBe('reused');
      expect(await sessions.get(session.id)).toBeUndefined();
      // The whole family is gone: the newest token no longer works either.
      expect((await sessions.rotate(rotated.refreshToken)).kind).toBe('invalid');
    });

    test('a token that was never issued is invalid', async () => {
      for (const token of ['', 'not-a-token', crypto.randomUUID()]) {
        expect((await sessions.rotate(token)).kind).toBe('invalid');
      }
    });

    test('of 20 concurrent rotations with one token, exactly one rotates', async () => {
      const { session, refreshToken } = await login(sessions);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => sessions.rotate(refreshToken)),
      );
      expect(results.filter((r) => r.kind === 'rotated')).toHaveLength(1);
      expect(results.every((r) => ['rotated', 'reused', 'invalid'].includes(r.kind))).toBe(true);
      // The other 19 presented a used token: that is reuse, and the session ends.
      expect(await sessions.get(session.id)).toBeUndefined();
    });
  });
}

rotationContract('MemoryStore', () => new MemoryStore());
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  rotationContract(
    'RedisStore',
    () => new RedisStore({ url: redisUrl, prefix: `bastion-test:${crypto.randomUUID()}:` }),
  );
}

describe('create and get', () => {
  test('a new session is live with who, when and where', async () => {
    const { sessions } = fixture();
    const userId = crypto.randomUUID();
    const { session, refreshToken } = await sessions.create({
      user: sessionUser(userId, ['admin', 'user']),
      ip: client.ip,
      userAgent: 'x'.repeat(1000),
    });
    expect(await sessions.get(session.id)).toEqual(session);
    expect(session).toMatchObject({ userId, ip: client.ip });
    expect(session.user.roles).toEqual(['admin', 'user']);
    expect(session.userAgent).toHaveLength(256);
    expect(session.expiresAt - session.createdAt).toBe(POLICY.maxAgeSeconds * 1000);
    // 256 random bits, base64url.
    expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('an unknown session id is undefined', async () => {
    expect(await fixture().sessions.get(crypto.randomUUID())).toBeUndefined();
  });

  test('the store holds only a hash of the refresh token, never the token', async () => {
    const written: string[] = [];
    const kv = new MemoryStore();
    const recording: KeyValueStore = Object.assign(Object.create(kv) as MemoryStore, {
      set: (key: string, value: string, ttl: number) => {
        written.push(key, value);
        return kv.set(key, value, ttl);
      },
    });
    const sessions = new SessionStore(recording, POLICY);
    const { refreshToken } = await login(sessions);
    const rotated = await sessions.rotate(refreshToken);
    const next = rotated.kind === 'rotated' ? rotated.refreshToken : 'missing';
    expect(written.length).toBeGreaterThan(0);
    for (const token of [refreshToken, next]) {
      expect(written.filter((entry) => entry.includes(token))).toEqual([]);
      expect(written.some((entry) => entry.includes(hashToken(token)))).toBe(true);
    }
    await kv.close();
  });
});

describe('timeouts', () => {
  test('a session not used for idleTimeoutSeconds ends', async () => {
    const { sessions, advance } = fixture();
    const { session, refreshToken } = await login(sessions);
    advance(POLICY.idleTimeoutSeconds - 1);
    expect(await sessions.get(session.id)).toBeDefined();
    advance(2);
    expect(await sessions.get(session.id)).toBeUndefined();
    expect((await sessions.rotate(refreshToken)).kind).toBe('invalid');
  });

  test('touch moves the idle deadline forward', async () => {
    const { sessions, advance } = fixture();
    const { session } = await login(sessions);
    advance(POLICY.idleTimeoutSeconds - 60);
    await sessions.touch((await sessions.get(session.id)) ?? session);
    advance(POLICY.idleTimeoutSeconds - 60);
    const live = await sessions.get(session.id);
    expect(live?.lastSeenAt).toBe(session.createdAt + (POLICY.idleTimeoutSeconds - 60) * 1000);
    advance(61);
    expect(await sessions.get(session.id)).toBeUndefined();
  });

  test('a refresh counts as activity too', async () => {
    const { sessions, advance } = fixture();
    const { session, refreshToken } = await login(sessions);
    advance(POLICY.idleTimeoutSeconds - 10);
    const rotated = await sessions.rotate(refreshToken);
    expect(rotated.kind).toBe('rotated');
    advance(POLICY.idleTimeoutSeconds - 10);
    expect(await sessions.get(session.id)).toBeDefined();
  });

  test('a role change is not activity: it leaves the idle deadline where it was', async () => {
    const { sessions, advance } = fixture();
    const { session } = await login(sessions);
    advance(POLICY.idleTimeoutSeconds - 100);
    await sessions.syncUser(sessionUser(session.userId, ['auditor']));
    expect((await sessions.get(session.id))?.user.roles).toEqual(['auditor']);
    advance(101);
    expect(await sessions.get(session.id)).toBeUndefined();
  });

  test('touch more than once a minute writes nothing new', async () => {
    const { sessions, advance } = fixture();
    const { session } = await login(sessions);
    advance(30);
    await sessions.touch(session);
    expect((await sessions.get(session.id))?.lastSeenAt).toBe(session.createdAt);
  });

  test('maxAgeSeconds ends a session however active it is', async () => {
    const { sessions, advance } = fixture();
    const { session, refreshToken } = await login(sessions);
    let token = refreshToken;
    for (let elapsed = 0; elapsed < POLICY.maxAgeSeconds - 600; elapsed += 600) {
      advance(600);
      const live = await sessions.get(session.id);
      expect(live).toBeDefined();
      await sessions.touch(live ?? session);
      const rotated = await sessions.rotate(token);
      if (rotated.kind !== 'rotated') throw new Error(`rotation failed: ${rotated.kind}`);
      token = rotated.refreshToken;
    }
    advance(600);
    expect(await sessions.get(session.id)).toBeUndefined();
    expect((await sessions.rotate(token)).kind).toBe('invalid');
  });
});

describe('listing and revoking', () => {
  test('listForUser lists the live sessions of that user only, newest first', async () => {
    const { sessions, advance } = fixture();
    const userId = crypto.randomUUID();
    const first = await login(sessions, userId);
    advance(5);
    const second = await login(sessions, userId);
    await login(sessions);
    const listed = await sessions.listForUser(userId);
    expect(listed.map((s) => s.id)).toEqual([second.session.id, first.session.id]);
    advance(POLICY.idleTimeoutSeconds + 1);
    expect(await sessions.listForUser(userId)).toEqual([]);
  });

  test('revoke ends the session for its owner only', async () => {
    const { sessions } = fixture();
    const userId = crypto.randomUUID();
    const { session, refreshToken } = await login(sessions, userId);
    expect(await sessions.revoke(crypto.randomUUID(), session.id)).toBe(false);
    expect(await sessions.get(session.id)).toBeDefined();
    expect(await sessions.revoke(userId, session.id)).toBe(true);
    expect(await sessions.get(session.id)).toBeUndefined();
    expect((await sessions.rotate(refreshToken)).kind).toBe('invalid');
    expect(await sessions.revoke(userId, session.id)).toBe(false);
    expect(await sessions.listForUser(userId)).toEqual([]);
  });

  test('revokeAll ends every session of the user except the one kept', async () => {
    const { sessions } = fixture();
    const userId = crypto.randomUUID();
    const kept = await login(sessions, userId);
    const others = [await login(sessions, userId), await login(sessions, userId)];
    const stranger = await login(sessions);
    expect(await sessions.revokeAll(userId, kept.session.id)).toBe(2);
    expect(await sessions.get(kept.session.id)).toBeDefined();
    for (const other of others) {
      expect(await sessions.get(other.session.id)).toBeUndefined();
      expect((await sessions.rotate(other.refreshToken)).kind).toBe('invalid');
    }
    expect(await sessions.get(stranger.session.id)).toBeDefined();
    expect(await sessions.revokeAll(userId)).toBe(1);
    expect(await sessions.get(kept.session.id)).toBeUndefined();
    expect(await sessions.revokeAll(userId)).toBe(0);
  });

  test('syncUser carries a change of the user into every live session of that user only', async () => {
    const { sessions } = fixture();
    const userId = crypto.randomUUID();
    const a = await login(sessions, userId);
    const b = await login(sessions, userId);
    const stranger = await login(sessions);
    await sessions.syncUser({ ...sessionUser(userId, ['admin', 'user']), displayName: 'Renamed' });
    expect((await sessions.get(a.session.id))?.user.roles).toEqual(['admin', 'user']);
    expect((await sessions.get(b.session.id))?.user.displayName).toBe('Renamed');
    expect((await sessions.get(stranger.session.id))?.user.roles).toEqual(['user']);
    expect((await sessions.get(stranger.session.id))?.user.displayName).toBeNull();
  });
});

describe('hashToken', () => {
  test('is SHA-256, base64url, so a stored digest reveals nothing (ASVS 11.4.1)', () => {
    // The FIPS 180-2 test vector for "abc".
    expect(hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});

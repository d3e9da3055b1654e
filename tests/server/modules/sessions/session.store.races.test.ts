import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MemoryStore } from '../../../../server/kv/memory-store.ts';
import type { KeyValueStore } from '../../../../server/kv/store.ts';
import { SessionStore } from '../../../../server/modules/sessions/session.store.ts';
import { sessionUser } from '../../../helpers/users.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

/**
 * Interleavings a real deployment produces (two requests, two processes, one Redis), made
 * deterministic: a store that runs `hook` once, right after the first call of `method` on a
 * key matching `pattern`, before that call returns to the SessionStore.
 */
class InterleavingStore implements KeyValueStore {
  readonly kind = 'memory';
  private pending?: { method: string; pattern: RegExp; hook: () => Promise<void> };

  constructor(private readonly inner: MemoryStore) {}

  after(method: keyof KeyValueStore, pattern: RegExp, hook: () => Promise<void>): void {
    this.pending = { method, pattern, hook };
  }

  private async step<T>(method: string, key: string, call: Promise<T>): Promise<T> {
    const result = await call;
    const pending = this.pending;
    if (pending && pending.method === method && pending.pattern.test(key)) {
      this.pending = undefined;
      await pending.hook();
    }
    return result;
  }

  get = (key: string) => this.step('get', key, this.inner.get(key));
  getMany = (keys: readonly string[]) => this.inner.getMany(keys);
  set = (key: string, value: string, ttl: number) =>
    this.step('set', key, this.inner.set(key, value, ttl));
  setIfAbsent = (key: string, value: string, ttl: number) =>
    this.inner.setIfAbsent(key, value, ttl);
  compareAndSet = (key: string, expected: string, next: string, ttl: number) =>
    this.step('compareAndSet', key, this.inner.compareAndSet(key, expected, next, ttl));
  delete = (...keys: string[]) => this.inner.delete(...keys);
  increment = (key: string, window: number) => this.inner.increment(key, window);
  addToSet = (key: string, member: string, ttl: number) => this.inner.addToSet(key, member, ttl);
  removeFromSet = (key: string, ...members: string[]) => this.inner.removeFromSet(key, ...members);
  setMembers = (key: string) => this.inner.setMembers(key);
  ping = () => this.inner.ping();
  close = () => this.inner.close();
}

const POLICY = { idleTimeoutSeconds: 1800, maxAgeSeconds: 7200 };
const REFRESH_POINTER = /^sess:[^:]+:rt$/;

function fixture() {
  let now = Date.parse('2025-01-01T09:00:00Z');
  const clock = () => now;
  const kv = new InterleavingStore(new MemoryStore(clock));
  return {
    kv,
    sessions: new SessionStore(kv, POLICY, clock),
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

const login = (sessions: SessionStore, userId = crypto.randomUUID()) =>
  sessions.create({
    user: sessionUser(userId, ['admin', 'user']),
    ip: '203.0.113.7',
    userAgent: 'bun-test',
  });

describe('SessionStore under concurrent requests', () => {
  test('a reuse detected during a rotation ends the session; the rotation cannot revive it', async () => {
    const { kv, sessions } = fixture();
    const { session, refreshToken } = await login(sessions);
    let replay: string | undefined;
    // The stolen copy of the token is presented while the legitimate rotation is mid-way.
    kv.after('compareAndSet', REFRESH_POINTER, async () => {
      replay = (await sessions.rotate(refreshToken)).kind;
    });
    const legit = await sessions.rotate(refreshToken);
    expect(replay).toBe('reused');
    expect(await sessions.get(session.id)).toBeUndefined();
    expect(await sessions.listForUser(session.userId)).toEqual([]);
    if (legit.kind === 'rotated') {
      expect((await sessions.rotate(legit.refreshToken)).kind).not.toBe('rotated');
    }
  });

  test('a request that read the session before logout cannot revive it by touching it', async () => {
    const { sessions, advance } = fixture();
    const { session } = await login(sessions);
    advance(120);
    const readByRequest = await sessions.get(session.id);
    await sessions.revoke(session.userId, session.id);
    await sessions.touch(readByRequest ?? session);
    expect(await sessions.get(session.id)).toBeUndefined();
  });

  test('a request that read the session before a role change cannot restore the old roles', async () => {
    const { sessions, advance } = fixture();
    const { session } = await login(sessions);
    advance(120);
    const readByRequest = await sessions.get(session.id);
    await sessions.syncUser(sessionUser(session.userId, ['user']));
    await sessions.touch(readByRequest ?? session);
    expect((await sessions.get(session.id))?.user.roles).toEqual(['user']);
  });

  test('a touch racing a rotation cannot bring back the superseded refresh token', async () => {
    const { kv, sessions, advance } = fixture();
    const { session, refreshToken } = await login(sessions);
    advance(120);
    let next: string | undefined;
    // The refresh lands between touch reading the current token hash and writing it back.
    kv.after('get', REFRESH_POINTER, async () => {
      const rotated = await sessions.rotate(refreshToken);
      next = rotated.kind === 'rotated' ? rotated.refreshToken : undefined;
    });
    await sessions.touch((await sessions.get(session.id)) ?? session);
    expect(next).toEqual(expect.any(String));
    // The new token works and the old one is still a reuse.
    const fresh = await sessions.rotate(next ?? '');
    expect(fresh.kind).toBe('rotated');
    expect((await sessions.rotate(refreshToken)).kind).toBe('reused');
    expect(await sessions.get(session.id)).toBeUndefined();
  });
});

import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MemoryStore } from '../../../server/kv/memory-store.ts';
import { RedisStore } from '../../../server/kv/redis-store.ts';
import type { KeyValueStore } from '../../../server/kv/store.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

interface Subject {
  readonly store: KeyValueStore;
  /** Let `seconds` pass for the store: move the injected clock, or really wait (Redis). */
  elapse(seconds: number): Promise<void>;
}

/** The KeyValueStore contract: every implementation must pass the same cases. */
function contract(name: string, make: () => Subject) {
  describe(`${name} (KeyValueStore contract)`, () => {
    const { store, elapse } = make();
    afterAll(() => store.close());
    const k = (label: string) => `${label}:${crypto.randomUUID()}`;

    test('get of a missing key is null; set then get returns the value', async () => {
      const key = k('plain');
      expect(await store.get(key)).toBeNull();
      await store.set(key, 'v1', 60);
      expect(await store.get(key)).toBe('v1');
      await store.set(key, 'v2', 60);
      expect(await store.get(key)).toBe('v2');
    });

    test('getMany returns values in key order, null for missing ones', async () => {
      const [a, b, missing] = [k('a'), k('b'), k('missing')];
      await store.set(a, 'A', 60);
      await store.set(b, 'B', 60);
      expect(await store.getMany([b, missing, a])).toEqual(['B', null, 'A']);
      expect(await store.getMany([])).toEqual([]);
    });

    test('delete removes keys and counts only the ones that existed', async () => {
      const [a, b] = [k('a'), k('b')];
      await store.set(a, '1', 60);
      await store.set(b, '2', 60);
      expect(await store.delete(a, b, k('never'))).toBe(2);
      expect(await store.getMany([a, b])).toEqual([null, null]);
      expect(await store.delete()).toBe(0);
    });

    test('setIfAbsent sets only the first time', async () => {
      const key = k('nonce');
      expect(await store.setIfAbsent(key, 'first', 60)).toBe(true);
      expect(await store.setIfAbsent(key, 'second', 60)).toBe(false);
      expect(await store.get(key)).toBe('first');
    });

    test('setIfAbsent: of 20 concurrent calls exactly one wins', async () => {
      const key = k('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.setIfAbsent(key, String(i), 60)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    test('compareAndSet replaces only when the value is the expected one', async () => {
      const key = k('cas');
      expect(await store.compareAndSet(key, 'anything', 'x', 60)).toBe(false);
      expect(await store.get(key)).toBeNull();
      await store.set(key, 'old', 60);
      expect(await store.compareAndSet(key, 'wrong', 'new', 60)).toBe(false);
      expect(await store.get(key)).toBe('old');
      expect(await store.compareAndSet(key, 'old', 'new', 60)).toBe(true);
      expect(await store.get(key)).toBe('new');
      expect(await store.compareAndSet(key, 'old', 'newer', 60)).toBe(false);
    });

    test('compareAndSet is atomic: of 20 concurrent calls expecting the same value, one wins', async () => {
      const key = k('cas-race');
      await store.set(key, 'start', 60);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.compareAndSet(key, 'start', `winner-${i}`, 60)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get(key)).toBe(`winner-${results.indexOf(true)}`);
    });

    test('increment counts from 1 and reports the window left', async () => {
      const key = k('counter');
      const first = await store.increment(key, 60);
      expect(first.count).toBe(1);
      expect(first.ttlSeconds).toBeGreaterThan(0);
      expect(first.ttlSeconds).toBeLessThanOrEqual(60);
      expect((await store.increment(key, 60)).count).toBe(2);
      const third = await store.increment(key, 60);
      expect(third.count).toBe(3);
      expect(third.ttlSeconds).toBeLessThanOrEqual(60);
      expect(await store.get(key)).toBe('3');
    });

    test('increment: 20 concurrent hits count 20', async () => {
      const key = k('counter-race');
      const results = await Promise.all(Array.from({ length: 20 }, () => store.increment(key, 60)));
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    test('sets: add, remove and list members; the set vanishes when emptied', async () => {
      const key = k('set');
      expect(await store.setMembers(key)).toEqual([]);
      await store.addToSet(key, 'a', 60);
      await store.addToSet(key, 'b', 60);
      await store.addToSet(key, 'a', 60);
      expect((await store.setMembers(key)).sort()).toEqual(['a', 'b']);
      await store.removeFromSet(key, 'a', 'never-there');
      expect(await store.setMembers(key)).toEqual(['b']);
      await store.removeFromSet(key);
      await store.removeFromSet(key, 'b');
      expect(await store.setMembers(key)).toEqual([]);
      await store.removeFromSet(k('missing-set'), 'x');
    });

    test('a value expires after its TTL', async () => {
      const [short, long] = [k('short'), k('long')];
      await store.set(short, 'soon gone', 1);
      await store.set(long, 'stays', 60);
      expect(await store.get(short)).toBe('soon gone');
      await elapse(1.1);
      expect(await store.get(short)).toBeNull();
      expect(await store.getMany([short, long])).toEqual([null, 'stays']);
      expect(await store.delete(short)).toBe(0);
      // An expired key is absent: setIfAbsent takes it again.
      expect(await store.setIfAbsent(short, 'again', 60)).toBe(true);
    });

    test('compareAndSet does not revive an expired value', async () => {
      const key = k('cas-expiry');
      await store.set(key, 'v', 1);
      await elapse(1.1);
      expect(await store.compareAndSet(key, 'v', 'w', 60)).toBe(false);
      expect(await store.get(key)).toBeNull();
    });

    test('a counter starts again after its window', async () => {
      const key = k('window');
      await store.increment(key, 1);
      expect((await store.increment(key, 1)).count).toBe(2);
      await elapse(1.1);
      expect((await store.increment(key, 1)).count).toBe(1);
    });

    test('a set expires its TTL after the last addition', async () => {
      const key = k('set-expiry');
      await store.addToSet(key, 'a', 1);
      await store.addToSet(key, 'b', 1);
      expect((await store.setMembers(key)).sort()).toEqual(['a', 'b']);
      await elapse(1.1);
      expect(await store.setMembers(key)).toEqual([]);
    });

    test('ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

contract('MemoryStore', () => {
  let now = Date.parse('2025-01-01T00:00:00Z');
  return {
    store: new MemoryStore(() => now),
    async elapse(seconds) {
      now += seconds * 1000;
    },
  };
});

const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  contract('RedisStore', () => ({
    store: new RedisStore({ url: redisUrl, prefix: `bastion-test:${crypto.randomUUID()}:` }),
    // Redis keeps its own clock: a behaviour wait, not a timing assertion.
    elapse: (seconds) => Bun.sleep(seconds * 1000),
  }));

  describe('RedisStore key prefix', () => {
    test('two prefixes never see each other’s keys', async () => {
      const a = new RedisStore({ url: redisUrl, prefix: `bastion-test:${crypto.randomUUID()}:` });
      const b = new RedisStore({ url: redisUrl, prefix: `bastion-test:${crypto.randomUUID()}:` });
      try {
        await a.set('shared', 'from a', 60);
        expect(await a.get('shared')).toBe('from a');
        expect(await b.get('shared')).toBeNull();
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}

import Redis from 'ioredis';
import type { KeyValueStore } from './store.ts';

const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`;

const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

type Scripts = {
  bastionCas(key: string, expected: string, next: string, ttl: number): Promise<number>;
  bastionIncr(key: string, window: number): Promise<[number, number]>;
};

export interface RedisStoreOptions {
  readonly url: string;
  /** Prefix for every key, so several deployments (or test runs) can share one Redis. */
  readonly prefix?: string;
}

/** The production store. Scripts keep each operation to one atomic round trip. */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis';
  private readonly redis: Redis & Scripts;

  constructor(options: RedisStoreOptions) {
    const redis = new Redis(options.url, {
      keyPrefix: options.prefix ?? 'bastion:',
      enableAutoPipelining: true,
      maxRetriesPerRequest: 2,
      connectTimeout: 5_000,
      lazyConnect: false,
    });
    redis.defineCommand('bastionCas', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    redis.defineCommand('bastionIncr', { numberOfKeys: 1, lua: INCREMENT });
    this.redis = redis as Redis & Scripts;
  }

  get(key: string) {
    return this.redis.get(key);
  }

  async getMany(keys: readonly string[]) {
    return keys.length === 0 ? [] : this.redis.mget(...keys);
  }

  async set(key: string, value: string, ttlSeconds: number) {
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    return (await this.redis.set(key, value, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async compareAndSet(key: string, expected: string, next: string, ttlSeconds: number) {
    return (await this.redis.bastionCas(key, expected, next, ttlSeconds)) === 1;
  }

  async delete(...keys: string[]) {
    return keys.length === 0 ? 0 : this.redis.del(...keys);
  }

  async increment(key: string, windowSeconds: number) {
    const [count, ttlSeconds] = await this.redis.bastionIncr(key, windowSeconds);
    return { count, ttlSeconds };
  }

  async addToSet(key: string, member: string, ttlSeconds: number) {
    await this.redis.multi().sadd(key, member).expire(key, ttlSeconds).exec();
  }

  async removeFromSet(key: string, ...members: string[]) {
    if (members.length > 0) await this.redis.srem(key, ...members);
  }

  setMembers(key: string) {
    return this.redis.smembers(key);
  }

  async ping() {
    await this.redis.ping();
  }

  async close() {
    await this.redis.quit();
  }
}

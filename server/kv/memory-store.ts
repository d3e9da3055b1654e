import type { KeyValueStore } from './store.ts';

type Entry = { value: string | Set<string>; expiresAt: number };

/**
 * The embedded store: one process, nothing installed. Same semantics as Redis for what
 * Bastion uses; expiry is checked on read and swept now and then.
 */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref?.();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private string(key: string): string | null {
    const value = this.live(key)?.value;
    return typeof value === 'string' ? value : null;
  }

  private put(key: string, value: string | Set<string>, ttlSeconds: number): void {
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async get(key: string) {
    return this.string(key);
  }

  async getMany(keys: readonly string[]) {
    return keys.map((key) => this.string(key));
  }

  async set(key: string, value: string, ttlSeconds: number) {
    this.put(key, value, ttlSeconds);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    if (this.live(key)) return false;
    this.put(key, value, ttlSeconds);
    return true;
  }

  async compareAndSet(key: string, expected: string, next: string, ttlSeconds: number) {
    if (this.string(key) !== expected) return false;
    this.put(key, next, ttlSeconds);
    return true;
  }

  async delete(...keys: string[]) {
    let removed = 0;
    for (const key of keys) if (this.live(key) && this.entries.delete(key)) removed++;
    return removed;
  }

  async increment(key: string, windowSeconds: number) {
    const entry = this.live(key);
    const count = entry ? Number(entry.value) + 1 : 1;
    const expiresAt = entry ? entry.expiresAt : this.now() + windowSeconds * 1000;
    this.entries.set(key, { value: String(count), expiresAt });
    return { count, ttlSeconds: Math.max(1, Math.ceil((expiresAt - this.now()) / 1000)) };
  }

  async addToSet(key: string, member: string, ttlSeconds: number) {
    const entry = this.live(key);
    const set = entry?.value instanceof Set ? entry.value : new Set<string>();
    set.add(member);
    this.put(key, set, ttlSeconds);
  }

  async removeFromSet(key: string, ...members: string[]) {
    const value = this.live(key)?.value;
    if (!(value instanceof Set)) return;
    for (const member of members) value.delete(member);
    if (value.size === 0) this.entries.delete(key);
  }

  async setMembers(key: string) {
    const value = this.live(key)?.value;
    return value instanceof Set ? [...value] : [];
  }

  async ping() {}

  async close() {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

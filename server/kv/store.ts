/**
 * The key-value port: sessions, refresh-token state, rate-limit counters and nonces.
 * Redis in production, an in-process map for `bun start` with nothing installed.
 * Every method is atomic on its own; callers never read-modify-write across calls.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Fetch several keys in one round trip; missing keys come back as null. */
  getMany(keys: readonly string[]): Promise<Array<string | null>>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Set only when absent (nonces, one-time marks); true when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Replace the value only if it still equals `expected`; true when replaced. */
  compareAndSet(key: string, expected: string, next: string, ttlSeconds: number): Promise<boolean>;
  delete(...keys: string[]): Promise<number>;
  /** Add one to a counter that expires `windowSeconds` after its first hit. */
  increment(key: string, windowSeconds: number): Promise<{ count: number; ttlSeconds: number }>;
  /** Members of a set; the set expires `ttlSeconds` after its last addition. */
  addToSet(key: string, member: string, ttlSeconds: number): Promise<void>;
  removeFromSet(key: string, ...members: string[]): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

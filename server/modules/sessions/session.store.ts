import type { KeyValueStore } from '../../kv/store.ts';
import type { PublicUser } from '../users/public-user.ts';

export interface Session {
  readonly id: string;
  readonly userId: string;
  /**
   * The user as of their last change: roles for authorization, the profile for GET /api/me.
   * Services that change a user call `syncUser`, so a request needs no database read.
   */
  readonly user: PublicUser;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** Absolute end of the session, whatever its activity (epoch ms). */
  readonly expiresAt: number;
  readonly ip: string;
  readonly userAgent: string;
}

export interface SessionPolicy {
  readonly idleTimeoutSeconds: number;
  readonly maxAgeSeconds: number;
}

export type RotateResult =
  | { readonly kind: 'rotated'; readonly session: Session; readonly refreshToken: string }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'reused'; readonly session: Session };

/** How often a request may move lastSeenAt (and the idle deadline) forward. */
const TOUCH_INTERVAL_MS = 60_000;

const key = {
  session: (sid: string) => `sess:${sid}`,
  currentRefresh: (sid: string) => `sess:${sid}:rt`,
  refresh: (hash: string) => `rt:${hash}`,
  userSessions: (userId: string) => `usess:${userId}`,
};

export const hashToken = (token: string) =>
  new Bun.CryptoHasher('sha256').update(token).digest('base64url');

const newRefreshToken = () =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');

/**
 * Sessions and their refresh-token families, in the key-value store. A session IS a family:
 * each refresh replaces its one current token atomically, and presenting any earlier token
 * of the family revokes the session.
 */
export class SessionStore {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async create(input: {
    user: PublicUser;
    ip: string;
    userAgent: string;
  }): Promise<{ session: Session; refreshToken: string }> {
    const now = this.now();
    const session: Session = {
      id: crypto.randomUUID(),
      userId: input.user.id,
      user: input.user,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.policy.maxAgeSeconds * 1000,
      ip: input.ip,
      userAgent: input.userAgent.slice(0, 256),
    };
    const refreshToken = newRefreshToken();
    const hash = hashToken(refreshToken);
    const ttl = this.ttl(session);
    await Promise.all([
      this.kv.set(key.session(session.id), JSON.stringify(session), ttl),
      this.kv.set(key.currentRefresh(session.id), hash, ttl),
      this.kv.set(key.refresh(hash), session.id, this.remaining(session)),
      this.kv.addToSet(key.userSessions(session.userId), session.id, this.policy.maxAgeSeconds),
    ]);
    return { session, refreshToken };
  }

  /** The live session, or undefined when it ended (logout, revoke, idle or absolute timeout). */
  async get(sessionId: string): Promise<Session | undefined> {
    const raw = await this.kv.get(key.session(sessionId));
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    return session.expiresAt > this.now() ? session : undefined;
  }

  /** Record activity: moves the idle deadline, at most once a minute per session. */
  async touch(session: Session): Promise<void> {
    const now = this.now();
    if (now - session.lastSeenAt < TOUCH_INTERVAL_MS) return;
    const touched = await this.change(session.id, (live) => ({ ...live, lastSeenAt: now }));
    if (!touched) return;
    const ttl = this.ttl(touched);
    const current = await this.kv.get(key.currentRefresh(session.id));
    // Extend, never replace: a refresh that landed since the read keeps its new token.
    if (current) await this.kv.compareAndSet(key.currentRefresh(session.id), current, current, ttl);
  }

  /** Exchange a refresh token for a new one; detects reuse of a superseded token. */
  async rotate(refreshToken: string): Promise<RotateResult> {
    const hash = hashToken(refreshToken);
    const sessionId = await this.kv.get(key.refresh(hash));
    if (!sessionId) return { kind: 'invalid' };
    const session = await this.get(sessionId);
    if (!session) return { kind: 'invalid' };
    const next = newRefreshToken();
    const nextHash = hashToken(next);
    const now = this.now();
    const ttl = this.ttl({ ...session, lastSeenAt: now });
    const swapped = await this.kv.compareAndSet(key.currentRefresh(sessionId), hash, nextHash, ttl);
    if (!swapped) {
      await this.revoke(session.userId, sessionId);
      return { kind: 'reused', session };
    }
    await this.kv.set(key.refresh(nextHash), sessionId, this.remaining(session));
    // If a reuse was detected meanwhile, the session is revoked and must stay so: `change`
    // never recreates it, and the token issued here then leads nowhere.
    const live = await this.change(sessionId, (current) => ({ ...current, lastSeenAt: now }));
    return {
      kind: 'rotated',
      session: live ?? { ...session, lastSeenAt: now },
      refreshToken: next,
    };
  }

  async listForUser(userId: string): Promise<Session[]> {
    const ids = await this.kv.setMembers(key.userSessions(userId));
    const raws = await this.kv.getMany(ids.map(key.session));
    const live: Session[] = [];
    const dead: string[] = [];
    raws.forEach((raw, index) => {
      const session = raw ? (JSON.parse(raw) as Session) : undefined;
      if (session && session.expiresAt > this.now()) live.push(session);
      else dead.push(ids[index] as string);
    });
    if (dead.length > 0) await this.kv.removeFromSet(key.userSessions(userId), ...dead);
    return live.sort((a, b) => b.createdAt - a.createdAt);
  }

  /** End one session of this user; false when it is not theirs or already ended. */
  async revoke(userId: string, sessionId: string): Promise<boolean> {
    const session = await this.get(sessionId);
    if (!session || session.userId !== userId) return false;
    await this.kv.delete(key.session(sessionId), key.currentRefresh(sessionId));
    await this.kv.removeFromSet(key.userSessions(userId), sessionId);
    return true;
  }

  /** End the session a refresh token belongs to (the one a browser is replacing at login). */
  async revokeByRefreshToken(refreshToken: string): Promise<boolean> {
    const sessionId = await this.kv.get(key.refresh(hashToken(refreshToken)));
    const session = sessionId ? await this.get(sessionId) : undefined;
    return session ? this.revoke(session.userId, session.id) : false;
  }

  /** End every session of the user except `keep`; returns how many ended. */
  async revokeAll(userId: string, keep?: string): Promise<number> {
    const ids = (await this.listForUser(userId)).map((s) => s.id).filter((id) => id !== keep);
    if (ids.length === 0) return 0;
    await this.kv.delete(...ids.flatMap((id) => [key.session(id), key.currentRefresh(id)]));
    await this.kv.removeFromSet(key.userSessions(userId), ...ids);
    return ids.length;
  }

  /**
   * Carry a change of the user (roles, profile) into every live session, so it applies to
   * the very next request.
   */
  async syncUser(user: PublicUser): Promise<void> {
    for (const session of await this.listForUser(user.id)) {
      await this.change(session.id, (live) => ({ ...live, user }));
    }
  }

  /**
   * Read-modify-write of a live session as one compare-and-set, retried when another request
   * wrote in between. Never recreates a session that ended (a revoke always wins) and never
   * writes back a stale copy (a role change always sticks). Undefined when the session ended.
   */
  private async change(
    sessionId: string,
    update: (live: Session) => Session,
  ): Promise<Session | undefined> {
    for (;;) {
      const raw = await this.kv.get(key.session(sessionId));
      if (!raw) return undefined;
      const live = JSON.parse(raw) as Session;
      if (live.expiresAt <= this.now()) return undefined;
      const next = update(live);
      if (
        await this.kv.compareAndSet(
          key.session(sessionId),
          raw,
          JSON.stringify(next),
          this.ttl(next),
        )
      ) {
        return next;
      }
    }
  }

  private remaining(session: Session): number {
    return Math.max(1, Math.ceil((session.expiresAt - this.now()) / 1000));
  }

  /** Until the idle deadline (counted from the last activity) or the absolute end, if sooner. */
  private ttl(session: Session): number {
    const idleMs = session.lastSeenAt + this.policy.idleTimeoutSeconds * 1000 - this.now();
    return Math.max(1, Math.min(Math.ceil(idleMs / 1000), this.remaining(session)));
  }
}

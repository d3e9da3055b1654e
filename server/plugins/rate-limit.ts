import { Elysia } from 'elysia';
import type { KeyValueStore } from '../kv/store.ts';
import { AppError, CommonErrors } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { ACCESS_COOKIE } from './auth.ts';
import { clientIpOf, requestIdOf } from './request-context.ts';

export interface RateRule {
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimits {
  /** Requests without credentials, per client IP. */
  readonly anonymous: RateRule;
  /** The auth routes (login, register, refresh), per client IP, on top of the above. */
  readonly auth: RateRule;
  /** Authenticated requests, per user, wherever they come from. */
  readonly user: RateRule;
}

type Headers = Record<string, string | number>;

/** Paths the platform probes (load balancer, orchestrator); never limited. */
const EXEMPT = new Set(['/healthz', '/readyz']);

const pathOf = (url: string) => {
  const start = url.indexOf('/', 8);
  const query = url.indexOf('?', start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
};

/**
 * Fixed-window counters in the key-value store: one atomic increment per bucket, shared by
 * every instance. Fails closed: when the store cannot count, the request is refused (503).
 */
export class RequestLimiter {
  constructor(
    private readonly kv: KeyValueStore,
    readonly limits: RateLimits,
    private readonly logger: Logger,
  ) {}

  anonymous(ip: string, headers: Headers) {
    return this.hit(`rl:ip:${ip}`, this.limits.anonymous, headers, { ip });
  }

  auth(ip: string, headers: Headers) {
    return this.hit(`rl:auth:${ip}`, this.limits.auth, headers, { ip });
  }

  user(userId: string, headers: Headers) {
    return this.hit(`rl:user:${userId}`, this.limits.user, headers, { userId });
  }

  private async hit(key: string, rule: RateRule, headers: Headers, who: Record<string, string>) {
    let count: number;
    let ttlSeconds: number;
    try {
      ({ count, ttlSeconds } = await this.kv.increment(key, rule.windowSeconds));
    } catch (error) {
      this.logger.error({ err: error }, 'rate limiter cannot reach the store');
      throw new AppError(503, CommonErrors.unavailable, 'Service temporarily unavailable');
    }
    const remaining = Math.max(0, rule.limit - count);
    // Several buckets may apply; the headers show the tightest.
    const shown = Number(headers['ratelimit-remaining'] ?? Number.POSITIVE_INFINITY);
    if (remaining <= shown) {
      headers['ratelimit-limit'] = String(rule.limit);
      headers['ratelimit-remaining'] = String(remaining);
      headers['ratelimit-reset'] = String(ttlSeconds);
    }
    if (count > rule.limit) {
      headers['retry-after'] = String(ttlSeconds);
      this.logger.warn(
        {
          event: 'rate_limit.exceeded',
          bucket: key.split(':')[1],
          ...who,
          requestId: requestIdOf(headers),
        },
        'rate limited',
      );
      throw new AppError(429, CommonErrors.rateLimited, 'Too many requests; slow down');
    }
  }
}

const hasCredentials = (request: Request) =>
  request.headers.has('authorization') ||
  (request.headers.get('cookie') ?? '').includes(`${ACCESS_COOKIE}=`);

/**
 * Anonymous requests count against their IP, auth routes against a stricter per-IP bucket.
 * Requests that carry credentials are counted per user once authenticated (see the auth
 * plugin), or against their IP when the credentials turn out to be bad.
 */
export function rateLimit(limiter: RequestLimiter) {
  return new Elysia({ name: 'rate-limit', seed: limiter.limits }).onRequest(
    async ({ request, set }) => {
      const path = pathOf(request.url);
      if (EXEMPT.has(path)) return;
      const ip = clientIpOf(request);
      if (!hasCredentials(request)) await limiter.anonymous(ip, set.headers);
      if (path.startsWith('/api/auth/')) await limiter.auth(ip, set.headers);
    },
  );
}

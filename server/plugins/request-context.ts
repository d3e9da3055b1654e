import { Elysia } from 'elysia';
import type { RequestMeta } from '../lib/logger.ts';

export interface RequestContextOptions {
  /** How many proxies in front of us append to X-Forwarded-For; 0 trusts none of it. */
  readonly trustedProxyHops: number;
}

/**
 * The client's address: the peer itself, or with N trusted proxies the entry those proxies
 * vouch for. Anything further left in X-Forwarded-For was written by the client and is ignored.
 */
export function clientIp(
  forwardedFor: string | null,
  peer: string | undefined,
  hops: number,
): string {
  if (hops > 0 && forwardedFor) {
    const chain = forwardedFor
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const vouched = chain[chain.length - hops];
    if (vouched) return vouched;
  }
  return peer ?? 'unknown';
}

const addresses = new WeakMap<Request, string>();

/** The trusted client address of a request, once request-context has seen it. */
export const clientIpOf = (request: Request): string => addresses.get(request) ?? 'unknown';

/** Request id, trusted client IP and user agent for every request, set before anything else runs. */
export function requestContext(options: RequestContextOptions) {
  return new Elysia({ name: 'request-context', seed: options })
    .onRequest(({ request, server, set }) => {
      // First of all hooks, so even a request refused before routing carries its id, and the
      // rate limiter already knows who is asking.
      set.headers['x-request-id'] = crypto.randomUUID();
      addresses.set(
        request,
        clientIp(
          request.headers.get('x-forwarded-for'),
          server?.requestIP(request)?.address,
          options.trustedProxyHops,
        ),
      );
    })
    .derive({ as: 'global' }, ({ request, set }) => {
      const requestId = requestIdOf(set.headers);
      const clientIp = clientIpOf(request);
      const requestMeta: RequestMeta = { requestId, ip: clientIp };
      return {
        requestId,
        clientIp,
        userAgent: request.headers.get('user-agent') ?? '',
        /** What a service puts on the security events this request causes. */
        requestMeta,
      };
    });
}

export const requestIdOf = (headers: Record<string, unknown>): string =>
  typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : 'unknown';

import { Elysia } from 'elysia';
import { API_CACHE_CONTROL, SECURITY_HEADERS } from '../security/headers.ts';

export interface SecurityHeadersOptions {
  /** Send HSTS (only meaningful, and only sent, when the public URL is https). */
  readonly hsts: boolean;
}

/**
 * Static headers go through `headers()` once, so they cost nothing per request and land on
 * every response, errors and 404s included. API responses are never cached.
 */
export function securityHeaders(options: SecurityHeadersOptions) {
  const headers: Record<string, string> = { ...SECURITY_HEADERS };
  if (!options.hsts) delete headers['strict-transport-security'];
  return new Elysia({ name: 'security-headers', seed: options })
    .headers(headers)
    .onRequest(({ request, set }) => {
      const path = request.url.slice(request.url.indexOf('/', 8));
      if (path.startsWith('/api')) set.headers['cache-control'] = API_CACHE_CONTROL;
    });
}

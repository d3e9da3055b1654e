import { type Context, Elysia } from 'elysia';
import { AppError, forbidden, unauthenticated } from '../lib/errors.ts';
import { AuthErrors } from '../modules/auth/auth.errors.ts';
import type { AccessTokens } from '../modules/auth/tokens.ts';
import type { Session, SessionStore } from '../modules/sessions/session.store.ts';
import { hasPermission, type Permission } from '../security/permissions.ts';
import type { RequestLimiter } from './rate-limit.ts';
import { clientIpOf } from './request-context.ts';

export const ACCESS_COOKIE = '__Host-bastion_at';
export const REFRESH_COOKIE = '__Secure-bastion_rt';

/** Marks the resolver a macro installs, so a test can prove every route declares one. */
export const ROUTE_GATE = Symbol.for('bastion.route-gate');
export type Gate = `permission:${Permission}` | 'public';

export interface Principal {
  readonly userId: string;
  readonly sessionId: string;
  readonly session: Session;
  /** How the caller proved who they are. */
  readonly via: 'cookie' | 'bearer';
}

export interface AuthOptions {
  readonly tokens: AccessTokens;
  readonly sessions: SessionStore;
  /** Origins allowed to send cookie-authenticated, state-changing requests. */
  readonly allowedOrigins: readonly string[];
  /** Counts authenticated requests per user, and failed authentications per IP. */
  readonly limiter?: RequestLimiter;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const OUR_COOKIES = [ACCESS_COOKIE, REFRESH_COOKIE];

function gate<F extends object>(fn: F, tag: Gate): F {
  return Object.assign(fn, { [ROUTE_GATE]: tag });
}

function bearerToken(header: string | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
  if (!match) throw unauthenticated('Malformed Authorization header');
  return match[1];
}

function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Authentication, authorization and CSRF in one place.
 *
 * - Every route declares `permission: '…'` or `public: true`; a route that declares neither
 *   is found by the route-walk test, and nothing is reachable by accident.
 * - The access token comes from `Authorization: Bearer` or the `__Host-` cookie; its session
 *   must still be live in the store, so logout and revocation apply to the next request.
 * - A state-changing request that carries our cookies must come from an allowed Origin.
 *
 * @example
 * app.use(auth(options)).get('/api/me', ({ principal }) => principal.userId, { permission: 'self' })
 */
export function auth(options: AuthOptions) {
  const allowed = new Set(options.allowedOrigins);

  async function authenticate(
    request: Request,
    headers: Context['set']['headers'],
  ): Promise<Principal> {
    const bearer = bearerToken(request.headers.get('authorization'));
    const token = bearer ?? cookieValue(request.headers.get('cookie'), ACCESS_COOKIE);
    if (!token) throw unauthenticated();
    const claims = await options.tokens.verify(token);
    if (!claims) throw unauthenticated('Access token is invalid or expired');
    // The session lookup and the per-user count go out together: one round trip to Redis.
    const [session] = await Promise.all([
      options.sessions.get(claims.sid),
      options.limiter?.user(claims.sub, headers),
    ]);
    if (!session || session.userId !== claims.sub) {
      throw new AppError(401, AuthErrors.sessionEnded, 'Session has ended; sign in again');
    }
    await options.sessions.touch(session);
    return {
      userId: session.userId,
      sessionId: session.id,
      session,
      via: bearer ? 'bearer' : 'cookie',
    };
  }

  return new Elysia({ name: 'auth', seed: options.allowedOrigins })
    .onRequest(({ request }) => {
      if (SAFE_METHODS.has(request.method)) return;
      const origin = request.headers.get('origin');
      const cookies = request.headers.get('cookie') ?? '';
      const carriesCookie = OUR_COOKIES.some((name) => cookies.includes(`${name}=`));
      if (origin !== null ? !allowed.has(origin) : carriesCookie) {
        throw new AppError(403, AuthErrors.csrfOrigin, 'Cross-origin request refused');
      }
    })
    .macro({
      permission: (permission: Permission) => {
        // Authenticate in `transform`, before the body is validated: an anonymous caller learns
        // nothing about a protected route's schema, only that it must sign in.
        const principals = new WeakMap<Request, Principal>();
        return {
          transform: gate(async ({ request, set }: { request: Request; set: Context['set'] }) => {
            let principal: Principal;
            try {
              principal = await authenticate(request, set.headers);
            } catch (error) {
              // Bad credentials are no way around the anonymous limit.
              if (error instanceof AppError && error.status === 401) {
                await options.limiter?.anonymous(clientIpOf(request), set.headers);
              }
              throw error;
            }
            if (!hasPermission(principal.session.user.roles, permission)) throw forbidden();
            principals.set(request, principal);
          }, `permission:${permission}`),
          resolve: ({ request }: { request: Request }) => {
            const principal = principals.get(request);
            if (!principal) throw unauthenticated();
            return { principal };
          },
        };
      },
      public: (_declared: true) => ({
        transform: gate(() => {}, 'public'),
      }),
    });
}

import { Elysia, t } from 'elysia';
import { unauthenticated } from '../../lib/errors.ts';
import { type auth, REFRESH_COOKIE } from '../../plugins/auth.ts';
import type { requestContext } from '../../plugins/request-context.ts';
import { toPublicUser } from '../users/public-user.ts';
import { PublicUserSchema } from '../users/user.schema.ts';
import { LoginBody, RefreshBody, RegisterBody } from './auth.schema.ts';
import type { AuthService, IssuedTokens } from './auth.service.ts';
import { clearAuthCookies, setAuthCookies } from './cookies.ts';

export interface AuthControllerDeps {
  readonly authPlugin: ReturnType<typeof auth>;
  readonly contextPlugin: ReturnType<typeof requestContext>;
  readonly service: AuthService;
  readonly sessionMaxAgeSeconds: number;
}

const TokenResponse = t.Object({
  user: PublicUserSchema,
  expiresIn: t.Integer(),
  accessToken: t.Optional(t.String()),
  refreshToken: t.Optional(t.String()),
});

const tokenBody = (issued: IssuedTokens, inBody: boolean) => ({
  user: toPublicUser(issued.user),
  expiresIn: issued.expiresIn,
  ...(inBody && { accessToken: issued.accessToken, refreshToken: issued.refreshToken }),
});

export function authController({
  authPlugin,
  contextPlugin,
  service,
  sessionMaxAgeSeconds,
}: AuthControllerDeps) {
  return new Elysia({ name: 'auth-controller', prefix: '/api/auth', detail: { tags: ['auth'] } })
    .use(contextPlugin)
    .use(authPlugin)
    .post(
      '/register',
      async ({ body, set, requestMeta }) => {
        set.status = 201;
        return { user: toPublicUser(await service.register(body, requestMeta)) };
      },
      { public: true, body: RegisterBody, response: { 201: t.Object({ user: PublicUserSchema }) } },
    )
    .post(
      '/login',
      async ({ body, cookie, requestMeta, userAgent }) => {
        const issued = await service.login(body.identifier, body.password, {
          ...requestMeta,
          userAgent,
          previousRefreshToken: cookie[REFRESH_COOKIE]?.value as string | undefined,
        });
        const inBody = body.tokenDelivery === 'body';
        if (!inBody) setAuthCookies(cookie, issued, sessionMaxAgeSeconds);
        return tokenBody(issued, inBody);
      },
      { public: true, body: LoginBody, response: { 200: TokenResponse } },
    )
    .post(
      '/refresh',
      async ({ body, cookie, requestMeta }) => {
        const fromBody = body?.refreshToken;
        const presented = fromBody ?? (cookie[REFRESH_COOKIE]?.value as string | undefined);
        if (!presented) throw unauthenticated('No refresh token');
        try {
          const issued = await service.refresh(presented, requestMeta);
          const inBody = fromBody !== undefined || body?.tokenDelivery === 'body';
          if (!inBody) setAuthCookies(cookie, issued, sessionMaxAgeSeconds);
          return tokenBody(issued, inBody);
        } catch (error) {
          if (!fromBody) clearAuthCookies(cookie);
          throw error;
        }
      },
      { public: true, body: RefreshBody, response: { 200: TokenResponse } },
    )
    .post(
      '/logout',
      async ({ principal, cookie, set, requestMeta }) => {
        await service.logout(principal.userId, principal.sessionId, requestMeta);
        clearAuthCookies(cookie);
        set.status = 204;
      },
      { permission: 'self' },
    );
}

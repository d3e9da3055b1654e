import { join } from 'node:path';
import { Elysia } from 'elysia';
import type { Config } from './config.ts';
import type { KeyValueStore } from './kv/store.ts';
import type { Database } from './lib/database.ts';
import type { Logger } from './lib/logger.ts';
import { authController } from './modules/auth/auth.controller.ts';
import { AuthService, type LoginLimits } from './modules/auth/auth.service.ts';
import { AccessTokens } from './modules/auth/tokens.ts';
import { docsController } from './modules/docs/docs.controller.ts';
import { healthController } from './modules/health/health.controller.ts';
import { SessionStore } from './modules/sessions/session.store.ts';
import { sessionsController } from './modules/sessions/sessions.controller.ts';
import { adminUsersController } from './modules/users/admin-users.controller.ts';
import { meController } from './modules/users/me.controller.ts';
import { UserRepository } from './modules/users/user.repository.ts';
import { UsersService } from './modules/users/users.service.ts';
import { webController } from './modules/web/web.controller.ts';
import { auth } from './plugins/auth.ts';
import { errorHandler } from './plugins/error-handler.ts';
import { type RateLimits, RequestLimiter, rateLimit } from './plugins/rate-limit.ts';
import { requestContext } from './plugins/request-context.ts';
import { sanitize } from './plugins/sanitize.ts';
import { securityHeaders } from './plugins/security-headers.ts';

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly kv: KeyValueStore;
  readonly loginLimits?: LoginLimits;
  readonly rateLimits?: RateLimits;
  /** Where the built client lives; defaults to client/dist. */
  readonly clientDir?: string;
}

/** Repositories and services, built once from the adapters. */
export function createServices({ config, logger, db, kv, loginLimits }: AppDeps) {
  const users = new UserRepository(db.knex);
  const sessions = new SessionStore(kv, config.session);
  const tokens = new AccessTokens({ ...config.jwt, ttlSeconds: config.jwt.accessTtlSeconds });
  return {
    users,
    sessions,
    tokens,
    auth: new AuthService({ db, users, sessions, tokens, kv, logger, loginLimits }),
    usersService: new UsersService({ db, users, sessions, logger }),
  };
}

/** The built client (`bun run build:client`; `bun start` builds it first). */
export const DEFAULT_CLIENT_DIR = join(process.cwd(), 'client', 'dist');

/**
 * The whole HTTP application. Cross-cutting plugins first (their hooks are global), then one
 * controller per feature. Tests call `createApp(deps).handle(request)`; main.ts listens.
 */
export function createApp(deps: AppDeps) {
  const { config, logger, db, kv } = deps;
  const services = createServices(deps);
  const limiter = new RequestLimiter(kv, deps.rateLimits ?? config.rateLimits, logger);
  const authPlugin = auth({
    tokens: services.tokens,
    sessions: services.sessions,
    allowedOrigins: config.allowedOrigins,
    limiter,
  });

  const contextPlugin = requestContext({ trustedProxyHops: config.trustedProxyHops });

  const app = new Elysia({ name: 'bastion', normalize: false })
    .use(contextPlugin)
    .use(securityHeaders({ hsts: config.publicUrl.startsWith('https://') }))
    .use(errorHandler(logger))
    .use(sanitize())
    .use(rateLimit(limiter))
    .use(authPlugin)
    .use(docsController({ authPlugin }))
    .use(
      healthController({
        authPlugin,
        probes: [
          { name: 'database', check: () => db.ping() },
          { name: 'store', check: () => kv.ping() },
        ],
      }),
    )
    .use(
      authController({
        authPlugin,
        contextPlugin,
        service: services.auth,
        sessionMaxAgeSeconds: config.session.maxAgeSeconds,
      }),
    )
    .use(
      meController({
        authPlugin,
        contextPlugin,
        users: services.usersService,
        auth: services.auth,
      }),
    )
    .use(sessionsController({ authPlugin, sessions: services.sessions }))
    .use(adminUsersController({ authPlugin, contextPlugin, users: services.usersService }))
    .use(webController({ authPlugin, clientDir: deps.clientDir ?? DEFAULT_CLIENT_DIR }));
  return Object.assign(app, { services });
}

export type App = ReturnType<typeof createApp>;

import type { KeyValueStore } from '../../kv/store.ts';
import type { Database } from '../../lib/database.ts';
import { AppError, badRequest, conflict } from '../../lib/errors.ts';
import { type Logger, maskEmail, type RequestMeta, requestFields } from '../../lib/logger.ts';
import type { Session, SessionStore } from '../sessions/session.store.ts';
import { toPublicUser } from '../users/public-user.ts';
import type { Role, User } from '../users/user.model.ts';
import type { UserRepository } from '../users/user.repository.ts';
import { AuthErrors } from './auth.errors.ts';
import {
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyAgainstDummy,
  verifyPassword,
} from './password.ts';
import type { AccessTokens } from './tokens.ts';

export interface ClientInfo extends RequestMeta {
  readonly userAgent: string;
  /** The refresh token the client already holds: its session ends when the new one starts. */
  readonly previousRefreshToken?: string;
}

export interface IssuedTokens {
  readonly user: User;
  readonly session: Session;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

export interface LoginLimits {
  /** Failed logins allowed per account within the window before it is throttled. */
  readonly maxFailures: number;
  readonly windowSeconds: number;
}

export interface AuthServiceDeps {
  readonly db: Database;
  readonly users: UserRepository;
  readonly sessions: SessionStore;
  readonly tokens: AccessTokens;
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  readonly loginLimits?: LoginLimits;
}

const invalidCredentials = () =>
  new AppError(401, AuthErrors.invalidCredentials, 'Email, username or password is incorrect');

/**
 * Registration, login, refresh, logout and password change for local accounts. Every outcome,
 * success or failure, is logged as an `auth.*` event with the request id and client IP.
 */
export class AuthService {
  private readonly limits: LoginLimits;

  constructor(private readonly deps: AuthServiceDeps) {
    this.limits = deps.loginLimits ?? { maxFailures: 10, windowSeconds: 15 * 60 };
  }

  /** A new account; `roles` is for operators (the CLI), the public route always gets ['user']. */
  async register(
    input: { email: string; username: string; password: string; displayName?: string },
    meta: RequestMeta,
    roles: readonly Role[] = ['user'],
  ): Promise<User> {
    const problem = passwordProblem(input.password, input);
    if (problem) {
      throw new AppError(400, AuthErrors.weakPassword, `Password ${problem}`, {
        password: problem,
      });
    }
    const passwordHash = await hashPassword(input.password);
    const user = await this.deps.db.withTransaction(async (trx) => {
      if (await this.deps.users.getByEmail(input.email, trx)) {
        throw conflict('An account with that email already exists', {
          email: AuthErrors.emailTaken,
        });
      }
      if (await this.deps.users.getByUsername(input.username, trx)) {
        throw conflict('That username is taken', { username: AuthErrors.usernameTaken });
      }
      return this.deps.users.createUser({ ...input, passwordHash, roles }, trx);
    });
    this.deps.logger.info(
      { event: 'auth.register', userId: user.id, roles, ...requestFields(meta) },
      'account registered',
    );
    return user;
  }

  /** Email or username plus password. Unknown users cost one argon2 verification too. */
  async login(identifier: string, password: string, client: ClientInfo): Promise<IssuedTokens> {
    const user = identifier.includes('@')
      ? await this.deps.users.getByEmail(identifier)
      : await this.deps.users.getByUsername(identifier);
    // Failures count per account, whether it is named by email or username; unknown names by name.
    const throttleKey = user
      ? `login-fail:user:${user.id}`
      : `login-fail:name:${identifier.normalize('NFKC').toLowerCase()}`;
    const failures = Number((await this.deps.kv.get(throttleKey)) ?? 0);
    if (failures >= this.limits.maxFailures) {
      this.deps.logger.warn(
        { event: 'auth.lockout', userId: user?.id, ...requestFields(client) },
        'login throttled',
      );
      throw new AppError(
        429,
        AuthErrors.tooManyAttempts,
        'Too many failed attempts; try again later',
      );
    }
    const valid = user
      ? await verifyPassword(password, user.passwordHash)
      : await verifyAgainstDummy(password);
    if (!user || !valid) {
      await this.deps.kv.increment(throttleKey, this.limits.windowSeconds);
      this.deps.logger.warn(
        { event: 'auth.login.failed', userId: user?.id, ...requestFields(client) },
        'login failed',
      );
      throw invalidCredentials();
    }
    await this.deps.kv.delete(throttleKey);
    if (user.status !== 'active') {
      this.deps.logger.warn(
        { event: 'auth.login.disabled', userId: user.id, ...requestFields(client) },
        'login refused: account disabled',
      );
      throw new AppError(403, AuthErrors.accountDisabled, 'This account is disabled');
    }
    if (needsRehash(user.passwordHash)) {
      await this.deps.users.update(user.id, { passwordHash: await hashPassword(password) });
      this.deps.logger.info(
        { event: 'auth.password.rehashed', userId: user.id, ...requestFields(client) },
        'password re-hashed with current parameters',
      );
    }
    const { session, refreshToken } = await this.deps.sessions.create({
      user: toPublicUser(user),
      ip: client.ip,
      userAgent: client.userAgent,
    });
    // Re-authentication replaces the session the client had, never keeps both (ASVS 7.2.4).
    if (client.previousRefreshToken) {
      await this.deps.sessions.revokeByRefreshToken(client.previousRefreshToken);
    }
    this.deps.logger.info(
      { event: 'auth.login', userId: user.id, sessionId: session.id, ...requestFields(client) },
      `login ${maskEmail(user.email)}`,
    );
    return this.issue(user, session, refreshToken);
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<IssuedTokens> {
    const result = await this.deps.sessions.rotate(refreshToken);
    if (result.kind === 'invalid') {
      this.deps.logger.warn(
        { event: 'auth.refresh.failed', reason: 'invalid_token', ...requestFields(meta) },
        'refresh refused',
      );
      throw new AppError(
        401,
        AuthErrors.invalidRefreshToken,
        'Refresh token is invalid or expired',
      );
    }
    if (result.kind === 'reused') {
      this.deps.logger.warn(
        {
          event: 'auth.refresh.reuse',
          userId: result.session.userId,
          sessionId: result.session.id,
          ...requestFields(meta),
        },
        'refresh token reused: session revoked',
      );
      throw new AppError(
        401,
        AuthErrors.refreshTokenReused,
        'Refresh token was already used; session ended',
      );
    }
    const user = await this.deps.users.findById(result.session.userId);
    if (user?.status !== 'active') {
      await this.deps.sessions.revoke(result.session.userId, result.session.id);
      this.deps.logger.warn(
        {
          event: 'auth.refresh.failed',
          reason: 'account_inactive',
          userId: result.session.userId,
          sessionId: result.session.id,
          ...requestFields(meta),
        },
        'refresh refused: account disabled or deleted',
      );
      throw new AppError(401, AuthErrors.sessionEnded, 'Session has ended');
    }
    // Every refresh re-reads the user, so even a change made outside the services reaches
    // the session's snapshot within one access-token lifetime.
    const fresh = toPublicUser(user);
    if (JSON.stringify(fresh) !== JSON.stringify(result.session.user)) {
      await this.deps.sessions.syncUser(fresh);
    }
    this.deps.logger.info(
      {
        event: 'auth.refresh',
        userId: user.id,
        sessionId: result.session.id,
        ...requestFields(meta),
      },
      'session refreshed',
    );
    return this.issue(user, { ...result.session, user: fresh }, result.refreshToken);
  }

  async logout(userId: string, sessionId: string, meta: RequestMeta): Promise<void> {
    await this.deps.sessions.revoke(userId, sessionId);
    this.deps.logger.info(
      { event: 'auth.logout', userId, sessionId, ...requestFields(meta) },
      'logout',
    );
  }

  /** Needs the current password; every other session of the user ends. */
  async changePassword(
    userId: string,
    sessionId: string,
    currentPassword: string,
    newPassword: string,
    meta: RequestMeta,
  ): Promise<void> {
    const user = await this.deps.users.findById(userId);
    if (!user) throw invalidCredentials();
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      this.deps.logger.warn(
        { event: 'auth.password.change.failed', userId, sessionId, ...requestFields(meta) },
        'password change refused: wrong current password',
      );
      throw new AppError(400, AuthErrors.invalidCredentials, 'Current password is incorrect', {
        currentPassword: 'incorrect',
      });
    }
    const problem = passwordProblem(newPassword, user);
    if (problem) {
      throw new AppError(400, AuthErrors.weakPassword, `Password ${problem}`, {
        newPassword: problem,
      });
    }
    if (await verifyPassword(newPassword, user.passwordHash)) {
      throw badRequest('New password must differ from the current one', {
        newPassword: 'unchanged',
      });
    }
    const passwordHash = await hashPassword(newPassword);
    const updated = await this.deps.users.update(userId, {
      passwordHash,
      passwordChangedAt: new Date(),
    });
    if (updated) await this.deps.sessions.syncUser(toPublicUser(updated));
    const ended = await this.deps.sessions.revokeAll(userId, sessionId);
    this.deps.logger.info(
      { event: 'auth.password.changed', userId, endedSessions: ended, ...requestFields(meta) },
      'password changed',
    );
  }

  private async issue(user: User, session: Session, refreshToken: string): Promise<IssuedTokens> {
    const accessToken = await this.deps.tokens.sign(user.id, session.id);
    return { user, session, accessToken, refreshToken, expiresIn: this.deps.tokens.ttlSeconds };
  }
}

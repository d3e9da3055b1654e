import type { CursorPage, ListQuery, OffsetPage } from '../../lib/base-repository.ts';
import type { Database } from '../../lib/database.ts';
import { AppError, conflict, notFound } from '../../lib/errors.ts';
import { type Logger, type RequestMeta, requestFields } from '../../lib/logger.ts';
import { verifyPassword } from '../auth/password.ts';
import type { SessionStore } from '../sessions/session.store.ts';
import { toPublicUser } from './public-user.ts';
import type { Role, User, UserStatus } from './user.model.ts';
import type { UserRepository } from './user.repository.ts';
import { UserErrors } from './users.errors.ts';

export interface ProfileChange {
  readonly displayName?: string | null;
  readonly username?: string;
  readonly email?: string;
  readonly currentPassword?: string;
}

export interface AdminChange {
  readonly status?: UserStatus;
  readonly roles?: Role[];
}

/** The user's own profile, and what admins may do to other users. */
export class UsersService {
  constructor(
    private readonly deps: {
      readonly db: Database;
      readonly users: UserRepository;
      readonly sessions: SessionStore;
      readonly logger: Logger;
    },
  ) {}

  async get(id: string): Promise<User> {
    const user = await this.deps.users.findById(id);
    if (!user) throw notFound('User');
    return user;
  }

  /** Changing the email address needs the current password: it is how accounts get recovered. */
  async updateProfile(userId: string, change: ProfileChange, meta: RequestMeta): Promise<User> {
    const updated = await this.deps.db.withTransaction(async (trx) => {
      const user = await this.deps.users.findById(userId, trx);
      if (!user) throw notFound('User');
      const emailChanges =
        change.email !== undefined && change.email.toLowerCase() !== user.email.toLowerCase();
      if (emailChanges) {
        if (
          !change.currentPassword ||
          !(await verifyPassword(change.currentPassword, user.passwordHash))
        ) {
          if (change.currentPassword) {
            this.deps.logger.warn(
              { event: 'auth.reauth.failed', userId, for: 'email_change', ...requestFields(meta) },
              'email change refused: wrong current password',
            );
          }
          throw new AppError(
            400,
            UserErrors.passwordRequired,
            'Enter your current password to change your email',
            {
              currentPassword: 'required',
            },
          );
        }
        const owner = await this.deps.users.getByEmail(change.email as string, trx);
        if (owner && owner.id !== userId) {
          throw conflict('An account with that email already exists', { email: 'email_taken' });
        }
      }
      if (change.username !== undefined) {
        const owner = await this.deps.users.getByUsername(change.username, trx);
        if (owner && owner.id !== userId) {
          throw conflict('That username is taken', { username: 'username_taken' });
        }
      }
      const patch: Partial<User> = {
        ...(change.displayName !== undefined && { displayName: change.displayName }),
        ...(change.username !== undefined && { username: change.username }),
        ...(emailChanges && { email: change.email, emailVerifiedAt: null }),
      };
      if (Object.keys(patch).length === 0) return user;
      return (await this.deps.users.update(userId, patch, trx)) as User;
    });
    await this.deps.sessions.syncUser(toPublicUser(updated));
    return updated;
  }

  list(query: ListQuery & { cursor: string }): Promise<CursorPage<User>>;
  list(query: ListQuery): Promise<OffsetPage<User>>;
  list(query: ListQuery): Promise<OffsetPage<User> | CursorPage<User>> {
    return this.deps.users.list(query);
  }

  /** Status and roles, in one transaction; sessions follow the change at once. */
  async adminUpdate(
    actorId: string,
    userId: string,
    change: AdminChange,
    meta: RequestMeta,
  ): Promise<User> {
    if (actorId === userId && change.roles && !change.roles.includes('admin')) {
      throw new AppError(409, UserErrors.selfDemotion, 'You cannot remove your own admin role');
    }
    if (actorId === userId && change.status === 'disabled') {
      throw new AppError(409, UserErrors.selfDisable, 'You cannot disable your own account');
    }
    const updated = await this.deps.db.withTransaction(async (trx) => {
      const user = await this.deps.users.findById(userId, trx);
      if (!user) throw notFound('User');
      if (change.status !== undefined && change.status !== user.status) {
        await this.deps.users.update(userId, { status: change.status }, trx);
      }
      if (change.roles !== undefined) await this.deps.users.setRoles(userId, change.roles, trx);
      return (await this.deps.users.findById(userId, trx)) as User;
    });
    if (updated.status === 'disabled') {
      await this.deps.sessions.revokeAll(userId);
    } else {
      await this.deps.sessions.syncUser(toPublicUser(updated));
    }
    this.deps.logger.info(
      {
        event: 'admin.user.updated',
        actorId,
        userId,
        status: change.status,
        roles: change.roles,
        ...requestFields(meta),
      },
      'user updated by admin',
    );
    return updated;
  }

  async adminDelete(actorId: string, userId: string, meta: RequestMeta): Promise<void> {
    if (actorId === userId) {
      throw new AppError(409, UserErrors.selfDelete, 'You cannot delete your own account here');
    }
    if (!(await this.deps.users.delete(userId))) throw notFound('User');
    await this.deps.sessions.revokeAll(userId);
    this.deps.logger.info(
      { event: 'admin.user.deleted', actorId, userId, ...requestFields(meta) },
      'user deleted by admin',
    );
  }

  async revokeSessions(actorId: string, userId: string, meta: RequestMeta): Promise<number> {
    await this.get(userId);
    const ended = await this.deps.sessions.revokeAll(userId);
    this.deps.logger.info(
      { event: 'admin.user.sessions_revoked', actorId, userId, ended, ...requestFields(meta) },
      'sessions revoked by admin',
    );
    return ended;
  }
}

import type { Role, User, UserStatus } from './user.model.ts';

/** What the API shows of a user: never the password hash or soft-delete bookkeeping. */
export interface PublicUser {
  readonly id: string;
  readonly email: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly status: UserStatus;
  readonly roles: Role[];
  readonly emailVerified: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const toPublicUser = (user: User): PublicUser => ({
  id: user.id,
  email: user.email,
  username: user.username,
  displayName: user.displayName,
  status: user.status,
  roles: user.roles,
  emailVerified: user.emailVerifiedAt !== null,
  createdAt: new Date(user.createdAt).toISOString(),
  updatedAt: new Date(user.updatedAt).toISOString(),
});

import { Model } from 'objection';

export const ROLES = ['admin', 'auditor', 'user'] as const;
export type Role = (typeof ROLES)[number];

export const USER_STATUSES = ['active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** A user as the rest of the server sees it: a plain object, roles included. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly passwordHash: string;
  readonly status: UserStatus;
  readonly roles: Role[];
  readonly emailVerifiedAt: Date | null;
  readonly passwordChangedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deletedAt: Date | null;
}

export class UserModel extends Model {
  static override tableName = 'users';

  id!: string;
  email!: string;
  username!: string;
  displayName!: string | null;
  passwordHash!: string;
  status!: UserStatus;
  roles?: Role[];
  emailVerifiedAt!: Date | null;
  passwordChangedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
  deletedAt!: Date | null;

  override $beforeInsert(): void {
    // Millisecond timestamps set here, not by now(): keyset cursors round-trip exactly.
    const now = new Date();
    this.createdAt ??= now;
    this.updatedAt ??= now;
  }

  override $beforeUpdate(): void {
    this.updatedAt = new Date();
  }
}

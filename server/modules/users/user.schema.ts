import { t } from 'elysia';
import { ROLES, USER_STATUSES } from './user.model.ts';

export const Email = t.String({ format: 'email', minLength: 3, maxLength: 254 });
export const Username = t.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$' });
export const DisplayName = t.String({ minLength: 1, maxLength: 100 });
/** Long enough to say "too long" clearly; the policy (12–128) lives in the service. */
export const PasswordInput = t.String({ minLength: 1, maxLength: 1024 });
// t.UnionEnum defaults to its first value, and Elysia fills defaults into absent optional
// fields: a role-only PATCH became status 'active' (re-enabling a disabled user) and an
// unfiltered list became role=admin&status=active. No default, so absent stays absent.
export const Role = t.UnionEnum(ROLES, { default: undefined });
export const Status = t.UnionEnum(USER_STATUSES, { default: undefined });
export const UserId = t.Object(
  { id: t.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const PublicUserSchema = t.Object({
  id: t.String(),
  email: t.String(),
  username: t.String(),
  displayName: t.Nullable(t.String()),
  status: Status,
  roles: t.Array(Role),
  emailVerified: t.Boolean(),
  createdAt: t.String(),
  updatedAt: t.String(),
});

export const ProfilePatch = t.Object(
  {
    displayName: t.Optional(t.Nullable(DisplayName)),
    username: t.Optional(Username),
    email: t.Optional(Email),
    currentPassword: t.Optional(PasswordInput),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AdminPatch = t.Object(
  {
    status: t.Optional(Status),
    roles: t.Optional(t.Array(Role, { maxItems: 3, uniqueItems: true })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UserListQuery = t.Object(
  {
    // Ranges are checked by the repository, which names the field in its 400; Elysia's
    // per-property coercion would report a range failure without the parameter's name.
    page: t.Optional(t.Integer({ description: '1 or more' })),
    pageSize: t.Optional(t.Integer({ description: '1 to 100, default 20' })),
    cursor: t.Optional(t.String({ maxLength: 512 })),
    sort: t.Optional(t.String({ maxLength: 32 })),
    q: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
    role: t.Optional(Role),
    status: t.Optional(Status),
    createdFrom: t.Optional(t.String({ format: 'date-time' })),
    createdTo: t.Optional(t.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

import type { Role } from '../modules/users/user.model.ts';

/** Every permission a route can ask for. Declared in code, reviewed like code. */
export const PERMISSIONS = ['self', 'users:read', 'users:write', 'audit:read'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Which role grants which permissions; anything not listed is denied. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ['self', 'users:read', 'users:write', 'audit:read'],
  auditor: ['self', 'users:read', 'audit:read'],
  user: ['self'],
};

export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role]?.includes(permission));
}

export const UserErrors = {
  selfDemotion: 'cannot_remove_own_admin',
  selfDelete: 'cannot_delete_self',
  selfDisable: 'cannot_disable_self',
  passwordRequired: 'current_password_required',
} as const;

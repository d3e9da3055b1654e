import { Elysia, t } from 'elysia';
import type { auth } from '../../plugins/auth.ts';
import type { requestContext } from '../../plugins/request-context.ts';
import { ChangePasswordBody } from '../auth/auth.schema.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { toPublicUser } from './public-user.ts';
import { ProfilePatch, PublicUserSchema } from './user.schema.ts';
import type { UsersService } from './users.service.ts';

export interface MeControllerDeps {
  readonly authPlugin: ReturnType<typeof auth>;
  readonly contextPlugin: ReturnType<typeof requestContext>;
  readonly users: UsersService;
  readonly auth: AuthService;
}

/** The signed-in user's own account. */
export function meController({ authPlugin, contextPlugin, users, auth }: MeControllerDeps) {
  return (
    new Elysia({ name: 'me-controller', prefix: '/api/me', detail: { tags: ['me'] } })
      .use(contextPlugin)
      .use(authPlugin)
      // The session carries the user as of their last change (see SessionStore.syncUser):
      // the hot path reads no database.
      .get('', ({ principal }) => ({ user: principal.session.user }), {
        permission: 'self',
        response: { 200: t.Object({ user: PublicUserSchema }) },
      })
      .patch(
        '',
        async ({ principal, body, requestMeta }) => ({
          user: toPublicUser(await users.updateProfile(principal.userId, body, requestMeta)),
        }),
        {
          permission: 'self',
          body: ProfilePatch,
          response: { 200: t.Object({ user: PublicUserSchema }) },
        },
      )
      .post(
        '/password',
        async ({ principal, body, set, requestMeta }) => {
          await auth.changePassword(
            principal.userId,
            principal.sessionId,
            body.currentPassword,
            body.newPassword,
            requestMeta,
          );
          set.status = 204;
        },
        { permission: 'self', body: ChangePasswordBody },
      )
  );
}

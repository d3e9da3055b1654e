import { Elysia, t } from 'elysia';
import type { auth } from '../../plugins/auth.ts';
import type { requestContext } from '../../plugins/request-context.ts';
import { toPublicUser } from './public-user.ts';
import { AdminPatch, PublicUserSchema, UserId, UserListQuery } from './user.schema.ts';
import type { UsersService } from './users.service.ts';

const ListResponse = t.Object({
  items: t.Array(PublicUserSchema),
  pageSize: t.Integer(),
  page: t.Optional(t.Integer()),
  total: t.Optional(t.Integer()),
  nextCursor: t.Optional(t.Nullable(t.String())),
});

/** The admin console's user management API. */
export function adminUsersController(deps: {
  readonly authPlugin: ReturnType<typeof auth>;
  readonly contextPlugin: ReturnType<typeof requestContext>;
  readonly users: UsersService;
}) {
  const { users } = deps;
  return new Elysia({
    name: 'admin-users-controller',
    prefix: '/api/admin/users',
    detail: { tags: ['admin'] },
  })
    .use(deps.contextPlugin)
    .use(deps.authPlugin)
    .get(
      '',
      async ({ query }) => {
        const { page, pageSize, cursor, sort, ...filters } = query;
        const result =
          cursor !== undefined
            ? await users.list({ cursor, page, pageSize, sort, filters })
            : await users.list({ page, pageSize, sort, filters });
        return { ...result, items: result.items.map(toPublicUser) };
      },
      { permission: 'users:read', query: UserListQuery, response: { 200: ListResponse } },
    )
    .get('/:id', async ({ params }) => ({ user: toPublicUser(await users.get(params.id)) }), {
      permission: 'users:read',
      params: UserId,
      response: { 200: t.Object({ user: PublicUserSchema }) },
    })
    .patch(
      '/:id',
      async ({ principal, params, body, requestMeta }) => ({
        user: toPublicUser(await users.adminUpdate(principal.userId, params.id, body, requestMeta)),
      }),
      {
        permission: 'users:write',
        params: UserId,
        body: AdminPatch,
        response: { 200: t.Object({ user: PublicUserSchema }) },
      },
    )
    .delete(
      '/:id',
      async ({ principal, params, set, requestMeta }) => {
        await users.adminDelete(principal.userId, params.id, requestMeta);
        set.status = 204;
      },
      { permission: 'users:write', params: UserId },
    )
    .post(
      '/:id/revoke-sessions',
      async ({ principal, params, requestMeta }) => ({
        ended: await users.revokeSessions(principal.userId, params.id, requestMeta),
      }),
      {
        permission: 'users:write',
        params: UserId,
        response: { 200: t.Object({ ended: t.Integer() }) },
      },
    );
}

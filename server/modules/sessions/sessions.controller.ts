import { Elysia, t } from 'elysia';
import { notFound } from '../../lib/errors.ts';
import type { auth } from '../../plugins/auth.ts';
import type { SessionStore } from './session.store.ts';

const SessionView = t.Object({
  id: t.String(),
  createdAt: t.String(),
  lastSeenAt: t.String(),
  expiresAt: t.String(),
  ip: t.String(),
  userAgent: t.String(),
  current: t.Boolean(),
});

/** The signed-in user's sessions: see where you are signed in, and end any of them. */
export function sessionsController(deps: {
  readonly authPlugin: ReturnType<typeof auth>;
  readonly sessions: SessionStore;
}) {
  const { sessions } = deps;
  return new Elysia({
    name: 'sessions-controller',
    prefix: '/api/sessions',
    detail: { tags: ['sessions'] },
  })
    .use(deps.authPlugin)
    .get(
      '',
      async ({ principal }) => ({
        sessions: (await sessions.listForUser(principal.userId)).map((session) => ({
          id: session.id,
          createdAt: new Date(session.createdAt).toISOString(),
          lastSeenAt: new Date(session.lastSeenAt).toISOString(),
          expiresAt: new Date(session.expiresAt).toISOString(),
          ip: session.ip,
          userAgent: session.userAgent,
          current: session.id === principal.sessionId,
        })),
      }),
      { permission: 'self', response: { 200: t.Object({ sessions: t.Array(SessionView) }) } },
    )
    .delete(
      '/:id',
      async ({ principal, params, set }) => {
        if (!(await sessions.revoke(principal.userId, params.id))) throw notFound('Session');
        set.status = 204;
      },
      { permission: 'self', params: t.Object({ id: t.String({ format: 'uuid' }) }) },
    )
    .delete(
      '',
      async ({ principal, query }) => ({
        ended: await sessions.revokeAll(
          principal.userId,
          query.keepCurrent === false ? undefined : principal.sessionId,
        ),
      }),
      {
        permission: 'self',
        query: t.Object(
          { keepCurrent: t.Optional(t.Boolean({ default: true })) },
          { additionalProperties: false },
        ),
        response: { 200: t.Object({ ended: t.Integer() }) },
      },
    );
}

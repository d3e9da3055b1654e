import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Elysia, t } from 'elysia';
import { UniqueViolationError } from 'objection';
import { AppError } from '../../../server/lib/errors.ts';
import { errorHandler } from '../../../server/plugins/error-handler.ts';
import { requestContext } from '../../../server/plugins/request-context.ts';
import { capturedLogger } from '../../helpers/log.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

/** A tiny app whose routes fail in each way the handler must shape. */
function failingApp() {
  const { logger, lines } = capturedLogger('error');
  const app = new Elysia({ normalize: false })
    .use(requestContext({ trustedProxyHops: 0 }))
    .use(errorHandler(logger))
    .get('/app-error', () => {
      throw new AppError(418, 'teapot', 'I am a teapot', { brew: 'refused' });
    })
    .get('/crash', () => {
      throw new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2 at /srv/app/db.ts:42');
    })
    .get('/unique', () => {
      // db-errors' typings omit the constructor; this is how Objection builds the error.
      const Unique = UniqueViolationError as unknown as new (args: object) => Error;
      throw new Unique({
        nativeError: new Error('duplicate key value violates unique constraint'),
        client: 'postgres',
        table: 'users',
        columns: ['email'],
        constraint: 'users_email_unique',
      });
    })
    .post('/validate', ({ body }) => body, { body: t.Object({ n: t.Integer({ minimum: 1 }) }) })
    .get('/bad-response', () => ({ leaked: 'secret' }) as unknown as { ok: boolean }, {
      response: t.Object({ ok: t.Boolean() }),
    });
  return { app, lines };
}

const call = async (
  app: ReturnType<typeof failingApp>['app'],
  path: string,
  init?: RequestInit,
) => {
  const response = await app.handle(new Request(`http://localhost${path}`, init));
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: JSON.parse(text),
    id: response.headers.get('x-request-id'),
  };
};

describe('error handler: one shape for every failure', () => {
  test('an AppError keeps its status, code, message and fields, with the request id', async () => {
    const { app } = failingApp();
    const res = await call(app, '/app-error');
    expect(res.status).toBe(418);
    expect(res.body).toEqual({
      error: {
        code: 'teapot',
        message: 'I am a teapot',
        requestId: res.id,
        fields: { brew: 'refused' },
      },
    });
  });

  test('an unexpected error is a bare 500: no message, stack, path or secret reaches the client', async () => {
    const { app, lines } = failingApp();
    const res = await call(app, '/crash');
    expect(res.status).toBe(500);
    expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message', 'requestId']);
    expect(res.body.error.code).toBe('internal_error');
    for (const leak of ['ECONNREFUSED', 'hunter2', '/srv/app', 'db.ts', 'at '])
      expect(res.text).not.toContain(leak);
    // The operator still gets the details, under the same request id.
    expect(lines.join('')).toContain(res.id as string);
    expect(lines.join('')).toContain('ECONNREFUSED');
    expect(lines.join('')).not.toContain('hunter2');
  });

  test('a unique violation (a race past the service check) is a 409 naming the field', async () => {
    const { app } = failingApp();
    const res = await call(app, '/unique');
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', fields: { email: 'taken' } });
  });

  test('a schema violation is a 400 validation_failed with the failing field', async () => {
    const { app } = failingApp();
    const res = await call(app, '/validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 0 }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Object.keys(res.body.error.fields)).toEqual(['n']);
  });

  test('a response that breaks its own schema is our bug: a 500 that leaks nothing', async () => {
    const { app } = failingApp();
    const res = await call(app, '/bad-response');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('secret');
  });

  test('an unknown route is a 404 in the same shape', async () => {
    const { app } = failingApp();
    const res = await call(app, '/nowhere');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'not_found', message: 'Not found', requestId: res.id },
    });
  });
});

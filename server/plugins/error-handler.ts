import { Elysia, type ValidationError } from 'elysia';
import { UniqueViolationError } from 'objection';
import { AppError, CommonErrors } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { requestIdOf } from './request-context.ts';

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly requestId: string;
    readonly fields?: Record<string, string>;
  };
}

/** Which constraint means which field, so a race on a unique value still reads as a 409. */
const UNIQUE_FIELDS: Readonly<Record<string, string>> = {
  users_email_unique: 'email',
  users_username_unique: 'username',
};

function validationFields(error: Readonly<ValidationError>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.all) {
    const path = 'path' in issue && typeof issue.path === 'string' ? issue.path : '';
    const name = path.replace(/^\//, '').replaceAll('/', '.') || error.type;
    fields[name] ??= 'summary' in issue && issue.summary ? String(issue.summary) : 'invalid';
  }
  return fields;
}

/**
 * The one error shape: `{ error: { code, message, requestId, fields? } }`.
 * A 500 says only that something failed; the details go to the log under the request id.
 */
export function errorHandler(logger: Logger) {
  return new Elysia({ name: 'error-handler' }).onError({ as: 'global' }, (ctx) => {
    const { code, error, set } = ctx;
    const requestId = requestIdOf(set.headers);
    const reply = (
      status: number,
      errorCode: string,
      message: string,
      fields?: Record<string, string>,
    ) => {
      set.status = status;
      set.headers['content-type'] = 'application/json; charset=utf-8';
      const body: ErrorBody = {
        error: { code: errorCode, message, requestId, ...(fields && { fields }) },
      };
      return body;
    };

    // A parser hook's own AppError (413, bad JSON) arrives wrapped in Elysia's ParseError.
    const cause = code === 'PARSE' ? (error as { cause?: unknown }).cause : undefined;
    const appError =
      error instanceof AppError ? error : cause instanceof AppError ? cause : undefined;
    if (appError) return reply(appError.status, appError.code, appError.message, appError.fields);
    switch (code) {
      case 'VALIDATION':
        if (error.type === 'response') break; // our bug, not the client's: a 500 below
        return reply(
          400,
          CommonErrors.validation,
          'Request failed validation',
          validationFields(error),
        );
      case 'PARSE':
        return reply(400, CommonErrors.badRequest, 'Request body could not be parsed');
      case 'NOT_FOUND':
        return reply(404, CommonErrors.notFound, 'Not found');
      case 'INVALID_COOKIE_SIGNATURE':
        return reply(400, CommonErrors.badRequest, 'Invalid cookie');
    }
    if (error instanceof UniqueViolationError) {
      const field = UNIQUE_FIELDS[error.constraint ?? ''];
      return reply(
        409,
        CommonErrors.conflict,
        'That value is already taken',
        field ? { [field]: 'taken' } : undefined,
      );
    }
    const status =
      typeof (error as { status?: unknown }).status === 'number'
        ? (error as { status: number }).status
        : 500;
    if (status === 413)
      return reply(413, CommonErrors.payloadTooLarge, 'Request body is too large');
    if (status === 415)
      return reply(415, CommonErrors.unsupportedMediaType, 'Unsupported content type');
    logger.error({ err: error, requestId, code }, 'unhandled error');
    return reply(
      500,
      CommonErrors.internal,
      'Something went wrong; quote the request id if you report it',
    );
  });
}

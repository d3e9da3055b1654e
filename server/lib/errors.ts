/** One error type for the whole server; the global handler turns it into the JSON error shape. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Codes shared by every module; feature modules keep their own `as const` maps beside them. */
export const CommonErrors = {
  badRequest: 'bad_request',
  validation: 'validation_failed',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  rateLimited: 'rate_limited',
  internal: 'internal_error',
  unavailable: 'service_unavailable',
} as const;

export const badRequest = (message: string, fields?: Record<string, string>) =>
  new AppError(400, CommonErrors.badRequest, message, fields);
export const notFound = (what = 'Resource') =>
  new AppError(404, CommonErrors.notFound, `${what} not found`);
export const forbidden = (message = 'You do not have permission to do that') =>
  new AppError(403, CommonErrors.forbidden, message);
export const unauthenticated = (message = 'Authentication required') =>
  new AppError(401, CommonErrors.unauthenticated, message);
export const conflict = (message: string, fields?: Record<string, string>) =>
  new AppError(409, CommonErrors.conflict, message, fields);

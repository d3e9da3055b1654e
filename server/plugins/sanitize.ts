import { Elysia } from 'elysia';
import { AppError, badRequest, CommonErrors } from '../lib/errors.ts';

export interface SanitizeOptions {
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Deepest nesting of objects and arrays accepted in a JSON body. */
  readonly maxDepth: number;
}

export const SANITIZE_DEFAULTS: SanitizeOptions = { maxBodyBytes: 1024 * 1024, maxDepth: 8 };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// C0 and C1 controls except tab, line feed and carriage return; plus bidi overrides.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Normalized text: Unicode NFC, control characters removed. */
export const cleanString = (value: string) => value.normalize('NFC').replace(CONTROL, '');

/** Walk a parsed value: clean every string, refuse prototype keys and excessive depth. */
export function sanitizeValue(value: unknown, maxDepth: number, depth = 0): unknown {
  if (typeof value === 'string') return cleanString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= maxDepth) throw badRequest(`Body is nested deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, maxDepth, depth + 1));
  const clean: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key))
      throw badRequest(`Property "${key}" is not allowed`, { [key]: 'forbidden' });
    clean[cleanString(key)] = sanitizeValue(
      (value as Record<string, unknown>)[key],
      maxDepth,
      depth + 1,
    );
  }
  return clean;
}

/**
 * The first API query parameter given more than once. No API route takes a list in its query,
 * and silently keeping one of the values (HTTP parameter pollution) lets a proxy, a log and the
 * handler each read a different one. The client shell ignores its query, so it is left alone.
 */
function repeatedParameter(url: string): string | undefined {
  if (!url.includes('?')) return undefined;
  const { pathname, searchParams } = new URL(url);
  if (!pathname.startsWith('/api/')) return undefined;
  const seen = new Set<string>();
  for (const name of searchParams.keys()) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** How many bytes the body has, reading no further than `limit`. */
async function bytesUpTo(request: Request, limit: number): Promise<number> {
  const reader = request.body?.getReader();
  if (!reader) return 0;
  let total = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    total += chunk.value.byteLength;
    if (total >= limit) {
      await reader.cancel();
      break;
    }
  }
  return total;
}

const JSON_TYPE = /^application\/json\b/i;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Size, type and shape limits before any schema or handler sees the input.
 * Every route also validates its own strict schema; this is the floor under all of them.
 */
export function sanitize(options: SanitizeOptions = SANITIZE_DEFAULTS) {
  return new Elysia({ name: 'sanitize', seed: options })
    .onRequest(async ({ request }) => {
      const repeated = repeatedParameter(request.url);
      if (repeated !== undefined) {
        throw badRequest(`Parameter "${repeated}" is given more than once`, {
          [repeated]: 'repeated',
        });
      }
      if (!BODY_METHODS.has(request.method)) return;
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > options.maxBodyBytes) {
        throw new AppError(413, CommonErrors.payloadTooLarge, 'Request body is too large');
      }
      const type = request.headers.get('content-type');
      if (type && !JSON_TYPE.test(type)) {
        throw new AppError(415, CommonErrors.unsupportedMediaType, 'Send JSON (application/json)');
      }
      // No declared length (chunked): count a copy's bytes as they arrive, and stop at the limit.
      if (!request.headers.has('content-length') && request.body) {
        if ((await bytesUpTo(request.clone(), options.maxBodyBytes + 1)) > options.maxBodyBytes) {
          throw new AppError(413, CommonErrors.payloadTooLarge, 'Request body is too large');
        }
      }
    })
    .onTransform({ as: 'global' }, (ctx) => {
      if (ctx.body !== undefined) ctx.body = sanitizeValue(ctx.body, options.maxDepth);
      const query = ctx.query as Record<string, unknown>;
      for (const key of Object.keys(query)) {
        if (FORBIDDEN_KEYS.has(key)) throw badRequest(`Parameter "${key}" is not allowed`);
        const value = query[key];
        if (typeof value === 'string') query[key] = cleanString(value);
      }
    });
}

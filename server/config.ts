import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Environment = 'development' | 'test' | 'production';

export interface Config {
  readonly env: Environment;
  readonly host: string;
  readonly port: number;
  /** The origin browsers use; its scheme decides the cookie flags. */
  readonly publicUrl: string;
  /** Origins allowed to make cookie-authenticated, state-changing requests. */
  readonly allowedOrigins: readonly string[];
  readonly dataDir: string;
  /** PostgreSQL connection string; undefined means embedded PGlite under dataDir. */
  readonly databaseUrl?: string;
  /** Redis connection string; undefined means the in-process store. */
  readonly redisUrl?: string;
  readonly jwt: {
    readonly secret: Uint8Array;
    /** JWT_SECRET_PREVIOUS: the secret being rotated out, still accepted for verification. */
    readonly previousSecrets: readonly Uint8Array[];
    readonly issuer: string;
    readonly audience: string;
    readonly accessTtlSeconds: number;
  };
  readonly session: {
    /** A session unused for this long ends (ASVS 7.3.1). */
    readonly idleTimeoutSeconds: number;
    /** A session ends this long after login, used or not (ASVS 7.3.2). */
    readonly maxAgeSeconds: number;
  };
  /** How many reverse proxies in front of Bastion may set X-Forwarded-For. */
  readonly trustedProxyHops: number;
  /** Requests per minute: anonymous per IP, auth routes per IP, authenticated per user. */
  readonly rateLimits: {
    readonly anonymous: { readonly limit: number; readonly windowSeconds: number };
    readonly auth: { readonly limit: number; readonly windowSeconds: number };
    readonly user: { readonly limit: number; readonly windowSeconds: number };
  };
  readonly logLevel: string;
  readonly shutdownGraceMs: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Refusing to start: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_BYTES = 32;
const MAX_ACCESS_TTL = 600;

export interface LoadOptions {
  /** Called once with a warning for the operator (dev secrets generated, and so on). */
  readonly warn?: (message: string) => void;
}

/** Parse and validate the environment once. Throws ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env, options: LoadOptions = {}): Config {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (nodeEnv !== 'development' && nodeEnv !== 'test' && nodeEnv !== 'production') {
    problems.push(`NODE_ENV must be development, test or production (got "${nodeEnv}")`);
  }
  const mode: Environment =
    nodeEnv === 'production' || nodeEnv === 'test' ? nodeEnv : 'development';
  const production = mode === 'production';

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return value;
  };

  const port = int('PORT', 3000, 0, 65535);
  const host = env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  const dataDir = resolve(env.DATA_DIR ?? './data');
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  let publicOrigin = '';
  try {
    const url = new URL(publicUrl);
    publicOrigin = url.origin;
    if (production && url.protocol !== 'https:') {
      problems.push('PUBLIC_URL must use https in production');
    }
  } catch {
    problems.push('PUBLIC_URL must be an absolute URL');
  }
  const extraOrigins = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of extraOrigins) {
    if (production && !origin.startsWith('https://')) {
      problems.push('ALLOWED_ORIGINS may only list https origins in production');
    }
  }

  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const redisUrl = nonEmpty(env.REDIS_URL);
  if (production && !databaseUrl) {
    problems.push(
      'DATABASE_URL is required in production (the embedded database is for development)',
    );
  }
  if (production && !redisUrl) {
    problems.push('REDIS_URL is required in production (the in-process store is for development)');
  }

  const secret = jwtSecret(env, mode, dataDir, problems, options.warn);
  const previous = nonEmpty(env.JWT_SECRET_PREVIOUS);
  if (previous && isWeakSecret(previous)) {
    problems.push('JWT_SECRET_PREVIOUS is too weak: it must have been a valid JWT_SECRET');
  }
  const previousSecrets = previous ? [new TextEncoder().encode(previous)] : [];

  const accessTtlSeconds = int('ACCESS_TOKEN_TTL', MAX_ACCESS_TTL, 30, MAX_ACCESS_TTL);
  const idleTimeoutSeconds = int('SESSION_IDLE_TIMEOUT', 8 * 3600, 300, 30 * 86400);
  const maxAgeSeconds = int('SESSION_MAX_AGE', 7 * 86400, 300, 90 * 86400);
  if (idleTimeoutSeconds > maxAgeSeconds) {
    problems.push('SESSION_IDLE_TIMEOUT must not exceed SESSION_MAX_AGE');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: mode,
    host,
    port,
    publicUrl,
    allowedOrigins: [...new Set([publicOrigin, ...extraOrigins])],
    dataDir,
    databaseUrl,
    redisUrl,
    jwt: {
      secret,
      previousSecrets,
      issuer: env.JWT_ISSUER ?? publicOrigin,
      audience: env.JWT_AUDIENCE ?? `${publicOrigin}/api`,
      accessTtlSeconds,
    },
    session: { idleTimeoutSeconds, maxAgeSeconds },
    trustedProxyHops: int('TRUST_PROXY_HOPS', 0, 0, 10),
    rateLimits: {
      anonymous: { limit: int('RATE_LIMIT_ANONYMOUS', 300, 1, 1_000_000), windowSeconds: 60 },
      auth: { limit: int('RATE_LIMIT_AUTH', 30, 1, 1_000_000), windowSeconds: 60 },
      user: { limit: int('RATE_LIMIT_USER', 1200, 1, 1_000_000), windowSeconds: 60 },
    },
    logLevel: env.LOG_LEVEL ?? (mode === 'test' ? 'silent' : 'info'),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 25_000, 0, 120_000),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * A secret is weak when it is short or made of few distinct characters ("aaaa…",
 * "changeme…"): those are the values people paste from examples.
 */
export function isWeakSecret(secret: string): boolean {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) return true;
  if (new Set(secret).size < 10) return true;
  return /^(change.?me|secret|password|example|test)/i.test(secret);
}

function jwtSecret(
  env: Env,
  mode: Environment,
  dataDir: string,
  problems: string[],
  warn?: (message: string) => void,
): Uint8Array {
  const given = env.JWT_SECRET;
  if (given !== undefined && given !== '') {
    if (isWeakSecret(given)) {
      problems.push(
        `JWT_SECRET is too weak: use at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 48)`,
      );
    }
    return new TextEncoder().encode(given);
  }
  if (mode === 'production') {
    problems.push('JWT_SECRET is required in production');
    return new Uint8Array();
  }
  if (mode === 'test') return crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES));
  return developmentSecret(dataDir, warn);
}

/** Development only: a random secret kept in ./data/secrets.json (mode 0600) across restarts. */
function developmentSecret(dataDir: string, warn?: (message: string) => void): Uint8Array {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    let stored: { jwtSecret?: unknown } = {};
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret?: unknown };
    } catch {
      // unreadable: replaced with a fresh secret below
    }
    if (typeof stored.jwtSecret === 'string' && stored.jwtSecret.length >= 43) {
      if ((statSync(file).mode & 0o077) !== 0) {
        chmodSync(file, 0o600);
        warn?.(`${file} was readable by others: its mode is now 0600`);
      }
      return Buffer.from(stored.jwtSecret, 'base64url');
    }
    warn?.(`${file} held no usable secret: replacing it`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = crypto.getRandomValues(new Uint8Array(48));
  writeFileSync(file, JSON.stringify({ jwtSecret: Buffer.from(secret).toString('base64url') }), {
    mode: 0o600,
  });
  chmodSync(file, 0o600);
  warn?.(
    `JWT_SECRET not set: generated a development secret in ${file} (never use this in production)`,
  );
  return secret;
}

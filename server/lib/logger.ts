import pino, { type Logger } from 'pino';

/**
 * Paths pino removes from every log line. Secrets never reach a log; personal data is
 * reduced to what an operator needs (see maskEmail).
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'currentPassword',
  '*.currentPassword',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

export type { Logger };

/** The request behind a security event: its id (X-Request-Id) and the client address. */
export interface RequestMeta {
  readonly requestId: string;
  readonly ip: string;
}

/**
 * The fields every security event carries besides its own: which request, from where
 * (ASVS 16.2.1). Picked one by one, so a caller's wider object never leaks into the line.
 */
export const requestFields = (meta: RequestMeta) => ({ requestId: meta.requestId, ip: meta.ip });

export interface LoggerOptions {
  readonly level: string;
  readonly pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  readonly destination?: pino.DestinationStream;
}

/** Credentials inside free text: URL user-info and `password=…`-style pairs. */
const CREDENTIALS = [
  [/(\w+:\/\/[^:/@\s]*:)[^@\s]+@/g, '$1***@'],
  [/\b(password|passwd|pwd|secret|token|api[_-]?key)(\s*[=:]\s*)[^\s,;&]+/gi, '$1$2***'],
] as const;

export function maskCredentials(text: string): string {
  return CREDENTIALS.reduce(
    (masked, [pattern, replacement]) => masked.replace(pattern, replacement),
    text,
  );
}

/**
 * Errors are logged with type, message and stack for the operator, with any credential a
 * driver put into the message masked first (a connection string, a `password=` pair).
 */
function serializeError(error: unknown) {
  const plain = pino.stdSerializers.err(error as Error);
  return {
    ...plain,
    message: maskCredentials(String(plain.message ?? '')),
    stack: maskCredentials(String(plain.stack ?? '')),
  };
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'bastion' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/** a***@example.com: enough to correlate, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}

import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Logger, maskCredentials, maskEmail, maskUrl } from '../../../server/lib/logger.ts';
import { capturedLogger } from '../../helpers/log.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const logged = (write: (logger: ReturnType<typeof capturedLogger>['logger']) => void) => {
  const { logger, lines } = capturedLogger('info');
  write(logger);
  return lines.join('');
};

describe('logger redaction (ASVS 16.2.5)', () => {
  test.each([
    ['password', { password: 'hunter2-hunter2' }],
    ['nested currentPassword', { body: { currentPassword: 'hunter2-hunter2' } }],
    ['refreshToken', { result: { refreshToken: 'hunter2-hunter2' } }],
    ['accessToken', { accessToken: 'hunter2-hunter2' }],
    ['an Authorization header', { headers: { authorization: 'Bearer hunter2-hunter2' } }],
    ['a Cookie header', { req: { headers: { cookie: '__Host-bastion_at=hunter2-hunter2' } } }],
    ['secret', { secret: 'hunter2-hunter2' }],
  ])('a %s never reaches the log', (_name, fields) => {
    const line = logged((logger) => logger.info(fields, 'something happened'));
    expect(line).toContain('something happened');
    expect(line).toContain('[redacted]');
    expect(line).not.toContain('hunter2');
  });

  test('credentials inside an error message or stack are masked, the rest kept for the operator', () => {
    const error = new Error(
      'connect failed: postgres://bastion:s3cret-pw@db.internal:5432/app password=s3cret-pw',
    );
    const line = logged((logger) => logger.error({ err: error }, 'database down'));
    expect(line).not.toContain('s3cret-pw');
    expect(line).toContain('postgres://bastion:***@db.internal:5432/app');
    expect(line).toContain('password=***');
    expect(line).toContain('"stack"');
  });
});

describe('log lines', () => {
  test('carry an ISO-8601 UTC timestamp, the level by name and the service (ASVS 16.2.2)', () => {
    const line = JSON.parse(
      logged((logger) => logger.warn({ event: 'auth.login.failed' }, 'login failed')),
    );
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(line).toMatchObject({ level: 'warn', service: 'bastion', event: 'auth.login.failed' });
  });
});

describe('log injection (ASVS 16.4.1)', () => {
  const FORGED = 'ok\n{"level":"fatal","msg":"forged"}\r\n\u2028{"level":"fatal"}';

  test.each([
    ['a message', (logger: Logger) => logger.info(FORGED), 'msg'],
    ['a field', (logger: Logger) => logger.info({ userAgent: FORGED }, 'login'), 'userAgent'],
    [
      'an error message',
      (logger: Logger) => logger.info({ err: new Error(FORGED) }, 'failed'),
      'err',
    ],
  ])('%s carrying a forged line stays inside one JSON line', (_name, write, field) => {
    const output = logged(write);
    const lines = output.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line.level).toBe('info');
    const value = field === 'err' ? line.err.message : line[field];
    expect(value).toBe(FORGED);
  });
});

describe('masking helpers', () => {
  test('maskEmail keeps enough to correlate and no more', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
    expect(maskEmail('not-an-email')).toBe('***');
  });

  test('maskUrl hides the password of a connection string', () => {
    expect(maskUrl('postgres://user:pw@host:5432/db')).toBe('postgres://user:***@host:5432/db');
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(maskUrl('::not a url')).toBe('[unparseable url]');
  });

  test('maskCredentials handles key=value and key: value pairs', () => {
    expect(maskCredentials('token: abc123 and api_key=xyz')).toBe('token: *** and api_key=***');
  });
});

import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../server/lib/logger.ts';

/** A real pino logger whose lines a test can read back. */
export function capturedLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

/**
 * Operator commands: `bun run cli <command>`.
 *   migrate                                   apply pending migrations (production runs this)
 *   create-admin --email E --username U       create an admin; password from ADMIN_PASSWORD (a
 *                                             secret the platform injects), stdin or a prompt
 * Passwords are never taken as arguments: they would land in shell history and `ps`.
 */
import { parseArgs } from 'node:util';
import { createServices } from './app.ts';
import { AppError } from './lib/errors.ts';
import type { RequestMeta } from './lib/logger.ts';
import { startRuntime } from './runtime.ts';

/**
 * The new admin's password: ADMIN_PASSWORD when the platform injects it as a secret (an ECS
 * one-off task has no terminal), else stdin, else a prompt that does not echo.
 */
async function readPassword(): Promise<string> {
  const injected = process.env.ADMIN_PASSWORD;
  if (injected) return injected;
  if (!process.stdin.isTTY) {
    const text = await Bun.stdin.text();
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stdout.write('Password (not echoed): ');
  process.stdin.setRawMode(true);
  return new Promise((resolve) => {
    let typed = '';
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          process.stdin.setRawMode(false);
          process.stdin.off('data', onData);
          process.stdin.pause();
          process.stdout.write('\n');
          resolve(typed);
          return;
        }
        if (char === '\u0003') process.exit(130);
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    };
    process.stdin.on('data', onData);
  });
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const runtime = await startRuntime();
  try {
    switch (command) {
      case 'migrate': {
        const applied = await runtime.db.migrate();
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
        return 0;
      }
      case 'create-admin': {
        const { values } = parseArgs({
          args: rest,
          options: { email: { type: 'string' }, username: { type: 'string' } },
          strict: true,
        });
        if (!values.email || !values.username) {
          console.error('usage: bun run cli create-admin --email <email> --username <username>');
          return 2;
        }
        await runtime.db.migrate();
        const password = await readPassword();
        const services = createServices(runtime);
        // One transaction: the account exists as an admin or not at all.
        // No HTTP request behind it: the log line says so, with an id of its own.
        const operator: RequestMeta = { requestId: `cli-${crypto.randomUUID()}`, ip: 'local' };
        const user = await services.auth.register(
          { email: values.email, username: values.username, password },
          operator,
          ['admin', 'user'],
        );
        console.log(`admin created: ${user.username} (${user.id})`);
        return 0;
      }
      default:
        console.error('usage: bun run cli <migrate | create-admin --email E --username U>');
        return 2;
    }
  } catch (error) {
    if (error instanceof AppError) {
      console.error(
        `error: ${error.message}${error.fields ? ` ${JSON.stringify(error.fields)}` : ''}`,
      );
      return 1;
    }
    throw error;
  } finally {
    await runtime.close();
  }
}

process.exit(await main());

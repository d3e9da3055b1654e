import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ROOT, type Running, startServer, tempDataDir } from './process.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const PASSWORD = 'an admin passphrase of some length';

async function cli(args: string[], env: Record<string, string>, stdin?: string) {
  const proc = Bun.spawn(['bun', 'server/cli.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdin: stdin === undefined ? 'ignore' : new Blob([stdin]),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, out, err };
}

let running: Running | undefined;
afterEach(() => {
  running?.proc.kill('SIGKILL');
  running = undefined;
});

describe('bun run cli', () => {
  test('create-admin reads the password from stdin and makes an admin who can sign in', async () => {
    const env = { DATA_DIR: tempDataDir() };
    const created = await cli(
      ['create-admin', '--email', 'root@example.com', '--username', 'root'],
      env,
      `${PASSWORD}\n`,
    );
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toContain('admin created: root');
    expect(created.out).not.toContain(PASSWORD);

    running = await startServer(env);
    const login = await fetch(`${running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        identifier: 'root@example.com',
        password: PASSWORD,
        tokenDelivery: 'body',
      }),
    });
    const session = (await login.json()) as { accessToken: string; user: { roles: string[] } };
    expect(session.user.roles).toEqual(['admin', 'user']);
    const users = await fetch(`${running.url}/api/admin/users`, {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(users.status).toBe(200);
  });

  test('create-admin takes ADMIN_PASSWORD when the platform injects it (no terminal, no stdin)', async () => {
    const env = { DATA_DIR: tempDataDir(), ADMIN_PASSWORD: PASSWORD };
    const created = await cli(
      ['create-admin', '--email', 'ops@example.com', '--username', 'ops'],
      env,
    );
    expect(created.code).toBe(0);
    expect(created.out + created.err).not.toContain(PASSWORD);
    running = await startServer({ DATA_DIR: env.DATA_DIR });
    const login = await fetch(`${running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'ops', password: PASSWORD, tokenDelivery: 'body' }),
    });
    expect(login.status).toBe(200);
  });

  test('a password passed as an argument is refused', async () => {
    const result = await cli(
      ['create-admin', '--email', 'a@example.com', '--username', 'abc', '--password', PASSWORD],
      { DATA_DIR: tempDataDir() },
      '',
    );
    expect(result.code).not.toBe(0);
    expect(result.out).not.toContain('admin created');
  });

  test('a weak password is refused with the policy reason', async () => {
    const result = await cli(
      ['create-admin', '--email', 'b@example.com', '--username', 'bcd'],
      { DATA_DIR: tempDataDir() },
      'short\n',
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('at least 12 characters');
  });

  test('migrate applies the schema once and then reports it up to date', async () => {
    const env = { DATA_DIR: tempDataDir() };
    expect((await cli(['migrate'], env)).out).toContain('applied: 001_users');
    expect((await cli(['migrate'], env)).out).toContain('database is up to date');
  });
});

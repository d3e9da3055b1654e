import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ROOT, type Running, startServer, tempDataDir } from './process.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let running: Running | undefined;
afterEach(() => {
  running?.proc.kill('SIGKILL');
  running = undefined;
});

describe('bun start on a machine with nothing else installed', () => {
  test('serves Bastion on embedded PGlite and the in-process store, and says so', async () => {
    running = await startServer({ DATA_DIR: tempDataDir() });
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${running.url}/readyz`);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', store: 'ok' },
    });
    const page = await fetch(`${running.url}/`);
    expect(await page.text()).toContain('<title>Bastion</title>');
    const line = running.lines().find((entry) => entry.msg === 'Bastion is listening');
    expect(String(line?.database)).toStartWith('embedded PGlite at ');
    expect(line?.store).toBe('in-process store');
  });

  test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
    running = await startServer({ DATA_DIR: tempDataDir() });
    let push: (chunk: string) => void = () => {};
    let end: () => void = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => controller.enqueue(new TextEncoder().encode(chunk));
        end = () => controller.close();
      },
    });
    const inFlight = fetch(`${running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    push('{"identifier":"nobody",');
    await Bun.sleep(200);
    running.proc.kill('SIGTERM');
    await Bun.sleep(200);
    push('"password":"not-the-password"}');
    end();
    const response = await inFlight;
    expect(response.status).toBe(401);
    expect(await running.proc.exited).toBe(0);
    expect(
      running.lines().some((line) => line.msg === 'shutting down: finishing in-flight requests'),
    ).toBe(true);
  });
});

// Registered only when the services are given (CI's second pass): never reported as skipped.
if (process.env.DATABASE_URL && process.env.REDIS_URL)
  describe('bun start with real services', () => {
    test('uses DATABASE_URL and REDIS_URL and logs them with credentials masked', async () => {
      const url = new URL(process.env.DATABASE_URL as string);
      url.username = url.username || 'postgres';
      url.password = 'not-a-real-password-s3cret';
      running = await startServer({
        DATA_DIR: tempDataDir(),
        DATABASE_URL: url.toString(),
        REDIS_URL: process.env.REDIS_URL as string,
      });
      const line = running.lines().find((entry) => entry.msg === 'Bastion is listening');
      expect(String(line?.database)).toContain(':***@');
      expect(String(line?.store)).toStartWith('redis://');
      expect(JSON.stringify(running.lines())).not.toContain('s3cret');
      expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
    });
  });

/** Start the server in production with only `env` and wait for it to give up. */
async function refusedStart(env: Record<string, string>) {
  const proc = Bun.spawn(['bun', 'server/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stderr: 'pipe',
    stdout: 'pipe',
  });
  return { code: await proc.exited, stderr: await new Response(proc.stderr).text() };
}

describe('production refuses unsafe configuration', () => {
  test('with nothing set it exits 1 and names every missing or unsafe variable', async () => {
    const { code, stderr } = await refusedStart({ PUBLIC_URL: 'http://bastion.example.com' });
    expect(code).toBe(1);
    for (const name of ['JWT_SECRET', 'DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL'])
      expect(stderr).toContain(name);
  });

  test('a weak JWT secret is refused without echoing it', async () => {
    const { code, stderr } = await refusedStart({
      PUBLIC_URL: 'https://bastion.example.com',
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
      REDIS_URL: 'redis://127.0.0.1:1',
      JWT_SECRET: 'changeme-changeme-changeme-changeme',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('JWT_SECRET is too weak');
    expect(stderr).not.toContain('changeme');
  });
});

describe('the health probe (bastion --healthcheck)', () => {
  test('answers 0 while the server is up and 1 once it is down', async () => {
    running = await startServer({ DATA_DIR: tempDataDir() });
    const port = new URL(running.url).port;
    const probe = () =>
      Bun.spawn(['bun', 'server/main.ts', '--healthcheck'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', PORT: port },
      }).exited;
    expect(await probe()).toBe(0);
    running.proc.kill('SIGTERM');
    await running.proc.exited;
    expect(await probe()).toBe(1);
  });
});

/**
 * `bun run bench`: Bastion's speed as ratios measured in one run on this machine.
 *   - authenticated GET /api/me (every plugin on) against bare Elysia's JSON throughput
 *   - p99 latency of /api/me at 64 connections
 *   - login throughput against cores ÷ one argon2id verification
 * Uses PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, the embedded defaults otherwise.
 * Traffic stays on 127.0.0.1; every loop is bounded in time.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './load.ts';

const ROOT = join(import.meta.dir, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 64;

async function spawnServer(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn(args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdout: 'pipe',
  });
  const reader = proc.stdout.getReader();
  let text = '';
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited: ${text}`);
    text += new TextDecoder().decode(value);
    const match = /"port":(\d+)|127\.0\.0\.1:(\d+)/.exec(text);
    if (match) {
      void (async () => {
        while (!(await reader.read()).done) {}
      })();
      return { proc, base: `http://127.0.0.1:${match[1] ?? match[2]}` };
    }
  }
}

const bare = await spawnServer(['bun', 'tests/bench/bare.ts'], {});
const bastion = await spawnServer(['bun', 'server/main.ts'], {
  DATA_DIR: join(tmpdir(), `bastion-bench-${Date.now()}`),
  // The load comes from one address: lift the per-IP and per-user limits out of the way.
  RATE_LIMIT_ANONYMOUS: '1000000',
  RATE_LIMIT_AUTH: '1000000',
  RATE_LIMIT_USER: '1000000',
  LOG_LEVEL: 'info',
});

try {
  const json = { 'content-type': 'application/json' };
  const name = `bench${Date.now()}`;
  const password = 'a benchmark passphrase';
  await fetch(`${bastion.base}/api/auth/register`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: `${name}@example.com`, username: name, password }),
  });
  const login = (await (
    await fetch(`${bastion.base}/api/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ identifier: name, password, tokenDelivery: 'body' }),
    })
  ).json()) as { accessToken: string };
  const auth = { headers: { authorization: `Bearer ${login.accessToken}` } };

  // Warm both up so JIT and pools are settled before measuring.
  await load(`${bare.base}/me`, { connections: 8, seconds: 1 });
  await load(`${bastion.base}/api/me`, { connections: 8, seconds: 1, init: auth });

  const baseline = await load(`${bare.base}/me`, { connections: CONNECTIONS, seconds: SECONDS });
  const me = await load(`${bastion.base}/api/me`, {
    connections: CONNECTIONS,
    seconds: SECONDS,
    init: auth,
  });

  const hashStart = performance.now();
  const hash = await Bun.password.hash(password, {
    algorithm: 'argon2id',
    memoryCost: 19_456,
    timeCost: 2,
  });
  const hashMs = performance.now() - hashStart;
  const verifyStart = performance.now();
  for (let i = 0; i < 5; i++) await Bun.password.verify(password, hash);
  const verifyMs = (performance.now() - verifyStart) / 5;
  const cores = availableParallelism();
  const logins = await load(`${bastion.base}/api/auth/login`, {
    connections: cores * 2,
    seconds: SECONDS,
    init: {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ identifier: name, password, tokenDelivery: 'body' }),
    },
  });

  const rows = [
    ['bare Elysia GET /me', baseline],
    ['Bastion GET /api/me (auth + all plugins)', me],
    ['Bastion POST /api/auth/login', logins],
  ] as const;
  console.log(
    `\nBastion benchmark: ${SECONDS}s per run, ${CONNECTIONS} connections, ${cores} cores, store=${process.env.REDIS_URL ? 'redis' : 'memory'}, db=${process.env.DATABASE_URL ? 'postgres' : 'pglite'}`,
  );
  for (const [label, r] of rows) {
    console.log(
      `${label.padEnd(44)} ${r.perSecond.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}`,
    );
  }
  const ideal = (cores * 1000) / verifyMs;
  console.log(
    `\n/api/me ÷ bare Elysia      ${(me.perSecond / baseline.perSecond).toFixed(2)}× (budget ≥ 0.35×)`,
  );
  console.log(`/api/me p99               ${me.p99Ms.toFixed(2)} ms (budget ≤ 10 ms)`);
  console.log(
    `argon2id hash ${hashMs.toFixed(1)} ms, verify ${verifyMs.toFixed(1)} ms → ideal ${ideal.toFixed(0)} logins/s on ${cores} cores`,
  );
  console.log(
    `login ÷ ideal             ${(logins.perSecond / ideal).toFixed(2)}× (budget ≥ 0.90×)`,
  );
} finally {
  bare.proc.kill();
  bastion.proc.kill();
}

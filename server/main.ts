import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, DEFAULT_CLIENT_DIR } from './app.ts';
import { describeAdapters, startRuntime } from './runtime.ts';

/** `bastion --healthcheck`: the container's health probe, the same one the task definition runs. */
async function healthcheck(): Promise<never> {
  const port = Number(process.env.PORT ?? 3000);
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(3_000),
    });
    process.exit(response.ok ? 0 : 1);
  } catch {
    process.exit(1);
  }
}

if (process.argv.includes('--healthcheck')) await healthcheck();

const runtime = await startRuntime();
const { config, logger, db } = runtime;

if (config.env === 'production') {
  const pending = await db.pendingMigrations();
  if (pending.length > 0) {
    logger.fatal({ pending }, 'database schema is behind: run `bun run migrate` first');
    await runtime.close();
    process.exit(1);
  }
} else {
  const applied = await db.migrate();
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
}

if (!existsSync(join(DEFAULT_CLIENT_DIR, 'index.html'))) {
  logger.warn('the browser client is not built: run `bun run build:client` (bun start does)');
}

const app = createApp(runtime).listen({
  hostname: config.host,
  port: config.port,
  maxRequestBodySize: 2 * 1024 * 1024,
});
logger.info(
  {
    url: `http://${config.host}:${app.server?.port}`,
    publicUrl: config.publicUrl,
    env: config.env,
    ...describeAdapters(config),
  },
  'Bastion is listening',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info(
    { signal, graceMs: config.shutdownGraceMs },
    'shutting down: finishing in-flight requests',
  );
  const grace = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), config.shutdownGraceMs),
  );
  const drained = await Promise.race([app.stop(false).then(() => 'drained' as const), grace]);
  if (drained === 'timeout') {
    logger.warn('grace period over: closing remaining connections');
    await app.stop(true);
  }
  await runtime.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

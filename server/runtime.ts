import { join } from 'node:path';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { MemoryStore } from './kv/memory-store.ts';
import { RedisStore } from './kv/redis-store.ts';
import type { KeyValueStore } from './kv/store.ts';
import { createDatabase, type Database } from './lib/database.ts';
import { createLogger, type Logger, maskUrl } from './lib/logger.ts';

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly kv: KeyValueStore;
  close(): Promise<void>;
}

/**
 * Load config and open the database and store it names, or print why not and exit 1: a
 * refused start names the variable, never a value.
 */
export async function startRuntime(
  env: Record<string, string | undefined> = process.env,
): Promise<Runtime> {
  const warnings: string[] = [];
  let config: Config;
  try {
    config = loadConfig(env, { warn: (message) => warnings.push(message) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`bastion: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const runtime = await openRuntime(config);
  for (const warning of warnings) runtime.logger.warn(warning);
  return runtime;
}

/** Open the database and the store the config names: real services, or the embedded twins. */
async function openRuntime(config: Config): Promise<Runtime> {
  const logger = createLogger({ level: config.logLevel });
  const db = await createDatabase({
    url: config.databaseUrl,
    embeddedPath: join(config.dataDir, 'pg'),
  });
  const kv: KeyValueStore = config.redisUrl
    ? new RedisStore({ url: config.redisUrl })
    : new MemoryStore();
  return {
    config,
    logger,
    db,
    kv,
    async close() {
      await Promise.allSettled([db.close(), kv.close()]);
      logger.flush();
    },
  };
}

/** What the start-up line says about the adapters, credentials masked. */
export function describeAdapters(config: Config) {
  return {
    database: config.databaseUrl
      ? maskUrl(config.databaseUrl)
      : `embedded PGlite at ${join(config.dataDir, 'pg')}`,
    store: config.redisUrl ? maskUrl(config.redisUrl) : 'in-process store',
  };
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { knexSnakeCaseMappers } from 'objection';
import { migrations } from '../db/migrations/index.ts';

export type { Knex };
export type Transaction = Knex.Transaction;

export interface DatabaseOptions {
  /** PostgreSQL connection string; undefined means embedded PGlite. */
  readonly url?: string;
  /** PGlite directory; undefined with no url means an in-memory database (tests). */
  readonly embeddedPath?: string;
  /** PostgreSQL schema to work in (tests isolate themselves in one each). */
  readonly schema?: string;
  readonly poolMax?: number;
}

export interface Database {
  readonly knex: Knex;
  readonly kind: 'postgres' | 'pglite';
  /** Run fn in one transaction: it commits when fn resolves and rolls back when it throws. */
  withTransaction<T>(fn: (trx: Transaction) => Promise<T>): Promise<T>;
  migrate(): Promise<string[]>;
  /** Names of migrations not yet applied. */
  pendingMigrations(): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Connect to PostgreSQL, or open the embedded PGlite database when no URL is given. */
export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  const instance = options.url ? postgres(options) : await embedded(options.embeddedPath);
  if (options.schema) {
    await instance.raw('create schema if not exists ??', [options.schema]);
  }
  return {
    knex: instance,
    kind: options.url ? 'postgres' : 'pglite',
    // knex hands back a thenable Transaction, not a Promise: adopt it so callers get what the type says.
    withTransaction: async (fn) => instance.transaction(fn),
    async migrate() {
      const [, applied] = (await instance.migrate.latest({
        migrationSource: migrations,
        schemaName: options.schema,
      })) as [number, string[]];
      return applied;
    },
    async pendingMigrations() {
      const [, pending] = (await instance.migrate.list({
        migrationSource: migrations,
        schemaName: options.schema,
      })) as [unknown[], Array<Parameters<typeof migrations.getMigrationName>[0]>];
      return pending.map((entry) => migrations.getMigrationName(entry));
    },
    async ping() {
      await instance.raw('select 1');
    },
    close: () => instance.destroy(),
  };
}

function postgres(options: DatabaseOptions): Knex {
  return knex({
    client: 'pg',
    connection: options.url,
    searchPath: options.schema ? [options.schema] : undefined,
    pool: { min: 0, max: options.poolMax ?? 10 },
    ...knexSnakeCaseMappers(),
    acquireConnectionTimeout: 10_000,
  });
}

/** PGlite is loaded only when used, so production builds never carry it. */
async function embedded(path?: string): Promise<Knex> {
  const { default: ClientPgLite } = await import('knex-pglite');
  if (path) mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  return knex({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: path ? { filename: path } : {},
    ...knexSnakeCaseMappers(),
  } as Knex.Config);
}

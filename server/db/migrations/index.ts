import type { Knex } from 'knex';
import * as m001 from './001_users.ts';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

/**
 * Migrations are imported, not read from a folder at run time, so the compiled binary and
 * the embedded database run exactly the same list.
 */
const list: ReadonlyArray<readonly [string, Migration]> = [['001_users', m001]];

export const migrations: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...list],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

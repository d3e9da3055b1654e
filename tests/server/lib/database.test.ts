import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MemoryStore } from '../../../server/kv/memory-store.ts';
import { createDatabase, type Database, type Transaction } from '../../../server/lib/database.ts';
import { createLogger } from '../../../server/lib/logger.ts';
import { AuthService } from '../../../server/modules/auth/auth.service.ts';
import { AccessTokens } from '../../../server/modules/auth/tokens.ts';
import { SessionStore } from '../../../server/modules/sessions/session.store.ts';
import type { Role } from '../../../server/modules/users/user.model.ts';
import { UserRepository } from '../../../server/modules/users/user.repository.ts';
import { UsersService } from '../../../server/modules/users/users.service.ts';
import { insertUser, userRepositoryFixture } from '../../helpers/users.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const fx = userRepositoryFixture();

/** Every row ever written for these emails, soft-deleted ones included, roles included. */
async function rowsFor(...emails: string[]) {
  const users = await fx.db.knex('users').whereIn('email', emails);
  const roles = await fx.db.knex('user_roles').whereIn(
    'userId',
    users.map((user: { id: string }) => user.id),
  );
  return { users: users.length, roles: roles.length };
}

class Midway extends Error {}

/** A repository whose setRoles fails, after whatever was written before it in the transaction. */
class FailingRolesRepository extends UserRepository {
  override async setRoles(userId: string, roles: readonly Role[], trx: Transaction) {
    await super.setRoles(userId, roles, trx);
    throw new Midway('setRoles failed');
  }
}

const logger = createLogger({ level: 'silent' });
const meta = { requestId: 'test', ip: '127.0.0.1' };

describe('withTransaction', () => {
  test('commits the writes when the function resolves', async () => {
    const email = `commit-${crypto.randomUUID()}@example.com`;
    const user = await fx.db.withTransaction((trx) =>
      insertUser(fx.repo, trx, { email, roles: ['auditor'] }),
    );
    expect((await fx.repo.getByEmail(email))?.id).toBe(user.id);
    expect(await rowsFor(email)).toEqual({ users: 1, roles: 1 });
  });

  test('returns a real Promise of what the function returned', async () => {
    const pending = fx.db.withTransaction(async () => 42);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(42);
  });

  test('a failure midway leaves none of the writes behind', async () => {
    const email = `rollback-${crypto.randomUUID()}@example.com`;
    await expect(
      fx.db.withTransaction(async (trx) => {
        const user = await insertUser(fx.repo, trx, { email, roles: ['admin', 'user'] });
        expect(await fx.repo.findById(user.id, trx)).toBeDefined();
        throw new Midway('after the insert');
      }),
    ).rejects.toBeInstanceOf(Midway);
    expect(await fx.repo.getByEmail(email)).toBeUndefined();
    expect(await rowsFor(email)).toEqual({ users: 0, roles: 0 });
  });

  test('a database error midway rolls back the earlier writes too', async () => {
    const first = `first-${crypto.randomUUID()}@example.com`;
    await expect(
      fx.db.withTransaction(async (trx) => {
        await insertUser(fx.repo, trx, { email: first, username: `dup${Date.now()}` });
        await insertUser(fx.repo, trx, { email: first.toUpperCase() });
      }),
    ).rejects.toThrow(/users_email_unique/);
    expect(await rowsFor(first, first.toUpperCase())).toEqual({ users: 0, roles: 0 });
  });
});

describe('services roll back a failed operation as a whole', () => {
  function authService(users: UserRepository) {
    const kv = new MemoryStore();
    const sessions = new SessionStore(kv, { idleTimeoutSeconds: 3600, maxAgeSeconds: 86400 });
    const tokens = new AccessTokens({
      secret: crypto.getRandomValues(new Uint8Array(32)),
      issuer: 'https://bastion.test',
      audience: 'https://bastion.test/api',
      ttlSeconds: 600,
    });
    return new AuthService({ db: fx.db, users, sessions, tokens, kv, logger });
  }

  test('register: the user row is gone when storing the roles fails after it', async () => {
    const service = authService(new FailingRolesRepository(fx.db.knex));
    const email = `register-${crypto.randomUUID()}@example.com`;
    const input = { email, username: `reg${Date.now()}`, password: 'correct horse battery staple' };
    await expect(service.register(input, meta)).rejects.toBeInstanceOf(Midway);
    expect(await rowsFor(email)).toEqual({ users: 0, roles: 0 });
    // The same registration goes through once nothing fails: the rollback left no conflict.
    const user = await authService(fx.repo).register(input, meta);
    expect(user).toMatchObject({ email, roles: ['user'] });
  });

  test('adminUpdate: the status change is undone when the role change fails', async () => {
    const users = new FailingRolesRepository(fx.db.knex);
    const sessions = new SessionStore(new MemoryStore(), {
      idleTimeoutSeconds: 3600,
      maxAgeSeconds: 86400,
    });
    const service = new UsersService({ db: fx.db, users, sessions, logger });
    const target = await fx.db.withTransaction((trx) =>
      insertUser(fx.repo, trx, { roles: ['user'] }),
    );
    const admin = await fx.db.withTransaction((trx) =>
      insertUser(fx.repo, trx, { roles: ['admin'] }),
    );

    await expect(
      service.adminUpdate(admin.id, target.id, { status: 'disabled', roles: ['auditor'] }, meta),
    ).rejects.toBeInstanceOf(Midway);

    expect(await fx.repo.findById(target.id)).toMatchObject({ status: 'active', roles: ['user'] });
  });
});

describe('migrations', () => {
  /** A database with nothing applied: its own schema on PostgreSQL, a new PGlite otherwise. */
  async function emptyDatabase(): Promise<Database & { drop(): Promise<void> }> {
    const url = process.env.DATABASE_URL;
    const schema = url ? `migr_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}` : undefined;
    const fresh = await createDatabase({ url, schema, poolMax: 2 });
    return Object.assign(fresh, {
      async drop() {
        if (schema) await fresh.knex.raw('drop schema if exists ?? cascade', [schema]);
        await fresh.close();
      },
    });
  }

  /** The tables the migrations created, without knex's own bookkeeping. */
  async function appTables(fresh: Database): Promise<string[]> {
    const rows = (await fresh
      .knex('information_schema.tables')
      .select('table_name as name')
      .whereRaw('table_schema = current_schema()')
      .andWhere('table_type', 'BASE TABLE')) as Array<{ name: string }>;
    return rows.map((row) => row.name).filter((name) => !name.startsWith('knex_'));
  }

  test('a freshly migrated database holds no account at all: no default users (ASVS 6.3.2)', async () => {
    const fresh = await emptyDatabase();
    try {
      await fresh.migrate();
      const tables = await appTables(fresh);
      expect(tables).toEqual(expect.arrayContaining(['users', 'user_roles']));
      for (const table of tables) {
        const [row] = (await fresh.knex(table).count({ n: '*' })) as Array<{ n: number | string }>;
        expect({ table, rows: Number(row?.n) }).toEqual({ table, rows: 0 });
      }
    } finally {
      await fresh.drop();
    }
  });

  test('no table has a column for a password hint or a secret question (ASVS 6.4.2)', async () => {
    const columns = (await fx.db
      .knex('information_schema.columns')
      .select('table_name as table', 'column_name as column')
      .whereRaw('table_schema = current_schema()')) as Array<{ table: string; column: string }>;
    expect(columns.map((c) => c.column)).toContain('password_hash');
    expect(
      columns.filter(({ column }) => /hint|question|answer|reminder|memorable/i.test(column)),
    ).toEqual([]);
  });

  test('apply once: a second run applies nothing and nothing is pending', async () => {
    const fresh = await emptyDatabase();
    try {
      expect(await fresh.pendingMigrations()).toEqual(['001_users']);
      expect(await fresh.migrate()).toEqual(['001_users']);
      expect(await fresh.migrate()).toEqual([]);
      expect(await fresh.pendingMigrations()).toEqual([]);
      // The schema is usable after the second run.
      const users = new UserRepository(fresh.knex);
      await fresh.withTransaction((trx) => insertUser(users, trx));
      expect(await users.count()).toBe(1);
    } finally {
      await fresh.drop();
    }
  });
});

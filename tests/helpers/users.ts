import { afterAll, beforeAll } from 'bun:test';
import type { Knex, Transaction } from '../../server/lib/database.ts';
import type { PublicUser } from '../../server/modules/users/public-user.ts';
import type { Role, User } from '../../server/modules/users/user.model.ts';
import { UserRepository } from '../../server/modules/users/user.repository.ts';
import { testDatabase } from './app.ts';

/** Not a real argon2 hash: repository tests never verify passwords, and hashing is slow. */
export const FAKE_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo';

const suffix = () => crypto.randomUUID().replaceAll('-', '').slice(0, 10);

export interface UserSpec {
  readonly email?: string;
  readonly username?: string;
  readonly roles?: readonly Role[];
  readonly status?: 'active' | 'disabled';
  readonly createdAt?: Date;
}

/**
 * Insert one user through UserRepository.createUser inside `trx`, then adjust what createUser
 * does not take (status, creation time) with a plain update.
 */
export async function insertUser(
  repo: UserRepository,
  trx: Transaction,
  spec: UserSpec = {},
): Promise<User> {
  const name = spec.username ?? `u${suffix()}`;
  const created = await repo.createUser(
    {
      email: spec.email ?? `${name}@example.com`,
      username: name,
      passwordHash: FAKE_HASH,
      roles: spec.roles ?? ['user'],
    },
    trx,
  );
  if (spec.status === undefined && spec.createdAt === undefined) return created;
  await trx('users')
    .where({ id: created.id })
    .update({
      ...(spec.status && { status: spec.status }),
      ...(spec.createdAt && { createdAt: spec.createdAt }),
    });
  return (await repo.findById(created.id, trx)) as User;
}

/**
 * Run `fn` in a transaction that is always rolled back, so each case (or property run) sees
 * an empty users table and leaves nothing behind.
 */
export async function inRolledBackTransaction<T>(
  knex: Knex,
  fn: (trx: Transaction) => Promise<T>,
): Promise<T> {
  const trx = await knex.transaction();
  try {
    return await fn(trx);
  } finally {
    await trx.rollback();
  }
}

/** The user snapshot a session carries, for tests that drive SessionStore directly. */
export function sessionUser(
  id: string = crypto.randomUUID(),
  roles: Role[] = ['user'],
): PublicUser {
  const now = new Date(0).toISOString();
  return {
    id,
    email: `${id.slice(0, 8)}@example.com`,
    username: `u${id.slice(0, 8)}`,
    displayName: null,
    status: 'active',
    roles,
    emailVerified: false,
    createdAt: now,
    updatedAt: now,
  };
}

export type TestDatabase = Awaited<ReturnType<typeof testDatabase>>;

/**
 * A real database (in-memory PGlite, or PostgreSQL in a schema of its own) and a
 * UserRepository on it for one test file: opened before its tests, disposed after.
 */
export function userRepositoryFixture(): {
  readonly db: TestDatabase;
  readonly repo: UserRepository;
} {
  let db: TestDatabase | undefined;
  let repo: UserRepository | undefined;
  beforeAll(async () => {
    db = await testDatabase();
    repo = new UserRepository(db.knex);
  });
  afterAll(() => db?.dispose());
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the fixture is ready only inside tests and hooks');
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get repo() {
      return ready(repo);
    },
  };
}

/**
 * Store for this user a hash of `password` made with weaker, older argon2id parameters, as a
 * database from before a parameter change would hold. Returns the stored hash.
 */
export async function storeOutdatedHash(
  knex: Knex,
  userId: string,
  password: string,
): Promise<string> {
  const hash = await Bun.password.hash(password.normalize('NFKC'), {
    algorithm: 'argon2id',
    memoryCost: 4096,
    timeCost: 1,
  });
  await knex('users').where({ id: userId }).update({ passwordHash: hash });
  return hash;
}

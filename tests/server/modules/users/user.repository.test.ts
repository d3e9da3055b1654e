import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Transaction } from '../../../../server/lib/database.ts';
import type { User } from '../../../../server/modules/users/user.model.ts';
import {
  FAKE_HASH,
  inRolledBackTransaction,
  insertUser,
  userRepositoryFixture,
} from '../../../helpers/users.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const fx = userRepositoryFixture();

const withUsers = <T>(fn: (trx: Transaction) => Promise<T>) =>
  inRolledBackTransaction(fx.db.knex, fn);
const badRequest = { name: 'AppError', status: 400 };

/** Ids of every user matching the filters, across all pages, in a stable order. */
async function matching(trx: Transaction, filters: Record<string, string>): Promise<string[]> {
  const page = await fx.repo.list({ filters, pageSize: 100, sort: 'email' }, trx);
  expect(page.total).toBe(page.items.length);
  return page.items.map((user) => user.id);
}
const ids = (...users: User[]) =>
  [...users].sort((a, b) => (a.email < b.email ? -1 : 1)).map((user) => user.id);

describe('createUser', () => {
  test('stores the user with their roles, each role once, as a plain object', () =>
    withUsers(async (trx) => {
      const user = await fx.repo.createUser(
        {
          email: 'Frank@Example.com',
          username: 'Frank',
          displayName: 'Frank F.',
          passwordHash: FAKE_HASH,
          roles: ['user', 'admin', 'user'],
        },
        trx,
      );
      expect(user).toMatchObject({
        email: 'Frank@Example.com',
        username: 'Frank',
        displayName: 'Frank F.',
        status: 'active',
        roles: ['admin', 'user'],
        deletedAt: null,
      });
      expect(Object.getPrototypeOf(user)).toBe(Object.prototype);
      expect(await trx('user_roles').where({ userId: user.id }).count('* as n')).toEqual([
        { n: expect.anything() },
      ]);
      const roleRows = await trx('user_roles').where({ userId: user.id }).orderBy('role');
      expect(roleRows.map((row: { role: string }) => row.role)).toEqual(['admin', 'user']);
    }));

  test('a user with no roles has an empty role list', () =>
    withUsers(async (trx) => {
      expect((await insertUser(fx.repo, trx, { roles: [] })).roles).toEqual([]);
    }));

  test('setRoles replaces the roles', () =>
    withUsers(async (trx) => {
      const user = await insertUser(fx.repo, trx, { roles: ['user'] });
      await fx.repo.setRoles(user.id, ['auditor', 'admin'], trx);
      expect((await fx.repo.findById(user.id, trx))?.roles).toEqual(['admin', 'auditor']);
      await fx.repo.setRoles(user.id, [], trx);
      expect((await fx.repo.findById(user.id, trx))?.roles).toEqual([]);
    }));
});

describe('getByEmail and getByUsername', () => {
  test('find the user whatever the case of the email', () =>
    withUsers(async (trx) => {
      const user = await insertUser(fx.repo, trx, { email: 'Grace.Hopper@Example.COM' });
      for (const email of ['grace.hopper@example.com', 'GRACE.HOPPER@EXAMPLE.COM', user.email]) {
        expect((await fx.repo.getByEmail(email, trx))?.id).toBe(user.id);
      }
      expect(await fx.repo.getByEmail('grace.hopper@example.org', trx)).toBeUndefined();
      expect(await fx.repo.getByEmail('grace%', trx)).toBeUndefined();
    }));

  test('find the user whatever the case of the username', () =>
    withUsers(async (trx) => {
      const user = await insertUser(fx.repo, trx, { username: 'HopperG' });
      for (const name of ['hopperg', 'HOPPERG', 'HopperG']) {
        expect((await fx.repo.getByUsername(name, trx))?.id).toBe(user.id);
      }
      expect(await fx.repo.getByUsername('hopper', trx)).toBeUndefined();
      expect(await fx.repo.getByUsername('hopper_', trx)).toBeUndefined();
    }));
});

describe('delete (soft)', () => {
  test('the user disappears from every read but the row stays, marked deleted', () =>
    withUsers(async (trx) => {
      const user = await insertUser(fx.repo, trx, { username: 'heidi' });
      await insertUser(fx.repo, trx);
      expect(await fx.repo.count({}, trx)).toBe(2);

      expect(await fx.repo.delete(user.id, trx)).toBe(true);

      expect(await fx.repo.getByEmail('heidi@example.com', trx)).toBeUndefined();
      expect(await fx.repo.getByUsername('heidi', trx)).toBeUndefined();
      expect(await fx.repo.findById(user.id, trx)).toBeUndefined();
      expect(await fx.repo.count({}, trx)).toBe(1);
      expect((await fx.repo.list({ filters: { q: 'heidi' } }, trx)).total).toBe(0);
      const [row] = await trx('users').where({ id: user.id });
      expect(row).toMatchObject({ id: user.id, email: 'heidi@example.com', status: 'disabled' });
      expect(row.deletedAt).toBeInstanceOf(Date);
    }));

  test('deleting twice, an unknown id or a malformed id answers false', () =>
    withUsers(async (trx) => {
      const user = await insertUser(fx.repo, trx);
      expect(await fx.repo.delete(user.id, trx)).toBe(true);
      expect(await fx.repo.delete(user.id, trx)).toBe(false);
      expect(await fx.repo.delete(crypto.randomUUID(), trx)).toBe(false);
      expect(await fx.repo.delete('1; drop table users', trx)).toBe(false);
    }));

  test('frees the email and username for a new account', () =>
    withUsers(async (trx) => {
      const first = await insertUser(fx.repo, trx, { username: 'ivan' });
      await fx.repo.delete(first.id, trx);
      const second = await insertUser(fx.repo, trx, {
        username: 'IVAN',
        email: 'Ivan@example.com',
      });
      expect(second.id).not.toBe(first.id);
      expect((await fx.repo.getByEmail('ivan@example.com', trx))?.id).toBe(second.id);
      expect((await fx.repo.getByUsername('ivan', trx))?.id).toBe(second.id);
    }));

  test('live accounts cannot share an email or username, whatever the case', async () => {
    await expect(
      fx.db.withTransaction(async (trx) => {
        await insertUser(fx.repo, trx, { username: 'judy' });
        await insertUser(fx.repo, trx, { username: 'judy2', email: 'JUDY@example.com' });
      }),
    ).rejects.toThrow(/users_email_unique/);
    await expect(
      fx.db.withTransaction(async (trx) => {
        await insertUser(fx.repo, trx, { username: 'judy' });
        await insertUser(fx.repo, trx, { username: 'Judy', email: 'other@example.com' });
      }),
    ).rejects.toThrow(/users_username_unique/);
    expect(await fx.repo.getByUsername('judy')).toBeUndefined();
  });
});

describe('list filters', () => {
  test('q matches email or username, case-insensitively', () =>
    withUsers(async (trx) => {
      const a = await insertUser(fx.repo, trx, { username: 'kate', email: 'kate@Wonder.example' });
      const b = await insertUser(fx.repo, trx, { username: 'WonderWoman' });
      await insertUser(fx.repo, trx, { username: 'leo' });
      expect(await matching(trx, { q: 'WONDER' })).toEqual(ids(a, b));
      expect(await matching(trx, { q: 'kate@' })).toEqual(ids(a));
      expect(await matching(trx, { q: 'nobody' })).toEqual([]);
    }));

  test('role, status and the created range narrow the list', () =>
    withUsers(async (trx) => {
      const jan = new Date('2024-01-15T00:00:00.000Z');
      const feb = new Date('2024-02-15T00:00:00.000Z');
      const mar = new Date('2024-03-15T00:00:00.000Z');
      const admin = await insertUser(fx.repo, trx, { roles: ['admin', 'user'], createdAt: jan });
      const auditor = await insertUser(fx.repo, trx, { roles: ['auditor'], createdAt: feb });
      const disabled = await insertUser(fx.repo, trx, { status: 'disabled', createdAt: mar });
      const plain = await insertUser(fx.repo, trx, { createdAt: feb });

      expect(await matching(trx, { role: 'admin' })).toEqual(ids(admin));
      expect(await matching(trx, { role: 'user' })).toEqual(ids(admin, disabled, plain));
      expect(await matching(trx, { status: 'disabled' })).toEqual(ids(disabled));
      expect(await matching(trx, { status: 'active' })).toEqual(ids(admin, auditor, plain));
      expect(await matching(trx, { createdFrom: feb.toISOString() })).toEqual(
        ids(auditor, disabled, plain),
      );
      // createdTo is exclusive, createdFrom inclusive.
      expect(await matching(trx, { createdTo: feb.toISOString() })).toEqual(ids(admin));
      expect(
        await matching(trx, { createdFrom: feb.toISOString(), createdTo: mar.toISOString() }),
      ).toEqual(ids(auditor, plain));
    }));

  test('filters combine with AND, with pagination and total following the filter', () =>
    withUsers(async (trx) => {
      const feb = new Date('2024-02-15T00:00:00.000Z');
      const hit = await insertUser(fx.repo, trx, {
        username: 'mallory',
        roles: ['auditor'],
        createdAt: feb,
      });
      await insertUser(fx.repo, trx, { username: 'mallory2', roles: ['user'], createdAt: feb });
      await insertUser(fx.repo, trx, {
        username: 'mallory3',
        roles: ['auditor'],
        status: 'disabled',
        createdAt: feb,
      });
      await insertUser(fx.repo, trx, {
        username: 'mallory4',
        roles: ['auditor'],
        createdAt: new Date('2023-01-01'),
      });
      await insertUser(fx.repo, trx, { username: 'nina', roles: ['auditor'], createdAt: feb });
      const filters = {
        q: 'MALLORY',
        role: 'auditor',
        status: 'active',
        createdFrom: '2024-02-01T00:00:00.000Z',
        createdTo: '2024-03-01T00:00:00.000Z',
      };
      expect(await matching(trx, filters)).toEqual(ids(hit));
      const keyset = await fx.repo.list({ cursor: '', filters, pageSize: 10 }, trx);
      expect(keyset.items.map((user) => user.id)).toEqual([hit.id]);
      expect(keyset.nextCursor).toBeNull();
    }));

  test('an undefined filter value is ignored', () =>
    withUsers(async (trx) => {
      await insertUser(fx.repo, trx);
      expect((await fx.repo.list({ filters: { q: undefined, role: undefined } }, trx)).total).toBe(
        1,
      );
    }));

  test.each([
    ['role', 'superuser'],
    ['role', "admin' or '1'='1"],
    ['status', 'deleted'],
    ['createdFrom', 'yesterday'],
    ['createdTo', "2024-01-01' --"],
  ])('%s=%p is a 400', async (name, value) => {
    await expect(fx.repo.list({ filters: { [name]: value } })).rejects.toMatchObject(badRequest);
  });
});

describe('q treats SQL metacharacters as data', () => {
  const emails = [
    "o'brien@example.com",
    '100%real@example.com',
    '100xreal@example.com',
    'under_score@example.com',
    'underxscore@example.com',
    'back\\slash@example.com',
    'backxslash@example.com',
    'semi;--colon@example.com',
  ];

  test.each([
    ["'", ["o'brien@example.com"]],
    ["o'brien", ["o'brien@example.com"]],
    ['%', ['100%real@example.com']],
    ['100%r', ['100%real@example.com']],
    ['_', ['under_score@example.com']],
    ['r_s', ['under_score@example.com']],
    ['\\', ['back\\slash@example.com']],
    ['k\\s', ['back\\slash@example.com']],
    [';--', ['semi;--colon@example.com']],
    ["' or '1'='1", []],
    ['%%', []],
    ['\\%', []],
  ])('q=%p matches literally', (q, expected) =>
    withUsers(async (trx) => {
      for (const [i, email] of emails.entries()) {
        await insertUser(fx.repo, trx, { email, username: `meta${i}` });
      }
      const page = await fx.repo.list({ filters: { q }, pageSize: 100, sort: 'email' }, trx);
      expect(page.items.map((user) => user.email).sort()).toEqual([...expected].sort());
      expect(await fx.repo.count({}, trx)).toBe(emails.length);
    }),
  );
});

describe('countWithRole', () => {
  test('counts live, active holders of the role only', () =>
    withUsers(async (trx) => {
      await insertUser(fx.repo, trx, { roles: ['admin'] });
      await insertUser(fx.repo, trx, { roles: ['admin'], status: 'disabled' });
      const gone = await insertUser(fx.repo, trx, { roles: ['admin'] });
      await insertUser(fx.repo, trx, { roles: ['user'] });
      await fx.repo.delete(gone.id, trx);
      expect(await fx.repo.countWithRole('admin', trx)).toBe(1);
      expect(await fx.repo.countWithRole('auditor', trx)).toBe(0);
    }));
});

import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { MAX_PAGE_SIZE } from '../../../server/lib/base-repository.ts';
import type { Transaction } from '../../../server/lib/database.ts';
import { AppError } from '../../../server/lib/errors.ts';
import type { User } from '../../../server/modules/users/user.model.ts';
import {
  FAKE_HASH,
  inRolledBackTransaction,
  insertUser,
  userRepositoryFixture,
} from '../../helpers/users.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const fx = userRepositoryFixture();

/** Each case runs in its own rolled-back transaction: an empty table in, nothing left out. */
const withUsers = <T>(fn: (trx: Transaction) => Promise<T>) =>
  inRolledBackTransaction(fx.db.knex, fn);

const badRequest = { name: 'AppError', status: 400 };
const isPlain = (value: unknown) => Object.getPrototypeOf(value) === Object.prototype;

type SortField = 'createdAt' | 'email' | 'username';
const SORTS = ['createdAt', '-createdAt', 'email', '-email', 'username', '-username'] as const;

/** The order the repository promises: by the sort field, then id, both in the sort direction. */
function expectedOrder(users: readonly User[], sort: string): string[] {
  const field = sort.replace(/^-/, '') as SortField;
  const key = (user: User) =>
    field === 'createdAt' ? new Date(user.createdAt).toISOString() : user[field];
  const ascending = [...users].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return ka < kb ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return (sort.startsWith('-') ? ascending.reverse() : ascending).map((user) => user.id);
}

/** Follow nextCursor from the first page to the last; the ids in the order they came. */
async function walk(trx: Transaction, sort: string, pageSize: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '';
  for (let pages = 0; pages < 1000; pages++) {
    const page = await fx.repo.list({ cursor, sort, pageSize }, trx);
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    seen.push(...page.items.map((user) => user.id));
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('keyset pagination did not end');
}

describe('findById', () => {
  test('returns the user as a plain object, roles included', () =>
    withUsers(async (trx) => {
      const created = await insertUser(fx.repo, trx, { roles: ['auditor', 'user'] });
      const found = await fx.repo.findById(created.id, trx);
      expect(found).toMatchObject({
        id: created.id,
        email: created.email,
        roles: ['auditor', 'user'],
      });
      expect(isPlain(found)).toBe(true);
    }));

  test('an unknown id is undefined', async () => {
    expect(await fx.repo.findById(crypto.randomUUID())).toBeUndefined();
  });

  test.each(['', '42', 'not-a-uuid', "' or 1=1 --", '00000000-0000-0000-0000-00000000000g'])(
    'a non-uuid id (%p) is undefined, not a database error',
    async (id) => {
      expect(await fx.repo.findById(id)).toBeUndefined();
    },
  );
});

describe('findOne and count', () => {
  test('findOne matches on the given columns and finds nothing else', () =>
    withUsers(async (trx) => {
      const alice = await insertUser(fx.repo, trx, { username: 'alice' });
      await insertUser(fx.repo, trx, { username: 'bob' });
      expect((await fx.repo.findOne({ email: 'alice@example.com' }, trx))?.id).toBe(alice.id);
      expect(await fx.repo.findOne({ email: 'carol@example.com' }, trx)).toBeUndefined();
      expect(isPlain(await fx.repo.findOne({ username: 'bob' }, trx))).toBe(true);
    }));

  test('count counts all rows or those matching, and drops when one is deleted', () =>
    withUsers(async (trx) => {
      const users = [
        await insertUser(fx.repo, trx),
        await insertUser(fx.repo, trx),
        await insertUser(fx.repo, trx, { status: 'disabled' }),
      ];
      expect(await fx.repo.count({}, trx)).toBe(3);
      expect(await fx.repo.count({ status: 'disabled' }, trx)).toBe(1);
      await fx.repo.delete(users[0]?.id as string, trx);
      expect(await fx.repo.count({}, trx)).toBe(2);
      expect(await fx.repo.count({ status: 'active' }, trx)).toBe(1);
    }));
});

describe('create and update', () => {
  test('create inserts a row with a generated id and returns it as a plain object', () =>
    withUsers(async (trx) => {
      const created = await fx.repo.create(
        { email: 'dana@example.com', username: 'dana', passwordHash: FAKE_HASH },
        trx,
      );
      expect(created.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(created).toMatchObject({ email: 'dana@example.com', status: 'active', roles: [] });
      expect(isPlain(created)).toBe(true);
      expect(await fx.repo.findById(created.id, trx)).toEqual(created);
    }));

  test('update patches only the given fields and returns a plain object', () =>
    withUsers(async (trx) => {
      const before = await insertUser(fx.repo, trx, { roles: ['admin'] });
      const after = await fx.repo.update(before.id, { displayName: 'Erin' }, trx);
      expect(Object.getPrototypeOf(after)).toBe(Object.prototype);
      expect(after).toMatchObject({
        id: before.id,
        email: before.email,
        username: before.username,
        displayName: 'Erin',
        roles: ['admin'],
        passwordHash: before.passwordHash,
      });
      expect(new Date(after?.updatedAt ?? 0).getTime()).toBeGreaterThanOrEqual(
        new Date(before.updatedAt).getTime(),
      );
    }));

  test('update of an unknown, malformed or deleted id is undefined and changes nothing', () =>
    withUsers(async (trx) => {
      const user = await insertUser(fx.repo, trx);
      expect(await fx.repo.update(crypto.randomUUID(), { displayName: 'x' }, trx)).toBeUndefined();
      expect(await fx.repo.update('nope', { displayName: 'x' }, trx)).toBeUndefined();
      await fx.repo.delete(user.id, trx);
      expect(await fx.repo.update(user.id, { displayName: 'x' }, trx)).toBeUndefined();
      const [row] = await trx('users').where({ id: user.id });
      expect(row.displayName).toBeNull();
    }));
});

describe('list: offset pagination', () => {
  test('pages carry page, pageSize and the total, and the last page is short', () =>
    withUsers(async (trx) => {
      for (let i = 0; i < 7; i++) await insertUser(fx.repo, trx);
      const first = await fx.repo.list({ page: 1, pageSize: 3, sort: 'email' }, trx);
      expect(first).toMatchObject({ page: 1, pageSize: 3, total: 7 });
      expect(first.items).toHaveLength(3);
      const last = await fx.repo.list({ page: 3, pageSize: 3, sort: 'email' }, trx);
      expect(last.items).toHaveLength(1);
      const beyond = await fx.repo.list({ page: 4, pageSize: 3, sort: 'email' }, trx);
      expect(beyond).toMatchObject({ items: [], total: 7 });
      const pages = [first, await fx.repo.list({ page: 2, pageSize: 3, sort: 'email' }, trx), last];
      const ids = pages.flatMap((page) => page.items.map((user) => user.id));
      expect(new Set(ids).size).toBe(7);
      expect(pages.every((page) => page.items.every(isPlain))).toBe(true);
    }));

  test('defaults to 20 a page, newest first', () =>
    withUsers(async (trx) => {
      const base = Date.parse('2024-01-01T00:00:00Z');
      const users: User[] = [];
      for (let i = 0; i < 3; i++) {
        users.push(await insertUser(fx.repo, trx, { createdAt: new Date(base + i * 60_000) }));
      }
      const page = await fx.repo.list({}, trx);
      expect(page).toMatchObject({ page: 1, pageSize: 20, total: 3 });
      expect(page.items.map((user) => user.id)).toEqual(users.map((user) => user.id).reverse());
    }));

  test.each([0, MAX_PAGE_SIZE + 1, -5, 2.5, Number.NaN])(
    'pageSize %p is a 400',
    async (pageSize) => {
      await expect(fx.repo.list({ pageSize })).rejects.toMatchObject(badRequest);
    },
  );

  test.each([0, -1, 1.5])('page %p is a 400', async (page) => {
    await expect(fx.repo.list({ page })).rejects.toMatchObject(badRequest);
  });

  test(`pageSize ${MAX_PAGE_SIZE} is allowed`, async () => {
    expect((await fx.repo.list({ pageSize: MAX_PAGE_SIZE })).pageSize).toBe(MAX_PAGE_SIZE);
  });

  test('page and cursor together are a 400', async () => {
    await expect(fx.repo.list({ page: 1, cursor: '' })).rejects.toMatchObject(badRequest);
  });
});

describe('list: keyset pagination', () => {
  test.each(SORTS)(
    'sorted by %s, walks every row exactly once, ties on createdAt included',
    (sort) =>
      withUsers(async (trx) => {
        const base = Date.parse('2024-03-01T12:00:00.123Z');
        const users: User[] = [];
        for (let i = 0; i < 9; i++) {
          // Three users share each creation time, so only the id breaks the tie.
          users.push(
            await insertUser(fx.repo, trx, { createdAt: new Date(base + (i % 3) * 1000) }),
          );
        }
        for (const pageSize of [1, 2, 3, 4, 9, 10]) {
          expect(await walk(trx, sort, pageSize)).toEqual(expectedOrder(users, sort));
        }
      }),
  );

  test('an empty table gives one empty page with no next cursor', async () => {
    expect(await fx.repo.list({ cursor: '', pageSize: 5 })).toEqual({
      items: [],
      pageSize: 5,
      nextCursor: null,
    });
  });

  test('the page that ends exactly at the last row has no next cursor', () =>
    withUsers(async (trx) => {
      for (let i = 0; i < 4; i++) await insertUser(fx.repo, trx);
      const first = await fx.repo.list({ cursor: '', pageSize: 2, sort: 'email' }, trx);
      const second = await fx.repo.list(
        { cursor: first.nextCursor ?? '', pageSize: 2, sort: 'email' },
        trx,
      );
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
    }));

  test.each([
    ['not base64 JSON', '!!!'],
    ['JSON that is not a cursor', Buffer.from('{"a":1}').toString('base64url')],
    [
      'a cursor whose id is not a uuid',
      Buffer.from('["email","a","1 or 1=1"]').toString('base64url'),
    ],
    [
      'a cursor with an object value',
      Buffer.from(`["email",{"x":1},"${crypto.randomUUID()}"]`).toString('base64url'),
    ],
  ])('%s is a 400', async (_kind, cursor) => {
    await expect(fx.repo.list({ cursor, sort: 'email' })).rejects.toMatchObject(badRequest);
  });

  test('a cursor from another sort field is a 400', () =>
    withUsers(async (trx) => {
      for (let i = 0; i < 3; i++) await insertUser(fx.repo, trx);
      const { nextCursor } = await fx.repo.list({ cursor: '', pageSize: 1, sort: 'email' }, trx);
      expect(nextCursor).toEqual(expect.any(String));
      await expect(
        fx.repo.list({ cursor: nextCursor ?? '', pageSize: 1, sort: 'username' }, trx),
      ).rejects.toMatchObject(badRequest);
      await expect(
        fx.repo.list({ cursor: nextCursor ?? '', pageSize: 1, sort: '-createdAt' }, trx),
      ).rejects.toMatchObject(badRequest);
    }));

  test('property: any users, any page size, any allowed sort → each user once, in sort order', async () => {
    const base = Date.parse('2024-06-01T00:00:00.000Z');
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^[a-z]{8}$/), { minLength: 0, maxLength: 14 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 14, maxLength: 14 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(...SORTS),
        (names, offsets, pageSize, sort) =>
          withUsers(async (trx) => {
            const users: User[] = [];
            for (const [i, name] of names.entries()) {
              const createdAt = new Date(base + (offsets[i] ?? 0) * 1000);
              users.push(await insertUser(fx.repo, trx, { username: name, createdAt }));
            }
            const seen = await walk(trx, sort, pageSize);
            expect(seen).toEqual(expectedOrder(users, sort));
          }),
      ),
      { numRuns: 15 },
    );
  });
});

describe('list: the allowlist guards SQL', () => {
  /** Run `fn` and count the SQL statements it sent. */
  async function statementsDuring(fn: () => Promise<unknown>): Promise<number> {
    let count = 0;
    const listener = () => {
      count++;
    };
    fx.db.knex.on('query', listener);
    try {
      await fn().catch(() => undefined);
    } finally {
      fx.db.knex.off('query', listener);
    }
    return count;
  }

  test('the statement counter sees a valid list (the control)', async () => {
    expect(await statementsDuring(() => fx.repo.list({ filters: { q: 'x' } }))).toBeGreaterThan(0);
  });

  test.each([
    'password',
    'passwordHash',
    'deletedAt',
    'email; drop table users',
    'toString',
    'constructor',
    'hasOwnProperty',
    '__proto__',
  ])('unknown filter %p is a 400 and no SQL runs', async (name) => {
    const filters = Object.fromEntries([[name, 'x']]);
    const list = () => fx.repo.list({ filters });
    await expect(list()).rejects.toBeInstanceOf(AppError);
    await expect(list()).rejects.toMatchObject(badRequest);
    expect(await statementsDuring(list)).toBe(0);
  });

  test.each([
    'password',
    'passwordHash',
    'id',
    'status',
    '-deletedAt',
    'constructor',
    '',
    'email desc, (select 1)',
  ])('sort field %p is a 400 and no SQL runs', async (sort) => {
    const list = () => fx.repo.list({ sort });
    await expect(list()).rejects.toMatchObject(badRequest);
    expect(await statementsDuring(list)).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Role, User, UserStatus } from '../../../server/modules/users/user.model.ts';
import type { ErrorBody } from '../../../server/plugins/error-handler.ts';
import { createTestApp, type TestApp, uniqueName } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

interface ListedUser {
  id: string;
  email: string;
  username: string;
  status: string;
  roles: string[];
  createdAt: string;
}
type ListBody = {
  items: ListedUser[];
  page?: number;
  pageSize: number;
  total?: number;
  nextCursor?: string | null;
} & ErrorBody;

let t: TestApp;
let token: string;
/** 25 users sharing `pageMarker`: email order runs one way, username order the other. */
let pageMarker: string;
let paged: User[];

beforeAll(async () => {
  t = await createTestApp();
  token = (await t.signIn((await t.seedUser({ roles: ['admin'] })).username)).accessToken;
  pageMarker = uniqueName('pg');
  paged = [];
  for (let i = 0; i < 25; i++) {
    const n = String(i).padStart(2, '0');
    paged.push(
      await t.seedUser({
        email: `${pageMarker}e${n}@example.com`,
        username: `${pageMarker}u${String(24 - i).padStart(2, '0')}`,
        // Five users per timestamp: the keyset must break ties by id.
        createdAt: new Date(Date.UTC(2001, 0, 1 + Math.floor(i / 5))),
      }),
    );
  }
});
afterAll(() => t.close());

const list = (query: string) => t.request<ListBody>('GET', `/api/admin/users?${query}`, { token });
const q = (value: string) => `q=${encodeURIComponent(value)}`;
const ids = (items: { id: string }[]) => items.map((item) => item.id);

/** Follow nextCursor from the first page to the end; every page's size and the ids in order. */
async function walk(query: string) {
  const sizes: number[] = [];
  const seen: string[] = [];
  let cursor: string | null | undefined = '';
  while (typeof cursor === 'string' && sizes.length < 20) {
    const page = await list(`${query}&cursor=${encodeURIComponent(cursor)}`);
    expect(page.status).toBe(200);
    sizes.push(page.body.items.length);
    seen.push(...ids(page.body.items));
    cursor = page.body.nextCursor;
  }
  expect(cursor).toBeNull();
  return { sizes, seen };
}

/** The expected order, computed here from the seeded rows: by field, then id, as the API promises. */
function ordered(rows: User[], sort: string): string[] {
  const desc = sort.startsWith('-');
  const field = sort.replace(/^-/, '') as 'createdAt' | 'email' | 'username';
  const key = (row: User) =>
    field === 'createdAt' ? new Date(row.createdAt).toISOString() : row[field];
  const sorted = [...rows].sort((a, b) =>
    key(a) === key(b) ? (a.id < b.id ? -1 : 1) : key(a) < key(b) ? -1 : 1,
  );
  return ids(desc ? sorted.reverse() : sorted);
}

describe('offset pagination', () => {
  test.each([
    'page=0',
    'page=-1',
    'page=abc',
    'page=10001',
    'page=99999999999999999999',
    'pageSize=0',
    'pageSize=101',
  ])('%s is 400 validation_failed', async (query) => {
    const response = await list(query);

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'validation_failed',
      requestId: response.headers.get('x-request-id') ?? 'missing',
    });
    expect(Object.keys(response.body.error.fields ?? {})).toEqual([query.split('=')[0] as string]);
  });

  test('pageSize=100 is allowed', async () => {
    const response = await list(`pageSize=100&${q(pageMarker)}`);

    expect(response.status).toBe(200);
    expect(response.body.pageSize).toBe(100);
    expect(response.body.items).toHaveLength(25);
  });

  test('the pages cover every match once; the last is partial; total is right on each', async () => {
    const pages = [];
    for (const page of [1, 2, 3])
      pages.push(await list(`${q(pageMarker)}&pageSize=10&page=${page}`));

    expect(pages.map((p) => p.body.items.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.body.total)).toEqual([25, 25, 25]);
    expect(pages.map((p) => p.body.page)).toEqual([1, 2, 3]);
    expect(pages.flatMap((p) => ids(p.body.items))).toEqual(ordered(paged, '-createdAt'));
  });

  test('a page past the end is 200 with no items and the true total', async () => {
    const response = await list(`${q(pageMarker)}&pageSize=10&page=4`);

    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([]);
    expect(response.body.total).toBe(25);
  });

  test('never returns a password hash', async () => {
    const response = await list(`${q(pageMarker)}&pageSize=100`);

    expect(JSON.stringify(response.body)).not.toMatch(/password|argon2|deleted/i);
  });
});

describe('cursor pagination', () => {
  test.each(['createdAt', '-createdAt', 'email', '-email', 'username', '-username'])(
    'sort=%s walks all 25 users exactly once, in order, and ends with nextCursor null',
    async (sort) => {
      const { sizes, seen } = await walk(`${q(pageMarker)}&pageSize=10&sort=${sort}`);

      expect(sizes).toEqual([10, 10, 5]);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(ordered(paged, sort));
    },
  );

  test('email and username orders really differ (the sort is honoured)', async () => {
    const byEmail = await list(`${q(pageMarker)}&pageSize=100&sort=email`);
    const byUsername = await list(`${q(pageMarker)}&pageSize=100&sort=username`);

    expect(ids(byEmail.body.items)).toEqual(ordered(paged, 'email'));
    expect(ids(byUsername.body.items)).toEqual(ids(byEmail.body.items).reverse());
  });

  test('a cursor whose rows were deleted meanwhile gives an empty page and nextCursor null', async () => {
    const marker = uniqueName('end');
    const rows = [];
    for (let i = 0; i < 3; i++) rows.push(await t.seedUser({ email: `${marker}${i}@example.com` }));
    const first = await list(`${q(marker)}&pageSize=2&sort=email&cursor=`);
    expect(ids(first.body.items)).toEqual(ids(rows.slice(0, 2)));
    const deleted = await t.request('DELETE', `/api/admin/users/${rows[2]?.id}`, { token });
    expect(deleted.status).toBe(204);

    const past = await list(
      `${q(marker)}&pageSize=2&sort=email&cursor=${first.body.nextCursor ?? 'missing'}`,
    );

    expect(past.status).toBe(200);
    expect(past.body.items).toEqual([]);
    expect(past.body.nextCursor).toBeNull();
  });

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  test.each([
    ['garbage', 'garbage!!'],
    ['base64 of an object', b64({ id: 1 })],
    ['a forged tuple with a non-uuid id', b64(['email', 'a', "1' OR '1'='1"])],
    ['a forged tuple with an object value', b64(['email', { $gt: '' }, crypto.randomUUID()])],
  ])('a %s cursor is 400', async (_name, cursor) => {
    const response = await list(`sort=email&cursor=${encodeURIComponent(cursor)}`);

    expect(response.status).toBe(400);
    expect(response.body.error.fields).toHaveProperty('cursor');
  });

  test.each([
    ['username', 'sort=username'],
    ['-email (same field, other direction)', 'sort=-email'],
    ['the default sort', ''],
  ])('a cursor made for sort=email is 400 under %s', async (_name, sort) => {
    const first = await list(`${q(pageMarker)}&pageSize=5&sort=email&cursor=`);
    const cursor = first.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));

    const response = await list(`${q(pageMarker)}&pageSize=5&${sort}&cursor=${cursor}`);

    expect(response.status).toBe(400);
  });

  test('page and cursor together are 400', async () => {
    const first = await list(`${q(pageMarker)}&pageSize=5&cursor=`);

    const both = await list(`${q(pageMarker)}&pageSize=5&page=2&cursor=${first.body.nextCursor}`);
    const firstPage = await list(`${q(pageMarker)}&pageSize=5&page=1&cursor=`);

    expect([both.status, firstPage.status]).toEqual([400, 400]);
  });
});

describe('filters', () => {
  let marker: string;
  let byName: Record<string, User>;
  beforeAll(async () => {
    marker = uniqueName('flt');
    const spec: [string, Role[], UserStatus, string][] = [
      ['a', ['user'], 'active', '2002-01-10'],
      ['b', ['auditor', 'user'], 'active', '2002-02-10'],
      ['c', ['auditor'], 'disabled', '2002-03-10'],
      ['d', ['auditor'], 'disabled', '2002-05-10'],
      ['e', ['admin'], 'disabled', '2002-03-15'],
      ['f', ['auditor'], 'disabled', '2002-03-20'],
    ];
    byName = {};
    for (const [name, roles, status, day] of spec) {
      byName[name] = await t.seedUser({
        username: `${marker}${name}`,
        roles,
        status,
        createdAt: new Date(`${day}T12:00:00Z`),
      });
    }
    // Matches every filter below except q.
    await t.seedUser({
      roles: ['auditor'],
      status: 'disabled',
      createdAt: new Date('2002-03-12T12:00:00Z'),
    });
  });
  const names = (items: ListedUser[]) =>
    items.map((item) => item.username.slice(marker.length)).sort();

  test.each([
    ['q alone (every role and status)', '', 'abcdef'],
    ['q + role', '&role=auditor', 'bcdf'],
    ['q + status', '&status=disabled', 'cdef'],
    [
      'q + created range',
      '&createdFrom=2002-03-01T00:00:00Z&createdTo=2002-04-01T00:00:00Z',
      'cef',
    ],
    [
      'q + role + status + created range',
      '&role=auditor&status=disabled&createdFrom=2002-03-01T00:00:00Z&createdTo=2002-04-01T00:00:00Z',
      'cf',
    ],
    [
      'createdTo is exclusive',
      '&createdFrom=2002-03-10T12:00:00Z&createdTo=2002-03-15T12:00:00Z',
      'c',
    ],
  ])('%s narrows to exactly the matching users', async (_name, rest, expected) => {
    const response = await list(`${q(marker)}${rest}&pageSize=100`);

    expect(response.status).toBe(200);
    expect(names(response.body.items)).toEqual([...expected]);
    expect(response.body.total).toBe(expected.length);
  });

  test('q matches email and username, case-insensitively', async () => {
    const byEmail = await list(q(byName.a?.email.toUpperCase() ?? 'missing'));

    expect(ids(byEmail.body.items)).toEqual([byName.a?.id ?? 'missing']);
  });

  test('the same filters hold under cursor pagination', async () => {
    const { seen } = await walk(`${q(marker)}&role=auditor&status=disabled&pageSize=1&sort=email`);

    expect(seen.sort()).toEqual([byName.c, byName.d, byName.f].map((u) => u?.id ?? '').sort());
  });
});

describe('sort and parameter allowlists', () => {
  test.each([
    'passwordHash',
    'password_hash',
    '-passwordHash',
    'email;drop table users',
    'id',
    'status',
    'deletedAt',
    '__proto__',
    'email,username',
    '',
  ])('sort=%s is 400', async (sort) => {
    const response = await list(`sort=${encodeURIComponent(sort)}`);

    expect(response.status).toBe(400);
  });

  test.each(['foo=1', 'password_hash=x', 'passwordHash=x', 'deletedAt=', 'include=passwordHash'])(
    'an unknown parameter (%s) is 400',
    async (query) => {
      const response = await list(query);

      expect(response.status).toBe(400);
    },
  );
});

describe('SQL metacharacters are data', () => {
  let all: { id: string; email: string; username: string }[];
  let before: number;
  beforeAll(async () => {
    const tag = uniqueName('').slice(0, 8);
    await t.seedUser({ username: `u_${tag}` });
    await t.seedUser({ email: `pct%${tag}@example.com` });
    await t.seedUser({ email: `back\\slash${tag}@example.com` });
    await t.seedUser({ email: `x' or 1=1 --${tag}@example.com` });
    await t.seedUser({ email: `o'brien${tag}@example.com` });
    all = await t.db.knex('users').whereNull('deletedAt').select('id', 'email', 'username');
    before = (await t.db.knex('users').select('id')).length;
  });

  test.each([
    ["' OR 1=1 --", 1],
    ['%', 1],
    ['_', 1],
    ['\\', 1],
    ["'", 2],
    ['"; DROP TABLE users; --', 0],
    ['%%', 0],
    ['\\%', 0],
    ["') OR ('1'='1", 0],
  ])('q=%s returns only users that literally contain it', async (value, seeded) => {
    const needle = value.toLowerCase();
    const expected = all.filter(
      (u) => u.email.toLowerCase().includes(needle) || u.username.toLowerCase().includes(needle),
    );

    const response = await list(`${q(value)}&pageSize=100`);

    expect(response.status).toBe(200);
    expect(expected).toHaveLength(seeded);
    expect(ids(response.body.items).sort()).toEqual(ids(expected).sort());
  });

  test.each([
    ['role', "admin' OR '1'='1"],
    ['status', "active'--"],
    ['createdFrom', "2001-01-01' OR 1=1 --"],
    ['createdTo', '2001-01-01); DROP TABLE users; --'],
    ['sort', 'email;drop table users'],
    ['cursor', "' OR 1=1 --"],
    ['pageSize', '10;DROP TABLE users'],
  ])('%s=%s is refused with 400', async (name, value) => {
    const response = await list(`${name}=${encodeURIComponent(value)}`);

    expect(response.status).toBe(400);
  });

  test('the users table is intact afterwards', async () => {
    const rows = await t.db.knex('users').select('id');

    expect(rows.length).toBe(before);
    expect(await t.db.knex.schema.hasTable('users')).toBe(true);
    const listed = await list(`${q(pageMarker)}&pageSize=100`);
    expect(listed.body.total).toBe(25);
  });
});

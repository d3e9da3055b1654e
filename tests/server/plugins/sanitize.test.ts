import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { cleanString, sanitizeValue } from '../../../server/plugins/sanitize.ts';
import { createTestApp, PASSWORD, type Session, type TestApp } from '../../helpers/app.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let t: TestApp;
let alice: Session;
beforeAll(async () => {
  t = await createTestApp();
  alice = await t.signUp();
});
afterAll(() => t?.close());

describe('sanitize: values', () => {
  test('strings become NFC with control and bidi-override characters removed', () => {
    expect(cleanString('e\u0301')).toBe('\u00e9');
    expect(cleanString('a\u0000b\u0007c\u202ed')).toBe('abcd');
    expect(cleanString('line\nbreak\ttab')).toBe('line\nbreak\ttab');
  });

  test.each(['__proto__', 'constructor', 'prototype'])('a "%s" key anywhere is refused', (key) => {
    const nested = JSON.parse(`{"a":{"b":[{"${key}":{"polluted":true}}]}}`);
    expect(() => sanitizeValue(nested, 8)).toThrow(`Property "${key}" is not allowed`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('nesting deeper than the limit is refused', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 9; i++) deep = { d: deep };
    expect(() => sanitizeValue(deep, 8)).toThrow('nested deeper');
    let shallow: unknown = 'x';
    for (let i = 0; i < 7; i++) shallow = { d: shallow };
    expect(sanitizeValue(shallow, 8)).toEqual(shallow);
  });
});

describe('sanitize: requests', () => {
  test('a prototype-pollution body gets a 400 in the error shape', async () => {
    const response = await t.request<{ error: { code: string } }>('PATCH', '/api/me', {
      token: alice.accessToken,
      body: '{"displayName":"x","__proto__":{"isAdmin":true}}',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('bad_request');
  });

  test('a body over the size limit is refused with 413 before it is read', async () => {
    const response = await t.request<{ error: { code: string } }>('POST', '/api/auth/login', {
      body: JSON.stringify({ identifier: 'x', password: 'y'.repeat(1024 * 1024 + 10) }),
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
  });

  test('a non-JSON body on the API is refused with 415', async () => {
    const response = await t.request<{ error: { code: string } }>('POST', '/api/auth/login', {
      body: 'identifier=a&password=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('unsupported_media_type');
  });

  test('malformed JSON is a 400, not a 500', async () => {
    const response = await t.request<{ error: { code: string } }>('POST', '/api/auth/login', {
      body: '{"identifier":',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('bad_request');
  });

  test('stored text is normalized: control characters never reach the database', async () => {
    const response = await t.request<{ user: { displayName: string } }>('PATCH', '/api/me', {
      token: alice.accessToken,
      body: { displayName: 'Ali\u0000ce\u202e Cafe\u0301' },
    });
    expect(response.status).toBe(200);
    expect(response.body.user.displayName).toBe('Alice Caf\u00e9');
  });

  test('query strings are cleaned too: a NUL in a filter is data, not an error', async () => {
    const admin = await t.signUp({ roles: ['admin'] });
    const response = await t.request<{ total: number }>(
      'GET',
      `/api/admin/users?q=${encodeURIComponent('user\u0000')}`,
      {
        token: admin.accessToken,
      },
    );
    expect(response.status).toBe(200);
    expect(response.body.total).toBeGreaterThan(0);
  });

  test.each([
    ['role=user&role=admin', 'role'],
    ['q=alice&q=bob', 'q'],
    ['page=1&pageSize=10&page=2', 'page'],
    ['status=active&%73tatus=disabled', 'status'],
  ])(
    'a repeated query parameter (%s) is refused with 400 naming it, never resolved to one value (ASVS 15.3.7)',
    async (query, name) => {
      const admin = await t.signUp({ roles: ['admin'] });
      const once = query.slice(0, query.lastIndexOf('&'));
      expect(
        (await t.request('GET', `/api/admin/users?${once}`, { token: admin.accessToken })).status,
      ).toBe(200);

      const response = await t.request<{ error: { code: string; fields: Record<string, string> } }>(
        'GET',
        `/api/admin/users?${query}`,
        { token: admin.accessToken },
      );

      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({
        code: 'bad_request',
        fields: { [name]: 'repeated' },
      });
    },
  );

  test('the client shell reads no query, so a repeated parameter there still gets the page', async () => {
    const response = await t.request('GET', '/some/page?tab=a&tab=b');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  test('the login still works after sanitizing (passwords are not mangled)', async () => {
    const login = await t.request('POST', '/api/auth/login', {
      body: { identifier: alice.user.username, password: PASSWORD, tokenDelivery: 'body' },
    });
    expect(login.status).toBe(200);
  });
});

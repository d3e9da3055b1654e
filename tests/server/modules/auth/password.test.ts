import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  hashPassword,
  PASSWORD_MAX,
  PASSWORD_MIN,
  passwordProblem,
  verifyAgainstDummy,
  verifyPassword,
} from '../../../../server/modules/auth/password.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const account = { email: 'alice.liddell@example.com', username: 'AliceLiddell' };

/** n code points with no short repeated unit (repeats are refused as common). */
const varied = (n: number) =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');

describe('passwordProblem (ASVS 6.2)', () => {
  test('accepts a long lowercase passphrase: no composition rules', () => {
    expect(passwordProblem('correct horse battery staple', account)).toBeUndefined();
    expect(passwordProblem('aaaaaaaaaaaaaaaaaaaaaaabcd', account)).toBeUndefined();
  });

  test(`refuses fewer than ${PASSWORD_MIN} characters and accepts exactly ${PASSWORD_MIN}`, () => {
    expect(passwordProblem('x7#kLm2pQ9v', account)).toContain('at least 12');
    expect(passwordProblem('x7#kLm2pQ9vR', account)).toBeUndefined();
  });

  test(`refuses more than ${PASSWORD_MAX} characters and accepts exactly ${PASSWORD_MAX}`, () => {
    expect(passwordProblem(varied(PASSWORD_MAX), account)).toBeUndefined();
    expect(passwordProblem(varied(PASSWORD_MAX + 1), account)).toContain('at most 128');
  });

  test('counts code points, not UTF-16 units: 12 emoji are enough, 11 are not', () => {
    const emoji = (n: number) =>
      Array.from({ length: n }, (_, i) => String.fromCodePoint(0x1f600 + i)).join('');
    expect(emoji(12)).toHaveLength(24);
    expect(passwordProblem(emoji(12), account)).toBeUndefined();
    expect(passwordProblem(emoji(11), account)).toContain('at least 12');
    expect(passwordProblem(emoji(PASSWORD_MAX), account)).toBeUndefined();
    expect(passwordProblem(emoji(PASSWORD_MAX + 1), account)).toContain('at most');
  });

  test('counts length after NFKC normalization', () => {
    // "e" + combining acute composes to one code point: 24 code points typed, 12 counted.
    const accented = (letters: string) => [...letters].map((c) => `${c}\u0301`).join('');
    expect(passwordProblem(accented('aeiouyaeiouy').replace(/^/, 'x'), account)).toBeUndefined();
    expect(passwordProblem(accented('aeiouy'), account)).toContain('at least 12');
    // The "ffi" ligature is one code point typed and three after NFKC.
    expect([...'\uFB03 tall \uFB03']).toHaveLength(8);
    expect(passwordProblem('\uFB03 tall \uFB03', account)).toBeUndefined();
    expect(passwordProblem('\uFB03 tal \uFB03', account)).toContain('at least 12');
  });

  test('refuses the account email or username, whatever the case', () => {
    expect(passwordProblem('ALICE.LIDDELL@EXAMPLE.COM', account)).toContain('email or username');
    expect(passwordProblem('Alice.Liddell@Example.com', account)).toContain('email or username');
    const longName = { username: 'WonderlandAlice' };
    expect(passwordProblem('wonderlandalice', longName)).toContain('email or username');
    expect(passwordProblem('ｗｏｎｄｅｒｌａｎｄａｌｉｃｅ', longName)).toContain(
      'email or username',
    );
  });

  test('refuses commonly used passwords, whatever the case', () => {
    expect(passwordProblem('123qweasdzxc', account)).toContain('too common');
    expect(passwordProblem('QWERTY123456', account)).toContain('too common');
    expect(passwordProblem('1q2w3e4r5t6y', {})).toContain('too common');
  });

  test.each([
    ['a listed password padded with digits', 'password1234'],
    ['a listed password padded with a year and symbols', 'Summer2024!!'],
    ['padding on both sides', '!!monkey2020!!'],
    ['a repeated short unit', 'abcabcabcabc'],
    ['a repeated listed word', 'qwertyqwerty'],
    ['one digit over and over', '111111111111'],
    ['a run of sequential digits', '12345678901234'],
    ['a descending run', '0987654321098'],
  ])('refuses policy-length variants of common passwords: %s', (_name, password) => {
    expect(passwordProblem(password, {})).toContain('too common');
  });

  test.each([
    'correct horse battery staple',
    'Tr0ub4dor&3xyz',
    'mydogspot1999',
    '2024-12-03-blue-whale',
  ])('accepts an uncommon password that only looks a little like one: %s', (password) => {
    expect(passwordProblem(password, {})).toBeUndefined();
  });
});

describe('hashPassword', () => {
  test('produces argon2id at OWASP parameters m=19456, t=2, p=1', async () => {
    const hash = await hashPassword('correct horse battery staple');
    const match =
      /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(
        hash,
      );
    expect(match).not.toBeNull();
    const [, version, memory, time, lanes, salt] = match ?? [];
    expect({ version, memory, time, lanes }).toEqual({
      version: '19',
      memory: '19456',
      time: '2',
      lanes: '1',
    });
    expect(Buffer.from(salt ?? '', 'base64').byteLength).toBeGreaterThanOrEqual(16);
  });

  test('salts every hash: the same password hashes differently twice', async () => {
    const password = 'correct horse battery staple';
    expect(await hashPassword(password)).not.toBe(await hashPassword(password));
  });
});

describe('verifyPassword', () => {
  test('accepts the password and refuses any other', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', hash)).toBe(false);
  });

  test('matches NFKC-equivalent forms of the same password', async () => {
    const composed = await hashPassword('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
    expect(await verifyPassword('cafe\u0301 au lait, s\u2019il vous plai\u0302t', composed)).toBe(
      true,
    );
    const fullwidth = await hashPassword('Ｐａｓｓｗｏｒｄ\u3000ｆｕｌｌｗｉｄｔｈ');
    expect(await verifyPassword('Password fullwidth', fullwidth)).toBe(true);
  });
});

describe('verifyAgainstDummy', () => {
  test('always answers false, whatever the password', async () => {
    expect(await verifyAgainstDummy('correct horse battery staple')).toBe(false);
    expect(await verifyAgainstDummy('')).toBe(false);
  });
});

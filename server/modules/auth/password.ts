import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/** OWASP's argon2id baseline: m = 19 MiB, t = 2, p = 1 (Bun.password uses one lane). */
const ARGON2 = { algorithm: 'argon2id', memoryCost: 19_456, timeCost: 2 } as const;

const COMMON = new Set(dictionary['passwords-common'].map((word) => word.toLowerCase()));

/** Passwords are compared and hashed in NFKC, so the same password typed on any device matches. */
export const normalizePassword = (password: string) => password.normalize('NFKC');

/**
 * Policy from ASVS 6.2: length 12–128 code points, any characters, no composition rules,
 * not a commonly used password, not the account's own email or username.
 * Returns a reason, or undefined when the password is acceptable.
 */
export function passwordProblem(
  password: string,
  account: { readonly email?: string; readonly username?: string },
): string | undefined {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  const lower = normalized.toLowerCase();
  for (const own of [account.email, account.username]) {
    if (own && lower === own.normalize('NFKC').toLowerCase()) {
      return 'must not be your email or username';
    }
  }
  if (isCommon(lower)) return 'is too common; choose another';
  return undefined;
}

/**
 * Common passwords long enough to meet the policy are mostly short common ones stretched:
 * "password1234", "Summer2024!!", "qwertyqwerty". So besides the list itself, refuse a
 * listed password padded with digits and symbols, and any short unit repeated.
 */
const SEQUENCES = ['1234567890'.repeat(13), '0987654321'.repeat(13)];

function isCommon(lower: string): boolean {
  if (COMMON.has(lower)) return true;
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  if (core.length >= 4 && core !== lower && COMMON.has(core)) return true;
  const digitsOrSymbols = lower.replace(/[\p{L}]/gu, '') === lower;
  if (
    digitsOrSymbols &&
    (new Set(lower).size <= 4 || SEQUENCES.some((run) => run.includes(lower)))
  ) {
    return true;
  }
  return /^(.{1,6})\1+$/u.test(lower);
}

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(normalizePassword(password), ARGON2);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(normalizePassword(password), hash);
}

/**
 * True when a stored hash was made with other parameters than today's (an older, weaker
 * setting or another algorithm): the next successful login re-hashes it (ASVS 11.2.2).
 */
export function needsRehash(hash: string): boolean {
  return !hash.startsWith(`$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=1$`);
}

let dummyHash: Promise<string> | undefined;

/**
 * Burn the time of one real verification, so a login for an unknown user takes as long as
 * one with a wrong password and the two cannot be told apart.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  await verifyPassword(password, await dummyHash);
  return false;
}

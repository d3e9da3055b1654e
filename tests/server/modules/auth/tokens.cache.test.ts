import { afterEach, describe, expect, setDefaultTimeout, setSystemTime, test } from 'bun:test';
import { AccessTokens } from '../../../../server/modules/auth/tokens.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const tokens = () =>
  new AccessTokens({
    secret: crypto.getRandomValues(new Uint8Array(48)),
    issuer: 'https://bastion.test',
    audience: 'https://bastion.test/api',
    ttlSeconds: 60,
  });
const USER = '11111111-1111-4111-8111-111111111111';

afterEach(() => {
  setSystemTime();
});

describe('AccessTokens verification memo', () => {
  test('a token verified once is still refused the moment it expires', async () => {
    const issuer = tokens();
    setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const token = await issuer.sign(USER, 'session-1');
    expect(await issuer.verify(token)).toMatchObject({ sub: USER, sid: 'session-1' });
    setSystemTime(new Date('2026-01-01T00:00:59Z'));
    expect(await issuer.verify(token)).toBeDefined();
    setSystemTime(new Date('2026-01-01T00:01:01Z'));
    expect(await issuer.verify(token)).toBeUndefined();
  });

  test('a tampered copy of a verified token is checked on its own and refused', async () => {
    const issuer = tokens();
    const token = await issuer.sign(USER, 'session-1');
    expect(await issuer.verify(token)).toBeDefined();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({ ...claims, sub: '22222222-2222-4222-8222-222222222222' }),
    ).toString('base64url');
    expect(await issuer.verify(`${header}.${forged}.${signature}`)).toBeUndefined();
    expect(await issuer.verify(`${token}x`)).toBeUndefined();
  });

  test('another key never accepts a token the first one verified', async () => {
    const first = tokens();
    const second = tokens();
    const token = await first.sign(USER, 'session-1');
    expect(await first.verify(token)).toBeDefined();
    expect(await second.verify(token)).toBeUndefined();
  });

  test('the memo stays bounded under a flood of distinct valid tokens', async () => {
    const issuer = tokens();
    const minted = await Promise.all(
      Array.from({ length: 10_050 }, (_, i) => issuer.sign(USER, `s${i}`)),
    );
    for (const token of minted) await issuer.verify(token);
    const size = (issuer as unknown as { verified: Map<string, unknown> }).verified.size;
    expect(size).toBe(10_000);
    // The earliest were evicted, yet still verify (by signature) when they come back.
    expect(await issuer.verify(minted[0] as string)).toMatchObject({ sid: 's0' });
  });
});

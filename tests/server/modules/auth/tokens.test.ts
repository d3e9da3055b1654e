import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AccessTokens } from '../../../../server/modules/auth/tokens.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const secret = crypto.getRandomValues(new Uint8Array(48));
const options = {
  secret,
  issuer: 'https://bastion.example.com',
  audience: 'https://bastion.example.com/api',
  ttlSeconds: 600,
};
const tokens = new AccessTokens(options);
const userId = crypto.randomUUID();
const sessionId = crypto.randomUUID();

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Valid claims for this issuer and audience; tests remove or change one at a time. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: userId,
    sid: sessionId,
    jti: crypto.randomUUID(),
    iss: options.issuer,
    aud: options.audience,
    iat: now(),
    exp: now() + 300,
    ...overrides,
  };
}

/** A token with any header and payload, HMAC-signed with `key` as the header's alg says. */
function handMade(header: Record<string, unknown>, payload: Record<string, unknown>, key = secret) {
  const input = `${b64(header)}.${b64(payload)}`;
  const algorithm = header.alg === 'HS512' ? 'sha512' : 'sha256';
  const signature = createHmac(algorithm, key).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** Header parameters that name a key: a verifier that followed them would trust the sender's. */
const attackerKey = crypto.getRandomValues(new Uint8Array(48));
const KEY_HEADERS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ['jwk', { jwk: { kty: 'oct', k: Buffer.from(attackerKey).toString('base64url') } }],
  ['jku', { jku: 'https://attacker.example/jwks.json', kid: 'attacker' }],
  ['x5u', { x5u: 'https://attacker.example/attacker.pem' }],
];

describe('AccessTokens.sign and verify', () => {
  test('round-trip: the token carries sub, sid, jti, iat, exp, iss and aud', async () => {
    const token = await tokens.sign(userId, sessionId);
    const verified = await tokens.verify(token);
    expect(verified).toMatchObject({ sub: userId, sid: sessionId });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({
      sub: userId,
      sid: sessionId,
      iss: options.issuer,
      aud: options.audience,
    });
    expect(payload.jti).toBe(verified?.jti as string);
    expect(typeof payload.iat).toBe('number');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(600);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  test('each token has its own jti', async () => {
    const a = await tokens.verify(await tokens.sign(userId, sessionId));
    const b = await tokens.verify(await tokens.sign(userId, sessionId));
    expect(a?.jti).not.toBe(b?.jti as string);
  });

  test('a hand-made HS256 token with every claim is accepted (the control for the cases below)', async () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, claims());
    expect(await tokens.verify(token)).toMatchObject({ sub: userId, sid: sessionId });
  });

  test.each(KEY_HEADERS)(
    'a %s header is ignored: the configured secret alone decides (ASVS 9.1.3)',
    async (_name, header) => {
      const token = handMade({ alg: 'HS256', typ: 'JWT', ...header }, claims());
      expect(await tokens.verify(token)).toMatchObject({ sub: userId, sid: sessionId });
    },
  );
});

describe('AccessTokens.verify refuses', () => {
  test('an unsigned token (alg none)', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    expect(await tokens.verify(token)).toBeUndefined();
  });

  test('an HS512 token signed with the right secret', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
      .sign(secret);
    expect(await tokens.verify(token)).toBeUndefined();
  });

  test('an RS256 token, whether signed with RSA or HMAC-signed with the secret', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rsa = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .sign(privateKey);
    expect(await tokens.verify(rsa)).toBeUndefined();
    const confused = handMade({ alg: 'RS256', typ: 'JWT' }, claims());
    expect(await tokens.verify(confused)).toBeUndefined();
  });

  test.each(KEY_HEADERS)(
    'a token that names its own key in a %s header and is signed with that key',
    async (_name, header) => {
      const token = handMade({ alg: 'HS256', typ: 'JWT', ...header }, claims(), attackerKey);
      expect(await tokens.verify(token)).toBeUndefined();
    },
  );

  test('an ES256 token that embeds the public half of the key pair that signed it (jwk)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    expect(await tokens.verify(token)).toBeUndefined();
  });

  test('another issuer', async () => {
    const other = new AccessTokens({ ...options, issuer: 'https://evil.example.com' });
    expect(await tokens.verify(await other.sign(userId, sessionId))).toBeUndefined();
  });

  test('another audience', async () => {
    const other = new AccessTokens({ ...options, audience: 'https://bastion.example.com/other' });
    expect(await tokens.verify(await other.sign(userId, sessionId))).toBeUndefined();
  });

  test('an expired token', async () => {
    const token = await new SignJWT(claims({ iat: now() - 700, exp: now() - 100 }))
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secret);
    expect(await tokens.verify(token)).toBeUndefined();
  });

  test('a token whose payload was changed after signing', async () => {
    const token = await tokens.sign(userId, sessionId);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64({ ...decodeJwt(token), sub: crypto.randomUUID() })}.${signature}`;
    expect(await tokens.verify(forged)).toBeUndefined();
  });

  test('a token signed with another secret', async () => {
    const other = new AccessTokens({
      ...options,
      secret: crypto.getRandomValues(new Uint8Array(48)),
    });
    expect(await tokens.verify(await other.sign(userId, sessionId))).toBeUndefined();
  });

  test.each(['sid', 'sub', 'jti', 'exp', 'iat'])('a token without %s', async (claim) => {
    const payload = claims();
    delete payload[claim];
    expect(await tokens.verify(handMade({ alg: 'HS256', typ: 'JWT' }, payload))).toBeUndefined();
  });

  test('a sid that is not a string', async () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, claims({ sid: 42 }));
    expect(await tokens.verify(token)).toBeUndefined();
  });

  test('a header without typ JWT', async () => {
    const token = handMade({ alg: 'HS256', typ: 'at+jwt' }, claims());
    expect(await tokens.verify(token)).toBeUndefined();
  });

  test.each(['', 'garbage', 'a.b.c', '..', `${b64({ alg: 'HS256' })}.not-json.sig`])(
    'malformed input %p, without throwing',
    async (token) => {
      expect(await tokens.verify(token)).toBeUndefined();
    },
  );
});

import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { runInNewContext } from 'node:vm';
import {
  canonicalHeaderName,
  securityHeadersHandlerSource,
} from '../../infra/lib/edge/security-headers.ts';
import { SECURITY_HEADERS } from '../../server/security/headers.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

type CfHeaders = Record<string, Array<{ key: string; value: string }>>;
interface CfResponse {
  status: string;
  headers: CfHeaders;
}
type Handler = (event: unknown) => Promise<CfResponse>;

/** Loads the generated source the way Lambda does (CommonJS `exports.handler`). */
function load(source: string): Handler {
  const sandbox = { exports: {} as { handler?: Handler } };
  runInNewContext(source, sandbox, { filename: 'index.js' });
  if (!sandbox.exports.handler) throw new Error('the source exports no handler');
  return sandbox.exports.handler;
}

/** The event CloudFront hands an origin-response function. */
function originResponse(headers: CfHeaders = {}): unknown {
  return {
    Records: [{ cf: { config: {}, request: { uri: '/' }, response: { status: '200', headers } } }],
  };
}

describe('Lambda@Edge security headers', () => {
  const handler = load(securityHeadersHandlerSource());

  test('sets every header of the server table with exactly the server value', async () => {
    const response = await handler(originResponse());
    const sent = Object.fromEntries(
      Object.entries(response.headers).map(([name, [entry]]) => [name, entry?.value]),
    );
    expect(sent).toEqual({ ...SECURITY_HEADERS });
  });

  test('sends each header under its lower-case map key with canonical casing', async () => {
    const response = await handler(originResponse());
    expect(response.headers['strict-transport-security']).toEqual([
      {
        key: 'Strict-Transport-Security',
        value: SECURITY_HEADERS['strict-transport-security'],
      },
    ]);
    expect(response.headers['x-content-type-options']?.[0]?.key).toBe('X-Content-Type-Options');
  });

  test('keeps the origin headers and replaces an origin value it governs', async () => {
    const response = await handler(
      originResponse({
        'content-type': [{ key: 'Content-Type', value: 'text/html' }],
        'x-frame-options': [{ key: 'X-Frame-Options', value: 'SAMEORIGIN' }],
      }),
    );
    expect(response.status).toBe('200');
    expect(response.headers['content-type']).toEqual([{ key: 'Content-Type', value: 'text/html' }]);
    expect(response.headers['x-frame-options']).toEqual([
      { key: 'X-Frame-Options', value: 'DENY' },
    ]);
  });

  test('is built from whatever table it is given', async () => {
    const custom = load(securityHeadersHandlerSource({ 'X-Test': 'on' }));
    const response = await custom(originResponse());
    expect(response.headers).toEqual({ 'x-test': [{ key: 'X-Test', value: 'on' }] });
  });

  test('fits Lambda inline code (4 KB) and needs no bundling', () => {
    const source = securityHeadersHandlerSource();
    expect(new TextEncoder().encode(source).length).toBeLessThan(4096);
    expect(source).not.toMatch(/\brequire\(|\bimport\b/);
  });
});

describe('canonicalHeaderName', () => {
  test('capitalises each dash-separated part', () => {
    expect(canonicalHeaderName('cross-origin-opener-policy')).toBe('Cross-Origin-Opener-Policy');
    expect(canonicalHeaderName('x-permitted-cross-domain-policies')).toBe(
      'X-Permitted-Cross-Domain-Policies',
    );
  });
});

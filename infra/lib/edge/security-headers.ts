import { SECURITY_HEADERS } from '../../../server/security/headers.ts';

/** Header name → value, lower-case names as CloudFront's event objects key them. */
export type HeaderTable = Readonly<Record<string, string>>;

/** `strict-transport-security` → `Strict-Transport-Security`, the casing sent on the wire. */
export function canonicalHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('-');
}

/**
 * Builds the Lambda@Edge (origin-response) handler that stamps the security headers on
 * every response from the client bucket. The header table is inlined at synthesis, so the
 * function and the server (`server/security/headers.ts`) always send the same values, and
 * the code needs no bundling: CloudFormation ships it inline (`index.js`, handler `handler`).
 *
 * @example
 * lambda.Code.fromInline(securityHeadersHandlerSource());
 */
export function securityHeadersHandlerSource(headers: HeaderTable = SECURITY_HEADERS): string {
  const entries = Object.entries(headers).map(([name, value]) => [
    name.toLowerCase(),
    canonicalHeaderName(name.toLowerCase()),
    value,
  ]);
  return [
    "'use strict';",
    `const HEADERS = ${JSON.stringify(entries)};`,
    'exports.handler = async (event) => {',
    '  const response = event.Records[0].cf.response;',
    '  for (const [name, key, value] of HEADERS) {',
    '    response.headers[name] = [{ key, value }];',
    '  }',
    '  return response;',
    '};',
    '',
  ].join('\n');
}

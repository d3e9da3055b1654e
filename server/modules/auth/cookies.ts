import type { Cookie } from 'elysia';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../../plugins/auth.ts';
import type { IssuedTokens } from './auth.service.ts';

type Jar = Record<string, Cookie<unknown>>;

/** The refresh cookie goes only to the auth routes; the access cookie to the whole site. */
const REFRESH_PATH = '/api/auth';

export function setAuthCookies(jar: Jar, issued: IssuedTokens, sessionMaxAgeSeconds: number): void {
  jar[ACCESS_COOKIE]?.set({
    value: issued.accessToken,
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/',
    maxAge: issued.expiresIn,
  });
  jar[REFRESH_COOKIE]?.set({
    value: issued.refreshToken,
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: REFRESH_PATH,
    maxAge: sessionMaxAgeSeconds,
  });
}

export function clearAuthCookies(jar: Jar): void {
  jar[ACCESS_COOKIE]?.set({
    value: '',
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/',
    maxAge: 0,
  });
  jar[REFRESH_COOKIE]?.set({
    value: '',
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: REFRESH_PATH,
    maxAge: 0,
  });
}

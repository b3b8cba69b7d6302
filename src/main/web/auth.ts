// The web host's per-launch token: random, compared in constant time, carried by the URL the
// user opens once and then by a SameSite=Strict, HttpOnly cookie.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_COOKIE } from '../../shared/api/ws-protocol';

export function newLaunchToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokensEqual(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Cookies are shared by every port of a host, so each web host names its cookie by port. */
export function tokenCookieName(port: number): string {
  return `${TOKEN_COOKIE}_${port}`;
}

export function tokenCookie(token: string, name: string): string {
  return `${name}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

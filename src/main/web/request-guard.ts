// Parsing of everything a request to the web host carries, in functions that never throw:
// any page the user opens can make the browser send requests to loopback, so bad input must
// end in a 4xx answer, not in an exception that stops the host.

/** The request target as a URL, or null when it is not a plain origin-form path ("/..."). */
export function parseTarget(raw: string | undefined): URL | null {
  if (!raw || !raw.startsWith('/')) return null;
  try {
    // Prefixing (not resolving against a base) keeps "//x" a path instead of a host.
    return new URL(`http://localhost${raw}`);
  } catch {
    return null;
  }
}

export function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * DNS rebinding: a page on evil.example whose name later resolves to 127.0.0.1 reaches this
 * port with Host: evil.example. Only the loopback names of the bound port are served.
 */
export function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const h = hostHeader.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
}

/** A WebSocket upgrade's Origin must be this host's own page ("null", other sites and garbage are refused). */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true; // not a browser: the token still decides
  if (!hostHeader) return false;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && u.host === hostHeader.toLowerCase();
  } catch {
    return false;
  }
}

// The web host's own checks on what a request carries, in functions that never throw: any page
// the user opens can make the browser send requests to loopback. (Request lines, URLs,
// percent-encoding and cookies are parsed by fastify.)

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

// How the clinic's link to the federation server is secured, in words both the join form and
// the client node use: a pinned certificate's fingerprint, and a warning for plain http.

/** "AB:CD:..." (openssl's form), lower case or bare hex: 32 bytes as upper-case colon pairs, or null. */
export function normalizeFingerprint(input: string): string | null {
  const hex = input.trim().replace(/^sha256\s*fingerprint\s*=\s*/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)?.join(':') ?? null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** A clear word for a server address that sends credentials and weights unencrypted, or null. */
export function transportWarning(serverUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(serverUrl);
  } catch {
    return null;
  }
  if (u.protocol === 'http:' && !LOOPBACK.has(u.hostname)) {
    return `${u.host} is reached over plain http: the credential and the model updates travel unencrypted on the network. Ask your federation’s coordinator for an https:// address.`;
  }
  return null;
}


// One Content-Security-Policy for the renderer, applied by the Electron session and by the
// web host alike: no remote code, no inline scripts, connections only back to the host.
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    // fairfal-media: the vault's previews in the Electron window (the web host serves /media on 'self').
    "img-src 'self' data: blob: fairfal-media:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

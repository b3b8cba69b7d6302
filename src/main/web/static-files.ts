// Serves the built renderer (out/renderer) with the same strict CSP the Electron window uses.
import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { contentSecurityPolicy } from '../../shared/csp';
import { safeDecode } from './request-guard';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function serveStatic(rootDir: string, urlPath: string, res: ServerResponse): void {
  const decoded = safeDecode(urlPath);
  if (decoded === null || decoded.includes('\0')) {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    return void res.end('bad percent-encoding in the path');
  }
  const rel = normalize(decoded).replace(/^(\.\.(\/|\\|$))+/, '');
  let file = join(rootDir, rel);
  if (!file.startsWith(rootDir + sep) && file !== rootDir) return notFound(res);
  let stat = safeStat(file);
  // Single-page app: unknown paths without an extension get index.html.
  if (!stat || stat.isDirectory()) {
    if (extname(rel)) return notFound(res);
    file = join(rootDir, 'index.html');
    stat = safeStat(file);
    if (!stat) return notFound(res, 'The renderer is not built. Run `npm run build` first.');
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': stat.size,
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'private, max-age=3600',
  });
  createReadStream(file).pipe(res);
}

function safeStat(file: string) {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

function notFound(res: ServerResponse, message = 'Not found'): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(message);
}

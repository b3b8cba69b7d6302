// Vault previews and thumbnails: GET /media/<preview|thumb>/<sha256>.webp. Only regular files
// named by a hash the database knows, opened without following symbolic links.
import type { ServerResponse } from 'node:http';
import type { AppServices } from '../services/app-services';
import { unavailableReply } from '../services/vault/media-builder';
import { openMediaNoFollow, parseMediaPath } from '../services/vault/media-store';

export function textReply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** `tail`: the path after /media, e.g. "/preview/<hash>.webp". */
export async function serveMedia(services: AppServices, tail: string, res: ServerResponse): Promise<void> {
  const m = parseMediaPath(tail);
  if (!m) return void textReply(res, 404, 'not found');
  // A preview still waiting in the background backlog is built now: the UI asked for it.
  const { file, status } = await services.node.vault.mediaFile(m.kind, m.hash);
  if (!file) {
    const reply = unavailableReply(m.kind, status);
    return void textReply(res, reply.httpStatus, reply.text);
  }
  const handle = await openMediaNoFollow(file).catch(() => null);
  if (!handle) return void textReply(res, 404, 'not found');
  const stream = handle.createReadStream();
  // Content addressed: a hash's bytes never change, so the browser may keep them.
  res.writeHead(200, { 'Content-Type': 'image/webp', 'Cache-Control': 'private, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' });
  stream.once('error', () => res.destroy());
  stream.pipe(res);
}

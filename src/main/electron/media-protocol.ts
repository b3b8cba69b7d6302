// fairfal-media://media/<preview|thumb>/<sha256>.webp: the vault's display images for the
// window. A privileged custom scheme (registered before app ready) that answers only those
// two kinds of content-addressed files; nothing else on disk is reachable through it.
import { protocol } from 'electron';
import { unavailableReply } from '../services/vault/media-builder';
import { MEDIA_SCHEME, openMediaNoFollow, parseMediaPath } from '../services/vault/media-store';
import type { AppServices } from '../services/app-services';

/** Must run before app 'ready'. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function handleMediaProtocol(services: AppServices): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    const m = url.host === 'media' ? parseMediaPath(url.pathname) : null;
    if (!m) return new Response('not found', { status: 404 });
    // A preview still waiting in the background backlog is built now: the window asked for it.
    const { file, status } = await services.node.vault.mediaFile(m.kind, m.hash);
    if (!file) {
      const reply = unavailableReply(m.kind, status);
      return new Response(reply.text, { status: reply.httpStatus, headers: { 'cache-control': 'no-store' } });
    }
    const handle = await openMediaNoFollow(file).catch(() => null);
    if (!handle) return new Response('not found', { status: 404 });
    try {
      // Previews are small: read whole, so the handle closes before the answer leaves.
      const bytes = await handle.readFile();
      return new Response(bytes, { headers: { 'content-type': 'image/webp', 'cache-control': 'private, max-age=31536000, immutable' } });
    } finally {
      await handle.close();
    }
  });
}

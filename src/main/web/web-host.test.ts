// The web host in-process on port 0: token handling, static files with CSP, and the typed API
// over a real WebSocket.
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppServices } from '../services/app-services';
import { startTestWebHost, type TestWebHost } from './test-host';
import { startWebHost, type WebHost } from './web-host';

let t: TestWebHost;
let dir: string;
let services: AppServices;
let host: WebHost;

beforeAll(async () => {
  t = await startTestWebHost({ 'index.html': '<!doctype html><title>t</title>', 'app.js': 'console.log(1)' });
  ({ dir, services, host } = t);
});

afterAll(async () => t.close());

async function cookieFromOpenUrl(): Promise<string> {
  const res = await fetch(host.openUrl, { redirect: 'manual' });
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

function call(ws: WebSocket, msg: object): Promise<unknown> {
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(String(d))));
    ws.send(JSON.stringify(msg));
  });
}

describe('web host', () => {
  it('binds to loopback and refuses requests without the token', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(host.url)).status).toBe(401);
    expect((await fetch(`${host.url}?token=nope`, { redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${host.url}app.js`, { headers: { cookie: `fairfal_token_${host.port}=nope` } })).status).toBe(401);
  });

  it('trades the URL token for an HttpOnly cookie and serves files with a strict CSP', async () => {
    const res = await fetch(host.openUrl, { redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/');
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    // Named by port: two hosts on one machine must not overwrite each other's cookie.
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^fairfal_token_${host.port}=`));
    const cookie = await cookieFromOpenUrl();
    const page = await fetch(host.url, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    const traversal = await fetch(`${host.url}%2e%2e/%2e%2e/etc/passwd`, { headers: { cookie } });
    expect(await traversal.text()).not.toMatch(/root:/);
  });

  it('answers typed API calls over the WebSocket with the cookie', async () => {
    const cookie = await cookieFromOpenUrl();
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { headers: { cookie } });
    await new Promise((r) => ws.once('open', r));
    const status = (await call(ws, { type: 'call', id: 1, service: 'system', method: 'getStatus', input: undefined })) as {
      result: { ok: boolean; value: { appVersion: string; backend: { active: string } } };
    };
    expect(status.result.ok).toBe(true);
    expect(status.result.value.appVersion).toBe('9.9.9');
    expect(status.result.value.backend.active).toBe('cpu');
    expect(await call(ws, { type: 'call', id: 2, service: 'system', method: 'ping', input: {} })).toMatchObject({
      id: 2,
      result: { ok: false, error: { code: 'invalid-input' } },
    });
    expect(await call(ws, { hello: 'world' })).toMatchObject({ type: 'error' });
    ws.close();
  });

  it('refuses WebSocket upgrades without the token or from another origin', async () => {
    const cookie = await cookieFromOpenUrl();
    for (const opts of [{}, { headers: { cookie, origin: 'http://evil.example' } }]) {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, opts);
      const outcome = await new Promise((r) => {
        ws.once('open', () => r('open'));
        ws.once('error', () => r('refused'));
      });
      expect(outcome).toBe('refused');
    }
  });

  it('pushes service events to connected sockets', async () => {
    const cookie = await cookieFromOpenUrl();
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { headers: { cookie } });
    await new Promise((r) => ws.once('open', r));
    const got = new Promise((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    services.events.emit('system', 'backendReady', { active: 'wasm', attempts: [], threads: 2 });
    expect(await got).toMatchObject({ type: 'event', service: 'system', event: 'backendReady', payload: { active: 'wasm' } });
    ws.close();
  });

  it('serves vault previews and thumbnails at /media behind the token cookie', async () => {
    const dermo = resolve('../shared/datasets/images/ham10000-dermoscopy-600x450');
    const { importId } = await services.impl.vault.importPaths({ paths: [dermo] });
    await services.node.vault.runningImport()?.done;
    expect((await services.impl.vault.getImport({ importId })).imported).toBeGreaterThan(0);
    const page = await services.impl.vault.listSamples({ offset: 0, limit: 10 });
    const sample = page.items[0]!;
    expect(sample.previewUrl).toBe(`/media/preview/${sample.id}.webp`);
    const cookie = await cookieFromOpenUrl();
    const url = (p: string) => new URL(p, host.url).toString();
    const preview = await fetch(url(sample.previewUrl), { headers: { cookie } });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/webp');
    expect(Buffer.from(await preview.arrayBuffer()).toString('latin1', 8, 12)).toBe('WEBP');
    expect((await fetch(url(sample.thumbnailUrl), { headers: { cookie } })).status).toBe(200);
    expect((await fetch(url(sample.previewUrl))).status).toBe(401);
    expect((await fetch(url(`/media/preview/${'0'.repeat(64)}.webp`), { headers: { cookie } })).status).toBe(404);
    expect((await fetch(url('/media/preview/../../node.sqlite'), { headers: { cookie } })).status).toBe(404);
    // An image whose preview could not be made: 410 with the reason, never a stale or broken file.
    const other = page.items[1]!;
    const pending = services.node.vault.pendingMedia;
    pending.add(other.id);
    pending.fail(other.id, 'the preview cannot be made: planted by the test');
    const gone = await fetch(url(other.previewUrl), { headers: { cookie } });
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('planted by the test');
    // A symbolic link planted in place of a preview is never followed, and a file whose hash
    // the database does not know is never served, even when it sits in the media folder.
    const third = page.items[2]!;
    // Wait for the background builder to write this preview first: replacing it before it
    // exists would race the builder (it writes after the import has finished).
    expect((await services.node.vault.mediaFile('preview', third.id)).status.state).toBe('ready');
    const previewFile = services.node.vault.mediaPath('preview', third.id);
    rmSync(previewFile);
    writeFileSync(join(dir, 'secret.txt'), 'not an image');
    symlinkSync(join(dir, 'secret.txt'), previewFile);
    const viaLink = await fetch(url(third.previewUrl), { headers: { cookie } });
    expect(viaLink.status).toBe(410);
    expect(await viaLink.text()).not.toContain('not an image');
    const stray = 'f'.repeat(64);
    mkdirSync(dirname(services.node.vault.mediaPath('thumb', stray)), { recursive: true });
    copyFileSync(services.node.vault.mediaPath('thumb', sample.id), services.node.vault.mediaPath('thumb', stray));
    expect((await fetch(url(`/media/thumb/${stray}.webp`), { headers: { cookie } })).status).toBe(404);
  });
});

describe('web host port handling', () => {
  it('reports a taken port as EADDRINUSE and can then start elsewhere', async () => {
    await expect(startWebHost({ services, rendererDir: join(dir, 'renderer'), port: host.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    const other = await startWebHost({ services, rendererDir: join(dir, 'renderer'), port: 0 });
    expect(other.port).not.toBe(host.port);
    await other.stop();
  });
});

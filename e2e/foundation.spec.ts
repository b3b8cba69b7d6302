// Foundation smoke test: the real renderer through the web host shows the active ML backend
// in the status bar, makes a real API round trip, and refuses requests without the token.
import { mkdirSync } from 'node:fs';
import { expect, test } from './fixtures';

test('status bar shows the ML backend and the API answers a round trip', async ({ host, page }) => {
  await page.goto(host.openUrl);
  const backend = page.getByTestId('ml-backend');
  await expect(backend).toHaveAttribute('data-backend', /^(tensorflow|wasm|cpu)$/);
  await expect(backend).toContainText('ML engine:');
  // The host link shows a measured round trip (system.ping + system.getStatus over the WebSocket).
  await expect(page.getByTestId('host-link')).toContainText(/Local web host · \d+ ms/);
  const echoed = await page.evaluate(async () => {
    const ws = new WebSocket(`ws://${location.host}/api`);
    await new Promise((r) => (ws.onopen = r));
    const reply = new Promise<string>((r) => (ws.onmessage = (e) => r(String(e.data))));
    ws.send(JSON.stringify({ type: 'call', id: 7, service: 'system', method: 'ping', input: { message: 'e2e' } }));
    return JSON.parse(await reply);
  });
  expect(echoed).toMatchObject({ type: 'result', id: 7, result: { ok: true, value: { echo: 'e2e' } } });
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/foundation-status-bar.png', fullPage: true });
});

test('the web host refuses requests without the launch token', async ({ host, page }) => {
  const bare = host.openUrl.replace(/\?token=.*/, '');
  const res = await page.request.get(bare);
  expect(res.status()).toBe(401);
  const wrong = await page.request.get(`${bare}?token=wrong-token`, { maxRedirects: 0 });
  expect(wrong.status()).toBe(401);
});

test('a malformed API call gets a clear error, not a crash', async ({ host, page }) => {
  await page.goto(host.openUrl);
  const replies = await page.evaluate(async () => {
    const ws = new WebSocket(`ws://${location.host}/api`);
    await new Promise((r) => (ws.onopen = r));
    const got: unknown[] = [];
    ws.onmessage = (e) => got.push(JSON.parse(String(e.data)));
    ws.send('{not json');
    ws.send(JSON.stringify({ type: 'call', id: 1, service: 'system', method: 'ping', input: { message: 42 } }));
    ws.send(JSON.stringify({ type: 'call', id: 2, service: 'nope', method: 'x', input: null }));
    await new Promise((r) => setTimeout(r, 500));
    return got;
  });
  expect(replies).toContainEqual(expect.objectContaining({ type: 'error' }));
  expect(replies).toContainEqual(
    expect.objectContaining({ id: 1, result: { ok: false, error: expect.objectContaining({ code: 'invalid-input' }) } }),
  );
  expect(replies).toContainEqual(
    expect.objectContaining({ id: 2, result: { ok: false, error: expect.objectContaining({ code: 'not-found' }) } }),
  );
  await expect(page.getByTestId('ml-backend')).toBeVisible();
});

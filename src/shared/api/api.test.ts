import { describe, expect, it } from 'vitest';
import { ApiError, type ApiImpl } from './index';
import { createApiClient, type ApiTransport } from './client';
import { createDispatcher } from './dispatch';

const report = { active: 'wasm', attempts: [{ name: 'wasm', ok: true }], threads: 2 };

function impl(overrides: Partial<ApiImpl['system']> = {}): ApiImpl {
  return {
    system: {
      getStatus: async () => ({
        appVersion: '1.0.0', host: 'web', platform: 'test', dataDir: '/tmp/x',
        backend: report, backendError: null, startedAt: new Date(0).toISOString(),
      }),
      ping: async ({ message }) => ({ echo: message, receivedAt: new Date(0).toISOString() }),
      ...overrides,
    },
  } as ApiImpl; // only `system` is exercised here; the other services are absent on purpose
}

function loopback(i: ApiImpl): ApiTransport {
  const dispatch = createDispatcher(i);
  return { call: (s, m, input) => dispatch(s, m, input), subscribe: () => () => {} };
}

describe('typed API: dispatcher and client', () => {
  it('round-trips a valid call with types from the contract', async () => {
    const client = createApiClient(loopback(impl()));
    await expect(client.system.ping({ message: 'hi' })).resolves.toEqual({ echo: 'hi', receivedAt: new Date(0).toISOString() });
    expect((await client.system.getStatus(undefined)).backend?.active).toBe('wasm');
  });

  it('rejects an invalid input at the receiving side with a message naming the field', async () => {
    const dispatch = createDispatcher(impl());
    const r = await dispatch('system', 'ping', { message: 123 });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(r.ok === false && r.error.message).toMatch(/message/);
  });

  it('rejects unknown services and methods, including prototype keys', async () => {
    const dispatch = createDispatcher(impl());
    for (const [s, m] of [['nope', 'x'], ['system', 'nope'], ['system', 'constructor'], ['__proto__', 'toString']]) {
      expect(await dispatch(s!, m!, undefined)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
  });

  it('refuses an implementation result that breaks the contract', async () => {
    const bad = impl({ ping: async () => ({ echo: 5 }) as never });
    expect(await createDispatcher(bad)('system', 'ping', { message: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid-output' } });
  });

  it('carries ApiError codes and wraps unexpected errors', async () => {
    const client = createApiClient(loopback(impl({ ping: async () => { throw new ApiError('conflict', 'busy'); } })));
    await expect(client.system.ping({ message: 'x' })).rejects.toMatchObject({ code: 'conflict', message: 'busy' });
    const crashing = createApiClient(loopback(impl({ ping: async () => { throw new TypeError('boom'); } })));
    await expect(crashing.system.ping({ message: 'x' })).rejects.toMatchObject({ code: 'internal', message: /boom/ });
  });

  it('validates on the calling side too, before anything is sent', async () => {
    let sent = 0;
    const client = createApiClient({ call: async () => { sent++; return null; }, subscribe: () => () => {} });
    await expect(client.system.ping({ message: '' })).rejects.toMatchObject({ code: 'invalid-input' });
    expect(sent).toBe(0);
    await expect(client.system.ping({ message: 'ok' })).rejects.toMatchObject({ code: 'invalid-output' });
  });

  it('drops malformed events instead of delivering them', () => {
    let deliver: (p: unknown) => void = () => {};
    const client = createApiClient({ call: async () => null, subscribe: (_s, _e, h) => { deliver = h; return () => {}; } });
    const got: unknown[] = [];
    client.system.on('backendReady', (p) => got.push(p));
    deliver({ nonsense: true });
    deliver(report);
    expect(got).toEqual([report]);
  });
});

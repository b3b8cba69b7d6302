// The whole main<->renderer API: one contract, shared by main (implements), preload and the
// web host (transport) and the renderer (typed client). Add a service here and every side sees it.
import { systemService } from './system';
import { vaultService } from './vault';
import { federationService } from './federation';
import { cycleService } from './cycle';
import type { ServiceClient, ServiceImpl, ServiceSpec } from './define';

export const api = {
  system: systemService,
  vault: vaultService,
  federation: federationService,
  cycle: cycleService,
} as const satisfies Record<string, ServiceSpec>;

export type Api = typeof api;
export type ApiServiceName = keyof Api;
export type ApiImpl = { [K in ApiServiceName]: ServiceImpl<Api[K]> };
export type ApiClient = { [K in ApiServiceName]: ServiceClient<Api[K]> };

export * from './define';
export * from './system';
export * from './vault';
export * from './federation';
export * from './cycle';

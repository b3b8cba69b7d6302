// HTTP entry points: parse and validate, call the domain, shape the reply. No logic here.
import {
  API_PREFIX,
  CreateEnrolmentCodesRequestSchema,
  EnrolRequestSchema,
  EnrolResponseSchema,
  GammaReportSchema,
  ModelHashSchema,
  ReadyReportSchema,
  RoundIdSchema,
  RoundMetricsReportSchema,
  ClientIdSchema,
  SecAggKeysRequestSchema,
  SecAggRevealRequestSchema,
  SecAggSharesRequestSchema,
  type EnrolResponse,
  type UpdateAccepted,
} from '../../shared/wire';
import { z } from 'zod';
import type { FederationCoordinator } from '../domain/coordinator';
import { intParam, parseJson, parseParam } from './body';
import type { RequestContext, Route } from './route';

const MAX_LONG_POLL_MS = 60_000;

function client(ctx: RequestContext) {
  if (!ctx.clientId) throw new Error('client route without an authenticated client');
  return ctx.clientId;
}

/** Every endpoint of the federation server, in one list (app.ts registers them). */
export function serverRoutes(coordinator: FederationCoordinator): Route[] {
  const routes: Route[] = [];
  const r = { add: (route: Route) => routes.push(route) };
  const p = API_PREFIX;

  r.add({ method: 'GET', pattern: '/healthz', auth: 'none', handler: () => ({ status: 200, json: { ok: true } }) });

  // ---- client ----
  r.add({
    method: 'POST',
    pattern: `${p}/enrol`,
    auth: 'none',
    handler: (ctx) => {
      const body = parseJson(ctx.body, EnrolRequestSchema);
      const { clientId, credential } = coordinator.enrol(body.code, body.displayName, ctx.remoteAddress);
      const json: EnrolResponse = EnrolResponseSchema.parse({ clientId, credential, federation: coordinator.publicFederation() });
      return { status: 201, json };
    },
  });

  r.add({ method: 'GET', pattern: `${p}/federation`, auth: 'client', handler: () => ({ status: 200, json: coordinator.publicFederation() }) });

  r.add({
    method: 'GET',
    pattern: `${p}/task`,
    auth: 'client',
    handler: async (ctx) => {
      const id = client(ctx);
      const waitMs = parseParam('waitMs', ctx.query.get('waitMs') ?? '0', z.coerce.number().int().min(0).max(MAX_LONG_POLL_MS));
      let task = coordinator.task(id);
      const until = Date.now() + waitMs;
      // Long-poll: hold a 'wait' answer until the state changes or waitMs passes.
      while (task.kind === 'wait' && !ctx.signal.aborted && Date.now() < until) {
        await coordinator.waitForChange(until - Date.now(), ctx.signal);
        task = coordinator.task(id);
      }
      return { status: 200, json: task };
    },
  });

  r.add({
    method: 'GET',
    pattern: `${p}/models/:hash`,
    auth: 'client',
    handler: ({ params }) => {
      const hash = parseParam('model hash', params.hash, ModelHashSchema);
      const bytes = coordinator.modelBlob(hash);
      return {
        status: 200,
        bytes,
        headers: {
          'content-type': 'application/octet-stream',
          'x-content-sha256': hash,
          etag: `"${hash}"`,
          'cache-control': 'private, max-age=31536000, immutable',
        },
      };
    },
  });

  r.add({
    method: 'POST',
    pattern: `${p}/rounds/:roundId/update`,
    auth: 'client',
    bodyLimit: coordinator.maxUpdateBytes(),
    handler: async (ctx) => {
      const roundId = parseParam('round id', intParam('round id', ctx.params.roundId), RoundIdSchema);
      const { duplicate } = await coordinator.submitUpdate(client(ctx), roundId, ctx.body);
      const json: UpdateAccepted = { accepted: true, duplicate, roundId };
      return { status: duplicate ? 200 : 201, json };
    },
  });

  // ---- secure aggregation (shared/wire/secagg-api.ts) ----
  const secagg = (ctx: RequestContext) => ({
    roundId: parseParam('round id', intParam('round id', ctx.params.roundId), RoundIdSchema),
    attempt: intParam('attempt', ctx.params.attempt),
  });
  r.add({
    method: 'POST',
    pattern: `${p}/rounds/:roundId/secagg/:attempt/keys`,
    auth: 'client',
    handler: (ctx) => {
      const { roundId, attempt } = secagg(ctx);
      const json = coordinator.submitSecAggKeys(client(ctx), roundId, attempt, parseJson(ctx.body, SecAggKeysRequestSchema));
      return { status: 200, json };
    },
  });
  r.add({
    method: 'POST',
    pattern: `${p}/rounds/:roundId/secagg/:attempt/shares`,
    auth: 'client',
    handler: (ctx) => {
      const { roundId, attempt } = secagg(ctx);
      coordinator.submitSecAggShares(client(ctx), roundId, attempt, parseJson(ctx.body, SecAggSharesRequestSchema).shares);
      return { status: 200, json: { ok: true } };
    },
  });
  r.add({
    method: 'POST',
    pattern: `${p}/rounds/:roundId/secagg/:attempt/masked`,
    auth: 'client',
    bodyLimit: Math.max(1, coordinator.maxMaskedBytes()),
    handler: async (ctx) => {
      const { roundId, attempt } = secagg(ctx);
      const { duplicate } = await coordinator.submitMaskedUpdate(client(ctx), roundId, attempt, ctx.body);
      const json: UpdateAccepted = { accepted: true, duplicate, roundId };
      return { status: duplicate ? 200 : 201, json };
    },
  });
  r.add({
    method: 'POST',
    pattern: `${p}/rounds/:roundId/secagg/:attempt/reveal`,
    auth: 'client',
    handler: (ctx) => {
      const { roundId, attempt } = secagg(ctx);
      coordinator.submitSecAggReveal(client(ctx), roundId, attempt, parseJson(ctx.body, SecAggRevealRequestSchema));
      return { status: 200, json: { ok: true } };
    },
  });

  r.add({
    method: 'POST',
    pattern: `${p}/rounds/:roundId/metrics`,
    auth: 'client',
    handler: (ctx) => {
      const roundId = intParam('round id', ctx.params.roundId);
      const body = parseJson(ctx.body, RoundMetricsReportSchema);
      coordinator.reportMetrics(client(ctx), roundId, body.localTestAccuracy);
      return { status: 200, json: { ok: true } };
    },
  });

  r.add({
    method: 'POST',
    pattern: `${p}/cycles/:cycle/gamma`,
    auth: 'client',
    handler: (ctx) => {
      const cycle = intParam('cycle', ctx.params.cycle);
      const body = parseJson(ctx.body, GammaReportSchema);
      coordinator.submitGamma(client(ctx), cycle, body.gamma);
      return { status: 200, json: { ok: true } };
    },
  });

  r.add({
    method: 'POST',
    pattern: `${p}/cycles/:cycle/ready`,
    auth: 'client',
    handler: (ctx) => {
      const cycle = intParam('cycle', ctx.params.cycle);
      parseJson(ctx.body, ReadyReportSchema);
      coordinator.reportReady(client(ctx), cycle);
      return { status: 200, json: { ok: true } };
    },
  });

  // ---- admin ----
  const status = () => ({ status: 200, json: coordinator.status() });
  r.add({ method: 'GET', pattern: '/status', auth: 'admin', handler: status });
  r.add({ method: 'GET', pattern: `${p}/status`, auth: 'admin', handler: status });

  r.add({
    method: 'POST',
    pattern: `${p}/admin/enrolment-codes`,
    auth: 'admin',
    handler: ({ body: raw }) => {
      const body = parseJson(raw, CreateEnrolmentCodesRequestSchema);
      return { status: 201, json: coordinator.createEnrolmentCodes(body.count, body.ttlHours) };
    },
  });

  r.add({
    method: 'GET',
    pattern: `${p}/admin/clients`,
    auth: 'admin',
    handler: () => ({ status: 200, json: { clients: coordinator.status().clients } }),
  });

  r.add({
    method: 'POST',
    pattern: `${p}/admin/clients/:clientId/revoke`,
    auth: 'admin',
    handler: ({ body, params }) => {
      const clientId = parseParam('client id', params.clientId, ClientIdSchema);
      parseJson(body, z.strictObject({}));
      coordinator.revoke(clientId);
      return { status: 200, json: { ok: true } };
    },
  });

  return routes;
}

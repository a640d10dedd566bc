import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { excluder, loggerOf, logOutcome, runHealth, type ApiLogOptions, type HealthOptions } from './api-log.js';

export interface DaybookFastifyOptions extends ApiLogOptions {
  /** A GET route that answers health and logs health_check (default '/health'; false: none). Not logged as api_call. */
  healthRoute?: string | false;
  health?: HealthOptions;
}

/**
 * Logs every request of a bot's own Fastify server to the audit log: api_call with the route
 * template, method, status and latency; api_error for 5xx and thrown errors; rate_limit for
 * 429. `app.register(daybookFastify, { logger: audit })`. Not encapsulated: it sees every route.
 */
const plugin: FastifyPluginAsync<DaybookFastifyOptions> = async (app, options) => {
  const getLogger = loggerOf(options);
  const health = options.healthRoute === undefined ? '/health' : options.healthRoute;
  const skip = excluder(options, health === false ? [] : [health]);
  const errors = new WeakMap<FastifyRequest, unknown>();

  app.addHook('onError', async (request, _reply, error) => {
    errors.set(request, error);
  });
  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.url ?? 'unmatched';
    const path = request.url.split('?')[0];
    if (skip(endpoint, request.method, path)) return;
    logOutcome(getLogger, { endpoint, method: request.method, statusCode: reply.statusCode, latencyMs: reply.elapsedTime, error: errors.get(request), direction: 'inbound' });
  });
  if (health !== false) {
    app.get(health, async (_request, reply) => {
      const { code, body } = await runHealth(getLogger, options.health ?? {});
      return reply.code(code).send(body);
    });
  }
};

export const daybookFastify = fp(plugin, { fastify: '5.x', name: '@daybook/server/fastify' });

import { listLogFiles } from '@daybook/analytics';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';
import { prometheusText } from './prometheus.js';
import { VERIFY_QUERY } from './schemas.js';
import { VERSION } from './version.js';

/** /health (no token needed), /metrics (Prometheus) and /audit/verify (the hash chain). */
export function opsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/health', { config: { public: true }, schema: { tags: ['operations'], summary: 'Liveness: 200 while the log directory is readable (a server reading a fleet: always), 503 otherwise (no token needed); fleet: whether it reads a fleet (serve --clickhouse)' } }, async (_request, reply) => {
    let readable = true;
    try {
      listLogFiles(ctx.dirs);
    } catch {
      readable = false;
    }
    // A server reading a fleet (serve --clickhouse) answers from ClickHouse: a missing local
    // directory (only /audit/verify reads it there) does not make it unhealthy. `fleet` tells
    // the dashboard to show the fleet's overview and filters.
    const healthy = readable || ctx.fleet !== undefined;
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'healthy' : 'unhealthy', log_dir_readable: readable, fleet: ctx.fleet !== undefined, version: VERSION, uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 1000) });
  });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus text format: events by type and level, trades, realized P&L, errors, API latency histogram, log file sizes' } }, async (_request, reply) => {
    const text = await ctx.cache.get('/metrics', () => prometheusText(ctx.analyzer, ctx.dirs));
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  app.get('/audit/verify', { schema: { tags: ['operations'], summary: 'Hash-chain check of the log directory (the shape of daybook verify --json); kept while the files are unchanged, recomputed at most every few seconds while they change', querystring: VERIFY_QUERY } }, async (_request, reply) => {
    const body = await ctx.verifyResults.get();
    return reply.type('application/json; charset=utf-8').send(body);
  });
}

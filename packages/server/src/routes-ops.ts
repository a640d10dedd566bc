import { listLogFiles } from '@daybook/analytics';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';
import { ChainWatch, PrometheusMetrics, logFigures, type LogFigures } from './prometheus.js';
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

  // One registry per app (several servers in a process never share series); the log figures
  // are cached like the reports (per UTC day: the day's P&L changes at midnight), the process
  // metrics and the chain state are read at each scrape.
  const metrics = new PrometheusMetrics();
  const chain = new ChainWatch(() => ctx.verifyResults.get());
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus text format: events by type and level, trades, realized and daily P&L, drawdown, errors, rate- and risk-limit hits, API latency histogram, last event time, chain state, log file sizes, process metrics' } }, async (_request, reply) => {
    const now = Date.now();
    const figures = JSON.parse((await ctx.cache.get(`/metrics ${new Date(now).toISOString().slice(0, 10)}`, () => logFigures(ctx.analyzer, ctx.dirs, now))).toString('utf8')) as LogFigures;
    return reply.type(metrics.contentType).send(await metrics.metrics(figures, chain.current()));
  });

  app.get('/audit/verify', { schema: { tags: ['operations'], summary: 'Hash-chain check of the log directory (the shape of daybook verify --json); kept while the files are unchanged, recomputed at most every few seconds while they change', querystring: VERIFY_QUERY } }, async (_request, reply) => {
    const body = await ctx.verifyResults.get();
    return reply.type('application/json; charset=utf-8').send(body);
  });
}

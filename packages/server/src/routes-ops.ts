import { listLogFiles } from '@daybook/analytics';
import type { VerifyCache } from '@daybook/core';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';
import { ServerError } from './errors.js';
import { prometheusText } from './prometheus.js';
import { VERIFY_QUERY } from './schemas.js';
import { verifyOffThread } from './verify-thread.js';
import { VERSION } from './version.js';

/** /health (no token needed), /metrics (Prometheus) and /audit/verify (the hash chain). */
export function opsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // By log directory: what the last check of it found, so the next one skips unchanged backups.
  const verifyCaches = new Map<string, VerifyCache>();
  const verifyDir = async (d: string) => {
    const { result, cache } = await verifyOffThread(d, ctx.publicKey, verifyCaches.get(d) ?? {});
    verifyCaches.set(d, cache);
    return result;
  };

  app.get('/health', { schema: { tags: ['operations'], summary: 'Liveness: 200 while the log directory is readable, 503 otherwise (no token needed)' } }, async (_request, reply) => {
    let readable = true;
    try {
      listLogFiles(ctx.dirs);
    } catch {
      readable = false;
    }
    return reply.code(readable ? 200 : 503).send({ status: readable ? 'healthy' : 'unhealthy', log_dir_readable: readable, version: VERSION, uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 1000) });
  });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus text format: events by type and level, trades, realized P&L, errors, API latency histogram, log file sizes' } }, async (_request, reply) => {
    const text = await ctx.cache.get('/metrics', () => prometheusText(ctx.analyzer, ctx.dirs));
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  app.get('/audit/verify', { schema: { tags: ['operations'], summary: 'Hash-chain check of the log directory (the shape of daybook verify --json); recomputed at most every few seconds', querystring: VERIFY_QUERY } }, async (_request, reply) => {
    const body = await ctx.verifyCache.get('/audit/verify', async () => {
      const results = await Promise.all(ctx.dirs.map((d) => verifyDir(d).catch((e: unknown) => {
        throw new ServerError('DAYBOOK_E_SERVER_LOG_DIR', `cannot verify ${d} (${(e as Error).message})`, { cause: e });
      })));
      const checkedAt = new Date().toISOString();
      if (results.length === 1) return { ...results[0]!, checked_at: checkedAt };
      return { ok: results.every((r) => r.ok), dirs: results.map((r, i) => ({ dir: ctx.dirs[i], ...r })), checked_at: checkedAt };
    });
    return reply.type('application/json; charset=utf-8').send(body);
  });
}

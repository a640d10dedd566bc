import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { DEFAULT_READ_LIMITS, LogAnalyzer, type LogAnalyzerOptions, type ReadLimits } from '@daybook/analytics';
import { ResultCache } from './cache.js';
import type { ServerContext } from './context.js';
import { errorBody, ServerError } from './errors.js';
import { EventIndex } from './event-index.js';
import { installGuard, normalizeAllowedHost, registerPublic } from './guard.js';
import { DirMonitor } from './monitor.js';
import { badUrl, installErrorHandlers } from './reply-errors.js';
import { eventRoutes } from './routes-events.js';
import { exportRoutes } from './routes-export.js';
import { opsRoutes } from './routes-ops.js';
import { reportRoutes } from './routes-reports.js';
import { tradeRoutes } from './routes-trades.js';
import { SharedSource } from './shared-source.js';
import { VerifyResults } from './verify-results.js';
import { VERSION } from './version.js';
import type { FleetReader } from './fleet.js';
import { alertRoutes, type AlertsView } from './routes-alerts.js';

const DAY_MS = 86_400_000;

export interface AppOptions {
  /** The log directory (or several: a fleet). */
  logDir: string | readonly string[];
  /** With a token every route but /health (and the dashboard's static files) needs `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * Host header names accepted besides the loopback ones (localhost, 127.x.x.x, [::1]): `name`
   * (any port) or `name:port`; true accepts any (no DNS-rebinding protection). Default none.
   */
  allowedHosts?: readonly string[] | true;
  /**
   * The longest line the event index reads (bytes, default readLimits.maxLineBytes: 16 MiB); a
   * longer one is counted as a problem and skipped, read in bounded memory.
   */
  maxLineBytes?: number;
  /**
   * Bounds on hostile input for every read of the files, the reports' (analytics' reader,
   * whose read problems and `bad_lines.too_long` say what was skipped) and the event index's:
   * longest line, gzip inflation. Default analytics' DEFAULT_READ_LIMITS; overrides
   * `analyzer.limits`.
   */
  readLimits?: Partial<ReadLimits>;
  /** CORS: off by default; true for any origin, or the allowed origins. */
  cors?: boolean | string | readonly string[];
  /** Where POST /audit/export_logs writes; without it the export is the response. */
  exportDir?: string;
  /** Static files served at `/` (the dashboard's build output); API routes win over files. */
  staticDir?: string;
  /** The OpenAPI document at /docs/json and its UI at /docs (default true). */
  docs?: boolean;
  /** A cached result is recomputed when the files changed, at most this often (ms, default 500). */
  maxStaleMs?: number;
  /** Poll of the files' identity and size, besides fs.watch (ms, default 1000; 0: watch only). */
  pollMs?: number;
  /** While the files change, /audit/verify is recomputed at most this often (ms, default 5000). */
  verifyEveryMs?: number;
  /** Open /audit/stream connections allowed (default 100). */
  maxStreams?: number;
  /** A comment line on idle streams this often (ms, default 15000), so proxies keep them open. */
  heartbeatMs?: number;
  /** Ed25519 public key (PEM) /audit/verify checks checkpoint signatures with. */
  publicKey?: string | Buffer;
  /** Options of the LogAnalyzer (periodsPerYear, startingEquity, threads, persist: the segment index). */
  analyzer?: Omit<LogAnalyzerOptions, 'source' | 'cache'>;
  /**
   * A fleet held elsewhere (daybook serve --clickhouse wires @daybook/clickhouse's analyzer):
   * the report, trades, events, stream and export routes take `bot` and `host` and read it
   * (events, stream and export when the reader has `events`), and /audit/fleet gives the
   * per-bot overview. /audit/verify, /health and /metrics still read `logDir`.
   */
  fleet?: FleetReader;
  /** Alerts evaluated beside the server (daybook serve --rules wires @daybook/alert's Evaluator): GET /audit/alerts. */
  alerts?: AlertsView;
  /** Fastify's own request logger (pino), off by default. */
  logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The analyzer, event index and caches behind the routes (for a dashboard or tests). */
    daybook: ServerContext;
  }
}

/**
 * Reads the directory ahead of requests (errors are the requests' to report): first what
 * today's page needs (backups that end before today are only dated), then the left-out
 * backups one per load in worker threads, so that a request waits for one file at most (a
 * 30-day page 3 s after the first: 1.6-2.0 s, against 3.3-3.9 s when this waited for a quiet
 * moment); then, once no request came for `idleMs`, the full event index (only /audit/events
 * and a stream resumed from an old cursor need it; 8-11 s of this thread for 1 GB).
 */
export async function warm(app: FastifyInstance, idleMs = 2000): Promise<void> {
  const quiet = async (): Promise<boolean> => {
    // Started before listen() (startServer): wait for the port, or for close.
    if (!app.server.listening) await new Promise((resolve) => app.server.once('listening', resolve).once('close', resolve));
    while (app.server.listening && Date.now() - app.daybook.activity.lastRequestAt < idleMs) {
      await new Promise((resolve) => setTimeout(resolve, idleMs).unref());
    }
    return app.server.listening;
  };
  try {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    await app.daybook.source.load({ since: today * 1000 });
    await app.daybook.source.fill();
    if (await quiet()) await app.daybook.index.refresh();
  } catch {
    // an unreadable directory is reported by the routes and /health
  }
}

/**
 * The daybook server as a Fastify instance, ready for `inject()` or `listen()`; it never
 * listens itself (startServer does). Close it to stop the file watcher and live streams.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const dirs = (typeof options.logDir === 'string' ? [options.logDir] : [...options.logDir]).map((d) => resolve(d));
  if (dirs.length === 0) throw new ServerError('DAYBOOK_E_SERVER_OPTION', 'logDir names no directory');
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 8 || /\s/.test(options.token))) {
    throw new ServerError('DAYBOOK_E_SERVER_OPTION', 'token must be at least 8 characters without spaces');
  }
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 200 },
    // An undecodable path (`/a%ZZ`) is the client's: our 400, not Fastify's own body.
    frameworkErrors: badUrl,
  });
  const limits = { ...options.analyzer?.limits, ...options.readLimits };
  const maxLineBytes = options.maxLineBytes ?? limits.maxLineBytes ?? DEFAULT_READ_LIMITS.maxLineBytes;
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1024) throw new ServerError('DAYBOOK_E_SERVER_OPTION', 'maxLineBytes must be a whole number of bytes, at least 1024');
  const allowedHosts = options.allowedHosts === true ? true : (options.allowedHosts ?? []).map(normalizeAllowedHost);
  // Query strings are text: numbers and lists are coerced from it. A JSON body is typed: a
  // number where a string belongs is an error, not a string.
  const queryAjv = new Ajv({ removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false, strict: false });
  const bodyAjv = new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema));
  const monitor = new DirMonitor(dirs, options.pollMs ?? 1000);
  const analyzerOptions = { ...options.analyzer, limits };
  const source = new SharedSource(dirs, analyzerOptions);
  const ctx: ServerContext = {
    dirs,
    source,
    analyzer: new LogAnalyzer(dirs, { ...analyzerOptions, source }),
    fleet: options.fleet,
    alerts: options.alerts,
    index: new EventIndex(dirs, { ...limits, maxLineBytes }),
    tail: new EventIndex(dirs, { ...limits, from: 'end', maxLineBytes }),
    monitor,
    cache: new ResultCache(monitor, options.maxStaleMs ?? 500),
    verifyResults: new VerifyResults(dirs, options.publicKey, options.verifyEveryMs ?? 5000),
    exportDir: options.exportDir === undefined ? undefined : resolve(options.exportDir),
    maxStreams: options.maxStreams ?? 100,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    publicKey: options.publicKey,
    startedAt: Date.now(),
    activity: { lastRequestAt: 0 },
    streams: new Set(),
    streamSlots: { taken: 0 },
  };
  app.decorate('daybook', ctx);
  // Live streams end before the HTTP server closes: it waits for open responses, and a
  // stream's response stays open until it is ended.
  app.addHook('preClose', async () => {
    for (const end of [...ctx.streams]) end();
  });
  app.addHook('onClose', async () => {
    monitor.close();
    await ctx.verifyResults.close();
  });
  installErrorHandlers(app);
  app.addHook('onRequest', async () => {
    ctx.activity.lastRequestAt = Date.now();
  });

  // CORS first: its hook answers preflights (which carry no token) before the guard's.
  const corsOrigins = options.cors === undefined || options.cors === false ? undefined : options.cors === true ? true : typeof options.cors === 'string' ? [options.cors] : [...options.cors];
  if (corsOrigins !== undefined) {
    await app.register(cors, { origin: corsOrigins === true ? true : [...corsOrigins], methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'last-event-id'] });
  }
  installGuard(app, { token: options.token, allowedHosts, corsOrigins });
  if (options.docs !== false) {
    await app.register(swagger, {
      openapi: {
        info: { title: 'daybook', version: VERSION, description: 'The audit log of a trading bot: reports (every figure defined in docs/metrics.md of the daybook repository), trades from entry to exit, events, live stream, chain verification, Prometheus metrics.' },
        components: options.token === undefined ? {} : { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: options.token === undefined ? [] : [{ bearer: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  reportRoutes(app, ctx);
  exportRoutes(app, ctx);
  eventRoutes(app, ctx);
  tradeRoutes(app, ctx);
  opsRoutes(app, ctx);
  alertRoutes(app, ctx);

  if (options.staticDir !== undefined) {
    // The dashboard's hook: its build output at `/`, index.html for `/`.
    // Its files hold no data and must load before the page can ask for the token: public.
    const root = resolve(options.staticDir);
    // Markdown (the dashboard's copy of docs/metrics.md) as plain text: a browser shows it rather than downloading it.
    const setHeaders = (reply: FastifyReply, path: string): void => {
      if (path.endsWith('.md')) void reply.header('content-type', 'text/plain; charset=utf-8');
    };
    await registerPublic(app, (scope) => scope.register(fastifyStatic, { root, prefix: '/', decorateReply: false, index: ['index.html'], setHeaders }));
  }
  return app;
}

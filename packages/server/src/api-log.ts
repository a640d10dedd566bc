import { getAuditLogger, type AuditLogger } from '@daybook/core';

// What the Fastify plugin, the Express middleware and instrumentFetch share: how one HTTP
// exchange becomes an audit event. 5xx or a thrown error: api_error (ERROR, with the error);
// 429: rate_limit (WARNING); anything else: api_call (DEBUG, the logger's default). The
// endpoint is the route template (`/orders/:id`), never the raw path, so that events group
// by endpoint and ids do not leak into the endpoint list.

export interface ApiLogOptions {
  /** The audit logger (or a function returning it); default getAuditLogger(), looked up at each call. */
  logger?: AuditLogger | (() => AuditLogger);
  /** Routes (templates or paths) not logged: exact strings, regular expressions, or a predicate. */
  exclude?: readonly (string | RegExp)[] | ((endpoint: string, method: string) => boolean);
}

export interface ApiOutcome {
  endpoint: string;
  method: string;
  statusCode?: number;
  latencyMs: number;
  error?: unknown;
  direction: 'inbound' | 'outbound';
  metadata?: Record<string, unknown>;
}

export function loggerOf(options: ApiLogOptions): () => AuditLogger {
  const l = options.logger;
  return typeof l === 'function' ? l : l !== undefined ? () => l : getAuditLogger;
}

export function excluder(options: ApiLogOptions, always: readonly string[] = []): (endpoint: string, method: string, path?: string) => boolean {
  const ex = options.exclude;
  if (typeof ex === 'function') return (e, m) => always.includes(e) || ex(e, m);
  const list = ex ?? [];
  return (e, _m, path) => always.includes(e) || list.some((x) => (typeof x === 'string' ? x === e || x === path : x.test(e) || (path !== undefined && x.test(path))));
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** Logs one exchange; never throws (a failing logger must not fail the request). */
export function logOutcome(getLogger: () => AuditLogger, o: ApiOutcome): void {
  let logger: AuditLogger;
  try {
    logger = getLogger();
  } catch {
    return; // no audit logger initialized: nothing to log to
  }
  const metadata: Record<string, unknown> = { direction: o.direction, ...o.metadata };
  const failed = o.error !== undefined || (o.statusCode !== undefined && o.statusCode >= 500);
  if (o.error !== undefined) {
    const err = o.error;
    metadata.error_type = err instanceof Error ? err.name : typeof err;
    metadata.error_message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' || typeof code === 'number') metadata.error_code = code;
  }
  const base = { endpoint: o.endpoint, method: o.method, statusCode: o.statusCode, latencyMs: round(o.latencyMs), metadata };
  if (failed) void logger.logApiCall({ ...base, eventType: 'api_error', level: 'ERROR' });
  else if (o.statusCode === 429) void logger.logApiCall({ ...base, eventType: 'rate_limit', level: 'WARNING' });
  else void logger.logApiCall(base);
}

export interface HealthOptions {
  /** Extra checks: return details (merged into the answer and the event's metadata); throw or return `{ status: 'unhealthy' }` when unhealthy. */
  check?: () => unknown;
}

/** Runs the health check and logs a health_check event: `{ status, ...details }` and 200 or 503. */
export async function runHealth(getLogger: () => AuditLogger, options: HealthOptions): Promise<{ code: number; body: Record<string, unknown> }> {
  let body: Record<string, unknown>;
  try {
    const details = await options.check?.();
    body = { status: 'healthy', ...(details !== null && typeof details === 'object' ? (details as Record<string, unknown>) : {}) };
  } catch (e) {
    body = { status: 'unhealthy', error: e instanceof Error ? e.message : String(e) };
  }
  const healthy = body.status === 'healthy';
  try {
    void getLogger().logSystemEvent('health_check', healthy ? 'Health check passed' : 'Health check failed', { level: healthy ? 'INFO' : 'WARNING', metadata: body });
  } catch {
    // no audit logger: the answer still goes out
  }
  return { code: healthy ? 200 : 503, body };
}

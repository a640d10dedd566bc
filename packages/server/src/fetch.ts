import { excluder, loggerOf, logOutcome, type ApiLogOptions } from './api-log.js';

export interface InstrumentFetchOptions extends ApiLogOptions {
  /**
   * Path templates of the API called, e.g. `['/v2/orders/:id', '/v2/positions/:symbol']`:
   * a URL's path is logged as the first template it matches (`:name` matches one segment).
   * Unmatched paths have id-like segments (numbers, UUIDs, long hex) replaced by `:id`.
   */
  templates?: readonly string[];
  /** Or name the endpoint yourself. */
  endpoint?: (url: URL, method: string) => string;
}

type Fetch = typeof fetch;

const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*\d[A-Za-z0-9_-]{10,})$/i;

function compile(template: string): (segments: readonly string[]) => boolean {
  const parts = template.split('/').filter((p) => p !== '');
  return (segs) => segs.length === parts.length && parts.every((p, i) => p.startsWith(':') || p === '*' || p === segs[i]);
}

/** The endpoint template of a path, as instrumentFetch names it. */
export function endpointOf(pathname: string, templates: readonly string[] = []): string {
  const segs = pathname.split('/').filter((p) => p !== '');
  for (const t of templates) if (compile(t)(segs)) return t;
  return '/' + segs.map((s) => (ID_SEGMENT.test(s) ? ':id' : s)).join('/');
}

function urlOf(input: Parameters<Fetch>[0]): URL {
  if (input instanceof URL) return input;
  if (typeof input === 'string') return new URL(input);
  return new URL(input.url);
}

/**
 * Wraps `fetch` so that every outbound call (to a broker's API) is logged like an inbound
 * one: api_call with the endpoint's path template, method, status and latency; api_error
 * for 5xx and network failures (the error is rethrown); rate_limit for 429. The latency is
 * to the response headers (the body is the caller's to read), so avg_api_latency measures
 * the broker.
 */
export function instrumentFetch(fetchImpl: Fetch, options: InstrumentFetchOptions = {}): Fetch {
  const getLogger = loggerOf(options);
  const skip = excluder(options);
  return async function daybookFetch(input, init) {
    let url: URL | undefined;
    try {
      url = urlOf(input);
    } catch {
      return fetchImpl(input, init); // not a URL we can name: leave it to fetch
    }
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const endpoint = options.endpoint?.(url, method) ?? endpointOf(url.pathname, options.templates);
    if (skip(endpoint, method, url.pathname)) return fetchImpl(input, init);
    const t0 = performance.now();
    const metadata = { host: url.host };
    try {
      const res = await fetchImpl(input, init);
      logOutcome(getLogger, { endpoint, method, statusCode: res.status, latencyMs: performance.now() - t0, direction: 'outbound', metadata });
      return res;
    } catch (error) {
      logOutcome(getLogger, { endpoint, method, latencyMs: performance.now() - t0, error, direction: 'outbound', metadata });
      throw error;
    }
  } as Fetch;
}

import { excluder, loggerOf, logOutcome, runHealth, type ApiLogOptions, type HealthOptions } from './api-log.js';

// Express without importing it (it is only a dev dependency): the few request and response
// fields the middleware reads, typed structurally.
interface Req {
  method: string;
  originalUrl?: string;
  url: string;
  baseUrl?: string;
  route?: { path?: unknown };
}
interface Res {
  statusCode: number;
  locals?: Record<string, unknown>;
  once(event: 'finish' | 'close', listener: () => void): unknown;
  status(code: number): Res;
  json(body: unknown): unknown;
}
type Next = (err?: unknown) => void;

export interface DaybookExpressOptions extends ApiLogOptions {
  /** Excluded from api_call logging as well (default '/health'): mount `expressHealth()` there. */
  healthRoute?: string | false;
}

const ERROR = Symbol('daybook.error');

/**
 * Express middleware logging each request as the Fastify plugin does. Mount it first:
 * `app.use(daybookExpress({ logger: audit }))`; add `app.use(daybookExpressErrors())` after
 * the routes (before your error handler) so thrown errors are logged with the api_error.
 * The endpoint is `req.baseUrl + req.route.path` (the template) once a route matched.
 */
export function daybookExpress(options: DaybookExpressOptions = {}): (req: Req, res: Res, next: Next) => void {
  const getLogger = loggerOf(options);
  const health = options.healthRoute === undefined ? '/health' : options.healthRoute;
  const skip = excluder(options, health === false ? [] : [health]);
  return (req, res, next) => {
    const t0 = process.hrtime.bigint();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const routePath = req.route?.path;
      const endpoint = typeof routePath === 'string' ? `${req.baseUrl ?? ''}${routePath}` : 'unmatched';
      const path = (req.originalUrl ?? req.url).split('?')[0];
      if (skip(endpoint, req.method, path)) return;
      const latencyMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const error = (res as unknown as Record<symbol, unknown>)[ERROR];
      logOutcome(getLogger, { endpoint, method: req.method, statusCode: res.statusCode, latencyMs, error, direction: 'inbound' });
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

/** Error middleware: remembers the error for the api_error event and passes it on. */
export function daybookExpressErrors(): (err: unknown, req: Req, res: Res, next: Next) => void {
  return (err, _req, res, next) => {
    (res as unknown as Record<symbol, unknown>)[ERROR] = err;
    next(err);
  };
}

/** A health handler: `app.get('/health', expressHealth({ logger: audit, check }))`; logs health_check. */
export function expressHealth(options: ApiLogOptions & HealthOptions = {}): (req: Req, res: Res) => void {
  const getLogger = loggerOf(options);
  return (_req, res) => {
    void runHealth(getLogger, options).then(({ code, body }) => res.status(code).json(body));
  };
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, ServerError } from './errors.js';

// Who may ask what (README "Threat model"). Decided on the route the router MATCHED, never on
// the raw URL: the router decodes `/%61udit/events` and an absolute-form target
// (`GET http://host/audit/events`) to `/audit/events`, so a check on the text of the URL
// guards a different path than the one answered. Default deny: every route, a 404 included,
// passes the Host, Origin and token checks, except the routes marked public (`/health`, the
// dashboard's static files), which hold no data. CORS preflights (no token) are answered by
// @fastify/cors's own hook, registered before this one.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without the Host, Origin and token checks: holds no data. */
    public?: boolean;
  }
}

export interface GuardOptions {
  /** Bearer token every non-public route needs. */
  token?: string;
  /**
   * Host header names accepted besides loopback (`localhost`, `127.x.x.x`, `[::1]`): a name
   * (any port) or `name:port`; true accepts any Host (no DNS-rebinding protection).
   */
  allowedHosts?: readonly string[] | true;
  /** The CORS origins (true: any): a browser page there may call the API. */
  corsOrigins?: readonly string[] | true;
}

/** `host[:port]` of a Host header (or of an origin), lower case; undefined when malformed. */
export function splitHost(value: string): { name: string; port: string | undefined } | undefined {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(v);
  if (m === null) return undefined;
  let name = m[1]!;
  if (name.endsWith('.') && !name.startsWith('[')) name = name.slice(0, -1); // `localhost.` is `localhost`
  return { name, port: m[2] };
}

const LOOPBACK_V4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** localhost, any 127.x.x.x, [::1]: names only this machine answers to, whatever DNS says. */
export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name === '[::1]') return true;
  const m = LOOPBACK_V4.exec(name);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** An `--allowed-host` entry as the Host check compares it: `name` or `name:port`, IPv6 in brackets. */
export function normalizeAllowedHost(entry: string): string {
  const e = entry.trim().toLowerCase();
  const bracketed = isIP(e) === 6 ? `[${e}]` : e;
  if (splitHost(bracketed) === undefined) {
    throw new ServerError('DAYBOOK_E_SERVER_OPTION', `allowed host ${JSON.stringify(entry)} is not a host name, IP address or name:port`);
  }
  return bracketed;
}

/** Whether a Host header names this server: a loopback name, or one of `allowed`. */
export function hostAllowed(header: string | undefined, allowed: readonly string[] | true): boolean {
  if (allowed === true) return true;
  if (header === undefined) return false;
  const h = splitHost(header);
  if (h === undefined) return false;
  if (isLoopbackName(h.name)) return true;
  return allowed.some((a) => a === h.name || (h.port !== undefined && a === `${h.name}:${h.port}`));
}

/**
 * Whether a browser's Origin may call: the page's own server (its host is the request's
 * Host), a configured CORS origin, or a configured allowed host (a reverse proxy that
 * rewrites Host). "null" (sandboxed frames, file://) never.
 */
export function originAllowed(origin: string, host: string | undefined, allowedHosts: readonly string[] | true, cors: readonly string[] | true | undefined): boolean {
  if (cors === true) return true;
  if (cors !== undefined && cors.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const authority = (h: string): string => (h.endsWith(`:${defaultPort}`) ? h.slice(0, -defaultPort.length - 1) : h).toLowerCase();
  if (host !== undefined && authority(url.host) === authority(host)) return true;
  // A configured name (not a loopback one: another local page is not this server's page).
  const configured = allowedHosts === true ? [] : allowedHosts.filter((a) => !isLoopbackName(splitHost(a)?.name ?? ''));
  return configured.length > 0 && !isLoopbackName(splitHost(url.host)?.name ?? '') && hostAllowed(authority(url.host), configured);
}

function tokenCheck(token: string): (header: string | undefined) => boolean {
  const want = createHash('sha256').update(`Bearer ${token}`).digest();
  return (header) => header !== undefined && timingSafeEqual(createHash('sha256').update(header).digest(), want);
}

function deny(reply: FastifyReply, e: ServerError): FastifyReply {
  if (e.code === 'DAYBOOK_E_SERVER_UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer realm="daybook"');
  return reply.code(e.statusCode).send(errorBody(e));
}

const shown = (v: string): string => JSON.stringify(v.length > 100 ? `${v.slice(0, 97)}...` : v);

/** The onRequest hook of every route: Host, then Origin, then token, unless the matched route is public. */
export function installGuard(app: FastifyInstance, options: GuardOptions): void {
  const allowedHosts = options.allowedHosts ?? [];
  const ok = options.token === undefined ? undefined : tokenCheck(options.token);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // routeOptions.config is the matched route's (undefined url: no route, the 404 handler).
    if (request.routeOptions.config?.public === true && request.routeOptions.url !== undefined) return;
    const host = request.headers.host;
    if (!hostAllowed(host, allowedHosts)) {
      return deny(reply, new ServerError('DAYBOOK_E_SERVER_HOST', `the Host ${host === undefined ? '(none)' : shown(host)} is not a name of this server`));
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !originAllowed(origin, host, allowedHosts, options.corsOrigins)) {
      return deny(reply, new ServerError('DAYBOOK_E_SERVER_ORIGIN', `a page at ${shown(origin)} may not call this server`));
    }
    if (ok !== undefined && !ok(request.headers.authorization)) {
      return deny(reply, new ServerError('DAYBOOK_E_SERVER_UNAUTHORIZED', 'a valid bearer token is required'));
    }
  });
}

/**
 * Registers `plugin` (the dashboard's static files, CORS preflights) with every route it adds
 * marked public: they hold no data and must answer before the page can ask for the token.
 */
export async function registerPublic(app: FastifyInstance, register: (scope: FastifyInstance) => PromiseLike<unknown>): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await register(scope);
  });
}

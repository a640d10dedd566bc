import type { FastifyInstance } from 'fastify';
import { buildApp, warm, type AppOptions } from './app.js';
import { ServerError } from './errors.js';

export interface ServerOptions extends AppOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Allow binding a non-loopback address without a token. */
  insecure?: boolean;
  /** Read the directory from the start, and build the event index once requests pause (default true). */
  warm?: boolean;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost|::ffff:127(\.\d{1,3}){3})$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/** Whether `host` binds every interface (the URL Fastify gives is then its first one: loopback). */
export const isWildcard = (host: string): boolean => WILDCARD.has(host);

/**
 * The Host names accepted: the configured ones, plus the address bound when it is one
 * address (clients that dial it send it); a wildcard bind adds nothing, since which of the
 * machine's names clients use is the operator's to say (--allowed-host).
 */
export function hostsFor(host: string, allowed: AppOptions['allowedHosts']): AppOptions['allowedHosts'] {
  if (allowed === true) return true;
  const list = [...(allowed ?? [])];
  if (!WILDCARD.has(host) && !isLoopback(host)) list.push(host);
  return list;
}

/** Builds the app and listens; refuses a non-loopback address without a token unless `insecure`. */
export async function startServer(options: ServerOptions): Promise<{ app: FastifyInstance; url: string }> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServerError('DAYBOOK_E_SERVER_OPTION', `port ${String(port)} is not a port number`);
  if (!isLoopback(host) && options.token === undefined && options.insecure !== true) {
    throw new ServerError('DAYBOOK_E_SERVER_INSECURE_BIND', `refusing to serve ${host} without a token`);
  }
  const app = await buildApp({ ...options, allowedHosts: hostsFor(host, options.allowedHosts) });
  // Reading starts before listening: the first page may be asked the moment the port opens.
  if (options.warm !== false) void warm(app);
  try {
    const url = await app.listen({ host, port });
    return { app, url };
  } catch (e) {
    await app.close();
    throw new ServerError('DAYBOOK_E_SERVER_LISTEN', `cannot listen on ${host}:${port} (${(e as Error).message})`, { cause: e });
  }
}

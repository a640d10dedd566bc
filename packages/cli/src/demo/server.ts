import type { AuditLogger } from '@daybook/core';
import { instrumentFetch, startServer, type ServerOptions } from '@daybook/server';
import { builtDashboardDir } from '../dashboard.js';

/** The broker's path templates, for the endpoint names of its calls. */
export const BROKER_ROUTES = ['/v2/orders/:id', '/v2/orders', '/v2/positions', '/v2/account', '/v2/clock'];

export interface RunningServer {
  url: string;
  /** False when the dashboard is not built: the REST API answers alone. */
  dashboard: boolean;
  close(): Promise<void>;
}

/** Serves the REST API and the dashboard over `dir` on 127.0.0.1 (its reports from `fleet` when given: ClickHouse). */
export async function startDashboardServer(dir: string, port: number, fleet?: ServerOptions['fleet']): Promise<RunningServer> {
  const staticDir = builtDashboardDir();
  const { url, app } = await startServer({ logDir: dir, port, host: '127.0.0.1', staticDir, ...(fleet === undefined ? {} : { fleet }) });
  return { url: url.endsWith('/') ? url : `${url}/`, dashboard: staticDir !== undefined, close: async () => void (await app.close()) };
}

/** fetch wrapped so that each broker call is logged as api_call, api_error or rate_limit. */
export function instrumentedFetch(audit: AuditLogger): typeof fetch {
  return instrumentFetch(fetch, { logger: audit, templates: BROKER_ROUTES });
}

import { readFileSync } from 'node:fs';
import { isWildcard, ServerError, startServer, type ServerOptions } from '@daybook/server';
import { serveAlerts, type ServedAlerts } from './alert.js';
import { analyzerOf, fleetEvents, type OpenedClickHouse } from '@daybook/clickhouse';
import { openFleet, withClickHouseOptions } from '../clickhouse.js';
import { builtDashboardDir } from '../dashboard.js';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';

// With --clickhouse the reports, trades, events, the live stream and the export (bot and host
// are request parameters there) and /audit/fleet read ClickHouse; /audit/verify and /health
// check --dir (a chain is proven by the files' bytes: the fleet's proof is `daybook verify DIR
// --clickhouse URL` where the files are).
export const command = () => withClickHouseOptions(defineCommand('serve', '[--dir logs] [--port 8080] [--host 127.0.0.1] [options]',
  `Serves a log directory over HTTP: the /audit reports (docs/metrics.md), events with filters and
cursor pagination, a live stream (Server-Sent Events), chain verification, Prometheus /metrics,
and the OpenAPI document with its UI at /docs.`,
  'Exit codes: 0 after Ctrl-C, 1 when the server cannot start, 2 bad usage.')
  .option('--dir <dir>', 'log directory (repeat for a fleet; default logs)', repeatable)
  .option('--port <n>', 'default 8080 (0: any free port)')
  .option('--host <addr>', 'default 127.0.0.1 (loopback only)')
  .option('--token <token>', 'require "Authorization: Bearer TOKEN" on every route but /health (default: the DAYBOOK_TOKEN environment variable)')
  .option('--insecure', 'allow a non-loopback --host without a token')
  .option('--allowed-host <name>', "accept requests whose Host header is NAME or NAME:PORT (repeat); only loopback names (localhost, 127.x.x.x, [::1]) and the --host address are accepted otherwise, against DNS rebinding; '*' accepts any name", repeatable)
  .option('--cors <origin>', "allow this browser origin (repeat; '*' for any); CORS is off by default", repeatable)
  .option('--export-dir <dir>', 'POST /audit/export_logs writes here; without it the export is the response')
  .option('--static <dir>', 'serve these files at / (default: the built dashboard)')
  .option('--public-key <file>', '/audit/verify checks checkpoint signatures with this Ed25519 PEM key')
  .option('--max-streams <n>', 'live streams allowed at once (default 100)')
  .option('--periods-per-year <n>', '252 (default) or 365, for Sharpe and Sortino')
  .option('--starting-equity <x>', 'starting equity (default: the first portfolio_value in range)')
  .option('--no-index', 'do not keep parsed logs in <dir>/.daybook/index/ (every start parses them again)')
  .option('--rules <file>', 'evaluate these alert rules as `daybook alert` does, over the first --dir or, with --clickhouse, over the fleet (one alert per bot and host); state and audit trail in <first dir>/.daybook/alerts; GET /audit/alerts and the dashboard show them')
  .option('--log', "log each request (Fastify's JSON logger) to stdout"), false);

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} ${v} is not a whole number`);
  return n;
};

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  let options: ServerOptions;
  try {
    const cors = v.cors as string[] | undefined;
    const allowedHosts = v['allowed-host'] as string[] | undefined;
    const equity = v['starting-equity'] === undefined ? undefined : Number(v['starting-equity']);
    if (equity !== undefined && !Number.isFinite(equity)) throw new Error(`--starting-equity ${String(v['starting-equity'])} is not a number`);
    options = {
      logDir: (v.dir as string[] | undefined) ?? ['logs'],
      port: int(v.port as string | undefined, 'port') ?? 8080,
      host: (v.host as string | undefined) ?? '127.0.0.1',
      token: (v.token as string | undefined) ?? (process.env.DAYBOOK_TOKEN || undefined),
      insecure: v.insecure === true,
      allowedHosts: allowedHosts === undefined ? undefined : allowedHosts.includes('*') ? true : allowedHosts,
      cors: cors === undefined ? false : cors.includes('*') ? true : cors,
      exportDir: v['export-dir'] as string | undefined,
      staticDir: (v.static as string | undefined) ?? builtDashboardDir(),
      publicKey: v['public-key'] === undefined ? undefined : readFileSync(v['public-key'] as string),
      maxStreams: int(v['max-streams'] as string | undefined, 'max-streams'),
      analyzer: { periodsPerYear: int(v['periods-per-year'] as string | undefined, 'periods-per-year'), startingEquity: equity, persist: v['no-index'] !== true },
      logger: v.log === true,
    };
  } catch (e) {
    return usageError(cmd, (e as Error).message);
  }
  let started: Awaited<ReturnType<typeof startServer>> | undefined;
  let fleet: OpenedClickHouse | undefined;
  if (v.clickhouse !== undefined) {
    const opened = await openFleet('serve', { clickhouse: v.clickhouse as string, database: v.database as string | undefined });
    if (typeof opened === 'number') return opened;
    fleet = opened;
    const { periodsPerYear, startingEquity } = options.analyzer ?? {};
    options.fleet = { analyzer: (filter) => analyzerOf(opened, { ...filter, periodsPerYear, startingEquity }), events: fleetEvents(opened.runner, opened.target.database) };
  }
  let alerts: ServedAlerts | undefined;
  if (v.rules !== undefined) {
    const served = serveAlerts(v.rules as string, (options.logDir as string[])[0]!, () => started?.app.daybook.analyzer, fleet);
    if (typeof served === 'number') {
      await fleet?.close();
      return served;
    }
    alerts = served;
    options.alerts = served.evaluator;
  }
  try {
    started = await startServer(options);
  } catch (e) {
    await fleet?.close();
    await alerts?.close();
    if (!(e instanceof ServerError)) throw e;
    process.stderr.write(`daybook serve: ${e.message}. ${e.hint} [${e.code}]\n`);
    return e.code === 'DAYBOOK_E_SERVER_OPTION' ? 2 : 1;
  }
  const { app, url } = started;
  const what = fleet === undefined ? (options.logDir as string[]).join(', ') : `the fleet in ClickHouse at ${fleet.target.display} (chain checks: ${(options.logDir as string[]).join(', ')})`;
  // Bound to every interface, the URL Fastify gives is loopback's: say that others reach it too.
  const reach = isWildcard(options.host ?? '127.0.0.1') ? `, listening on every interface (${options.host}:${new URL(url).port})` : '';
  process.stdout.write(`daybook serving ${what} at ${url}${reach} (API docs: ${url}/docs)${options.token === undefined ? '' : ', bearer token required'}\n`);
  alerts?.start();
  await untilStopped();
  await alerts?.close();
  await app.close();
  await fleet?.close();
  return 0;
}

/** Resolves on the first SIGINT (Ctrl-C) or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

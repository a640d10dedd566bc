import { createServer, type Server } from 'node:http';
import { ClickHouseConfigError, clickhouseTarget, Shipper, ShipError, type ShipSummary } from '@daybook/clickhouse';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { untilStopped } from './serve.js';

export const command = () => defineCommand('ship', '--clickhouse URL [--dir logs] [options]',
  `Follows log directories (audit.log and its rotated, gzipped backups) and inserts their events
into ClickHouse, creating the database and the events table if missing. The files are the
buffer: while ClickHouse is slow or down the bot loses nothing, and the shipper catches up.
Every event counts once, whatever happens to the shipper or the server (kills, restarts, a
second ship of the same files). Positions are kept in <dir>/.daybook/ship/.`,
  `Credentials: in the URL (http://user:password@host:8123) or CLICKHOUSE_USER /
CLICKHOUSE_PASSWORD; never printed. https:// URLs use TLS.

Exit codes: 0 ok (--once: everything on disk acknowledged), 1 a failure to ship (--once: the
server could not be reached for --give-up seconds, refused the credentials, has a table of
another schema, or refused a line), 2 bad usage. Without --once, failures are printed on
stderr, counted (daybook_ship_failures_total) and retried; the shipper never exits on them.`)
  .option('--dir <dir>', 'log directory (repeat for several; default logs)', repeatable)
  .option('--clickhouse <url>', 'ClickHouse HTTP(S) URL, e.g. http://127.0.0.1:8123')
  .option('--database <name>', 'database (default daybook)')
  .option('--bot <name>', "the bot column (default: each directory's name)")
  .option('--host <name>', "the host column (default: this machine's host name)")
  .option('--once', 'ship what is on disk, wait for the acknowledgement, exit')
  .option('--cluster <name>', 'events is a Distributed table over events_local on the shards of this cluster (remote_servers)')
  .option('--create-only', 'create the database and table(s) on this server, then exit (each shard of a cluster without distributed DDL)')
  .option('--ttl-days <n>', 'when creating the table: rows older than n days are dropped (ClickHouse 19.6+)')
  .option('--give-up <seconds>', 'with --once: exit 1 after failing this long (default 300)')
  .option('--metrics-port <port>', 'serve Prometheus metrics (daybook_ship_*) at http://HOST:PORT/metrics')
  .option('--metrics-host <host>', 'address for --metrics-port (default 127.0.0.1)');

function positiveInt(s: string | undefined, max: number): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isInteger(n) && n > 0 && n <= max ? n : Number.NaN;
}

function summaryLine(s: ShipSummary): string {
  const bad = Object.values(s.bad).reduce((a, b) => a + b, 0);
  return `shipped ${s.events} event${s.events === 1 ? '' : 's'} in ${s.inserts} insert${s.inserts === 1 ? '' : 's'}` +
    (bad > 0 ? `; ${bad} bad line${bad === 1 ? '' : 's'} not shipped (as the file reports count them)` : '') +
    (s.appLines > 0 ? ` (${s.appLines} of them app text line${s.appLines === 1 ? '' : 's'}, as app_log events)` : '') +
    (s.rejected > 0 ? `; ${s.rejected} line${s.rejected === 1 ? '' : 's'} refused by ClickHouse (named above)` : '');
}

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values as { dir?: string[]; clickhouse?: string; database?: string; bot?: string; host?: string; once?: boolean; cluster?: string; 'create-only'?: boolean; 'ttl-days'?: string; 'give-up'?: string; 'metrics-port'?: string; 'metrics-host'?: string };
  if (parsed.positionals.length > 0) return usageError(cmd, `unexpected argument ${parsed.positionals[0]} (directories go after --dir)`);
  if (v.clickhouse === undefined) return usageError(cmd, '--clickhouse URL is required');
  let target;
  try {
    target = clickhouseTarget(v.clickhouse, v.database ?? 'daybook');
  } catch (e) {
    if (e instanceof ClickHouseConfigError) return usageError(cmd, e.message);
    throw e;
  }
  const ttlDays = positiveInt(v['ttl-days'], 100_000);
  if (Number.isNaN(ttlDays)) return usageError(cmd, `--ttl-days ${v['ttl-days']} is not a whole number of days`);
  const giveUp = positiveInt(v['give-up'], 86_400 * 365);
  if (Number.isNaN(giveUp)) return usageError(cmd, `--give-up ${v['give-up']} is not a whole number of seconds`);
  const metricsPort = positiveInt(v['metrics-port'], 65_535);
  if (Number.isNaN(metricsPort)) return usageError(cmd, `--metrics-port ${v['metrics-port']} is not a port number`);
  if (v.cluster !== undefined && !/^[A-Za-z0-9_.-]+$/.test(v.cluster)) return usageError(cmd, `--cluster ${JSON.stringify(v.cluster)}: use the name of a cluster of the servers' remote_servers`);

  const shipper = new Shipper({
    dirs: v.dir ?? ['logs'], target,
    ...(v.bot === undefined ? {} : { bot: v.bot }),
    ...(v.host === undefined ? {} : { host: v.host }),
    ...(v.cluster === undefined ? {} : { cluster: v.cluster }),
    ...(ttlDays === undefined ? {} : { ttlDays }),
    ...(giveUp === undefined ? {} : { giveUpMs: giveUp * 1000 }),
  });
  let server: Server | undefined;
  if (metricsPort !== undefined) {
    server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found: GET /metrics\n');
        return;
      }
      void shipper.metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': shipper.metrics.registry.contentType }).end(text));
    });
    const listening = await new Promise<Error | undefined>((resolve) => {
      server!.once('error', resolve);
      server!.listen(metricsPort, v['metrics-host'] ?? '127.0.0.1', () => resolve(undefined));
    });
    if (listening !== undefined) {
      process.stderr.write(`daybook ship: cannot serve metrics on port ${metricsPort} (${listening.message})\n`);
      await shipper.close();
      return 1;
    }
  }
  try {
    if (v['create-only']) {
      await shipper.init();
      process.stdout.write(`${target.database}.events ready on ${target.display}\n`);
      return 0;
    }
    if (v.once) {
      const s = await shipper.once();
      process.stdout.write(summaryLine(s) + '\n');
      return s.rejected > 0 ? 1 : 0;
    }
    const stopped = untilStopped().then(() => shipper.close());
    await shipper.run();
    await stopped;
    return 0;
  } catch (e) {
    // Each failure was printed as it happened; this is the one that ended --once.
    if (e instanceof ShipError) return 1;
    throw e;
  } finally {
    await shipper.close();
    server?.close();
  }
}

import { AuditLogger } from '@daybook/core';
import { eventFiles, listLogs, LogAnalyzer, streamFile, LineSplitter, type LineSink } from '@daybook/analytics';
import type { ClickHouseInstance } from './server.js';

// Log directories for the shipper's tests, written by core's AuditLogger (rotation and gzip
// included), and the figures both sides must agree on: what analytics reads from the files,
// and the same figures in SQL over the `events` table (FINAL: copies counted once).

export interface BotOptions {
  maxFileSize?: number;
  compress?: boolean;
  sessionId?: string;
}

export function botLogger(dir: string, o: BotOptions = {}): AuditLogger {
  return new AuditLogger({
    logDir: dir, consoleLevel: false, maxFileSize: o.maxFileSize ?? 64 * 1024, backupCount: 100_000, compress: o.compress ?? true,
    ...(o.sessionId === undefined ? {} : { sessionId: o.sessionId }),
  });
}

/** Logs event `i` of a deterministic mix: trades with pnl, api calls with latency, errors. */
export function logOne(log: AuditLogger, i: number): void {
  const sym = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'][i % 3]!;
  switch (i % 4) {
    case 0:
      void log.logTradeEntry({ symbol: sym, side: 'BUY', quantity: 1 + (i % 5), price: 100 + (i % 17), strategyName: 'grid' });
      break;
    case 1:
      void log.logTradeExit({ symbol: sym, quantity: 1 + (i % 5), price: 101 + (i % 13), pnl: ((i * 37) % 200) / 8 - 12.5, reason: 'take_profit', strategyName: 'grid' });
      break;
    case 2:
      void log.logApiCall({ endpoint: '/api/v3/order', method: 'POST', statusCode: i % 10 === 0 ? 503 : 200, latencyMs: 5 + ((i * 13) % 300) / 4 });
      break;
    default:
      void log.logError(`broker said no #${i % 7}`, 'broker', { metadata: { error_type: 'BrokerError' } });
  }
}

export async function writeLogs(dir: string, events: number, o: BotOptions = {}): Promise<void> {
  const log = botLogger(dir, o);
  for (let i = 0; i < events; i++) {
    logOne(log, i);
    if (i % 500 === 499) await log.flush();
  }
  await log.close();
}

export interface Figures {
  events: number;
  pnl: number;
  latency: number;
  apiCalls: number;
}

/** The figures of the event lines analytics reads from `dir` (its own reader and rules: each event_id once). */
export async function fileFigures(dir: string): Promise<Figures & { total_events: number }> {
  const seen = new Set<string>();
  const f: Figures = { events: 0, pnl: 0, latency: 0, apiCalls: 0 };
  const sink: LineSink = {
    bad: { blank: 0, invalid_utf8: 0, invalid_json: 0, not_object: 0, missing_event_id: 0, invalid_timestamp: 0, too_long: 0 },
    add(o) {
      const id = o.event_id as string;
      if (seen.has(id)) return;
      seen.add(id);
      f.events++;
      if (typeof o.pnl === 'number') f.pnl += o.pnl;
      if (o.event_type === 'api_call') {
        f.apiCalls++;
        if (typeof o.latency_ms === 'number') f.latency += o.latency_ms;
      }
    },
    addAppLine() {},
  };
  for (const file of eventFiles(listLogs([dir]).files).filter((x) => x.foreign !== true)) {
    const split = new LineSplitter(sink);
    await streamFile(file.path, file.gz, 0, (b) => split.push(b));
  }
  const system = await new LogAnalyzer(dir).getSystemMetrics();
  return { ...f, total_events: system.total_events };
}

/** The same figures in SQL over `database.events` FINAL (bot narrows to one directory's rows). */
export async function clickhouseFigures(ch: ClickHouseInstance, database = 'daybook', bot?: string): Promise<Figures & { rows: number }> {
  const where = bot === undefined ? '' : ` WHERE bot = '${bot}'`;
  const out = await ch.query(
    `SELECT uniqExact(event_id), sum(ifNull(pnl, 0)), sumIf(ifNull(latency_ms, 0), event_type = 'api_call'), countIf(event_type = 'api_call'), count() FROM ${database}.events FINAL${where} FORMAT TSV`,
  );
  const [events, pnl, latency, apiCalls, rows] = out.trim().split('\t').map(Number);
  return { events: events!, pnl: pnl!, latency: latency!, apiCalls: apiCalls!, rows: rows! };
}

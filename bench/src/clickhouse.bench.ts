// `npm run bench -- clickhouse`: a full report (trading + system + risk + symbols + errors)
// over N events held in ClickHouse (Debian's 18.16, started on loopback ports with
// packages/clickhouse's test harness) against the file analyzer's first report over the same
// events in their log directory (LogAnalyzer.getReport(), no segment index: cold), and whether
// every figure agrees to 1e-9.
//
// Data: analytics-gen.ts (daybook's logger, ~60 simulated days, rotated and gzipped files) in
// DAYBOOK_BENCH_CH_DIR (default .bench-data/clickhouse-<N>), N = DAYBOOK_BENCH_CH_EVENTS
// (default 10,000,000; generated if missing, ~820 bytes per event on disk). The audit.log
// family is shipped as a shipper would (rowOf over analytics' readLine, 50,000 rows per
// INSERT); shipping is timed but not compared. ClickHouse is queried while its background
// merges may still run: FINAL does the folding a merge would.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { BAD_LINE_KINDS, eventFiles, listLogFiles, LogAnalyzer, readLine, type BadLineCounts, type FullReport } from '@daybook/analytics';
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseAnalyzer, clientRunner, clickhouseTarget, connect, createSettings, createStatements, rowOf, type Row } from '@daybook/clickhouse';
import { clickhouseMissing, startClickHouse } from '../../packages/clickhouse/dist/test/server.js';
import { dirBytes, generate } from './analytics-gen.js';

const BATCH = 50_000;

/** Leaves of `a` and `b` that differ (numbers beyond relative 1e-9), as paths. */
function differences(a: unknown, b: unknown, path = '$', out: string[] = []): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.abs(a - b) > Math.max(1e-12, Math.abs(b) * 1e-9)) out.push(`${path}: ${a} vs ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: ${a.length} vs ${b.length} items`);
    else a.forEach((x, i) => differences(x, b[i], `${path}[${i}]`, out));
  } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) out.push(`${path}: keys ${ka.join()} vs ${kb.join()}`);
    else for (const k of ka) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
  } else if (a !== b) out.push(`${path}: ${String(a)} vs ${String(b)}`);
  return out;
}

/** Leaves of a report (figures compared). */
function leaves(x: unknown): number {
  if (Array.isArray(x)) return x.reduce((n: number, y) => n + leaves(y), 0);
  if (x !== null && typeof x === 'object') return Object.values(x).reduce((n: number, y) => n + leaves(y), 0);
  return 1;
}

/** Ships the audit.log family of `dir` (the files the file analyzer reads) into `url`. */
async function ship(dir: string, client: ClickHouseClient): Promise<number> {
  let rows: Row[] = [];
  let total = 0;
  // Through the client: it retires idle sockets before the server's keep-alive timeout (3 s on
  // 18.16), which a plain fetch would reuse after building a large batch, and fail (EPIPE).
  const flush = async () => {
    if (rows.length === 0) return;
    await client.insert({ table: 'daybook.events', values: rows, format: 'JSONEachRow' });
    total += rows.length;
    rows = [];
  };
  const bad = Object.fromEntries(BAD_LINE_KINDS.map((k) => [k, 0])) as unknown as BadLineCounts;
  for (const f of eventFiles(listLogFiles([dir]))) {
    const bytes = readFileSync(f.path);
    const text = (f.gz ? gunzipSync(bytes) : bytes).toString('utf8');
    const file = f.path.slice(f.path.lastIndexOf('/') + 1);
    let offset = 0;
    let at = 0;
    const sink = { bad, add: (o: Record<string, unknown>, ts: number) => rows.push(rowOf(o, ts, { bot: 'bench', host: 'h1', file, offset: at })), addAppLine: () => undefined };
    for (let i = 0; i < text.length; ) {
      let j = text.indexOf('\n', i);
      if (j < 0) j = text.length;
      const line = text.slice(i, j);
      at = offset;
      offset += Buffer.byteLength(line) + 1;
      if (line !== '') readLine(line, sink);
      if (rows.length >= BATCH) await flush();
      i = j + 1;
    }
  }
  await flush();
  return total;
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; s: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, s: (performance.now() - t0) / 1000 };
}

export async function main(): Promise<void> {
  const missing = clickhouseMissing();
  if (missing !== undefined) {
    process.stdout.write(`skipped: ${missing}\n`);
    return;
  }
  const n = Number(process.env.DAYBOOK_BENCH_CH_EVENTS ?? 10_000_000);
  const dir = process.env.DAYBOOK_BENCH_CH_DIR ?? `.bench-data/clickhouse-${n}`;
  if (!existsSync(dir)) {
    process.stdout.write(`generating ${dir} (~${n} events)...\n`);
    const g = await generate(dir, Math.ceil((n * 820) / 1048576));
    process.stdout.write(`  ${g.events} events, ${g.seconds.toFixed(0)} s\n`);
  }
  process.stdout.write(`${dir}: ${(dirBytes(dir) / 1048576).toFixed(0)} MiB on disk; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores\n`);

  const files = await timed(() => new LogAnalyzer(dir, { persist: false, cache: false }).getReport());
  process.stdout.write(`file analyzer, first report: ${files.s.toFixed(2)} s\n`);
  const ch = await startClickHouse();
  try {
    const settings = Object.entries(createSettings('18.16.1')).map(([k, v]) => `${k}=${v}`).join('&');
    for (const s of createStatements({ database: 'daybook' })) await fetch(`${ch.url}/?${settings}`, { method: 'POST', body: s }).then((r) => r.text());
    const client = connect(clickhouseTarget(ch.url), { requestTimeoutMs: 600_000 });
    const shipped = await timed(() => ship(dir, client));
    const analyzer = new ClickHouseAnalyzer(clientRunner(client));
    process.stdout.write(`shipped ${shipped.value} rows in ${shipped.s.toFixed(0)} s\n`);
    const first = await timed(() => analyzer.getReport());
    const repeat = await timed(() => analyzer.getReport());
    await client.close();
    const events = files.value.system_metrics.total_events;
    const trading = files.value.trading_metrics;
    process.stdout.write(`${events} events (${shipped.value} rows shipped in ${shipped.s.toFixed(0)} s, not compared), ${trading.total_trades} closed trades\n\n`);
    const pad = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(40) : c.padStart(14))).join('');
    process.stdout.write(pad(['full report', 'seconds', 'vs files']) + '\n');
    process.stdout.write(pad(['file analyzer, first report (cold)', files.s.toFixed(2), '1.00x']) + '\n');
    process.stdout.write(pad(['ClickHouse 18.16, first report', first.s.toFixed(2), `${(files.s / first.s).toFixed(2)}x`]) + '\n');
    process.stdout.write(pad(['ClickHouse 18.16, repeated', repeat.s.toFixed(2), `${(files.s / repeat.s).toFixed(2)}x`]) + '\n');
    const strip = (r: FullReport) => ({ ...r, bad_lines: undefined, read_problems: undefined });
    const diff = differences(strip(first.value), strip(files.value));
    process.stdout.write(`\nfigures ClickHouse vs files: ${leaves(strip(files.value)) - diff.length}/${leaves(strip(files.value))} agree to 1e-9${diff.length > 0 ? `; differ: ${diff.slice(0, 10).join('; ')}` : ''}\n`);
  } finally {
    await ch.destroy();
  }
}

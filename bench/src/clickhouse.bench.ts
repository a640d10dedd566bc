// `npm run bench -- clickhouse`: a full report (trading + system + risk + symbols + errors)
// over N events held in ClickHouse (Debian's 18.16, started on loopback ports with
// packages/clickhouse's test harness) against the file analyzer's first report over the same
// events in their log directory (LogAnalyzer.getReport(), no segment index: cold), and whether
// every figure agrees to 1e-9.
//
// Data: analytics-gen.ts (daybook's logger, ~60 simulated days, rotated and gzipped files) in
// DAYBOOK_BENCH_CH_DIR (default .bench-data/clickhouse-<N>), N = DAYBOOK_BENCH_CH_EVENTS
// (default 10,000,000; generated if missing, ~870 bytes per event written). The directory is
// shipped by daybook ship's Shipper (timed, not compared: `npm run bench -- ship` compares
// shipping). ClickHouse is queried while its background merges may still run: FINAL does the
// folding a merge would. The bench fails unless every figure of the first report equals the
// file analyzer's (1e-9) and the repeated report equals the first.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { LogAnalyzer, type FullReport } from '@daybook/analytics';
import { ClickHouseAnalyzer, clientRunner, clickhouseTarget, connect, Shipper } from '@daybook/clickhouse';
import { clickhouseMissing, startClickHouse } from '../../packages/clickhouse/dist/test/server.js';
import { dirBytes, generate } from './analytics-gen.js';

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

/** Ships `dir` into `url` with daybook ship's Shipper (the audit.log family: the files the file analyzer reads); positions of an earlier run removed first and after. */
async function ship(dir: string, url: string): Promise<number> {
  const positions = join(dir, '.daybook', 'ship');
  rmSync(positions, { recursive: true, force: true });
  const shipper = new Shipper({ dirs: [dir], target: clickhouseTarget(url), bot: 'bench', host: 'h1', requestTimeoutMs: 600_000 });
  try {
    return (await shipper.once()).events;
  } finally {
    await shipper.close();
    rmSync(positions, { recursive: true, force: true });
  }
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
    const g = await generate(dir, Math.ceil((n * 870) / 1048576));
    process.stdout.write(`  ${g.events} events, ${g.seconds.toFixed(0)} s\n`);
  }
  process.stdout.write(`${dir}: ${(dirBytes(dir) / 1048576).toFixed(0)} MiB on disk; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores\n`);

  const runs = Number(process.env.DAYBOOK_BENCH_CH_RUNS ?? 3);
  const ch = await startClickHouse();
  try {
    const shipped = await timed(() => ship(dir, ch.url));
    process.stdout.write(`shipped ${shipped.value} rows in ${shipped.s.toFixed(0)} s (daybook ship, not compared)\n`);
    const client = connect(clickhouseTarget(ch.url), { requestTimeoutMs: 600_000 });
    // The two alternate, `runs` times, so that they share the machine's load: the file
    // analyzer's first report each time (a new LogAnalyzer, no segment index: cold but for the
    // OS page cache), ClickHouse's report by a new ClickHouseAnalyzer (its first run also pays
    // for the server's cold caches).
    const strip = (r: FullReport) => ({ ...r, bad_lines: undefined, read_problems: undefined });
    const fileS: number[] = [];
    const chS: number[] = [];
    const loads: string[] = [];
    let reference: FullReport | undefined;
    for (let i = 0; i < runs; i++) {
      const load = loadavg()[0]!;
      const files = await timed(() => new LogAnalyzer(dir, { persist: false, cache: false }).getReport());
      const inCh = await timed(() => new ClickHouseAnalyzer(clientRunner(client)).getReport());
      fileS.push(files.s);
      chS.push(inCh.s);
      loads.push(`${load.toFixed(1)}-${loadavg()[0]!.toFixed(1)}`);
      process.stdout.write(`run ${i + 1} (load average ${loads[i]}): file analyzer ${files.s.toFixed(2)} s, ClickHouse ${inCh.s.toFixed(2)} s\n`);
      reference ??= files.value;
      const diff = differences(strip(inCh.value), strip(files.value));
      const n = leaves(strip(files.value));
      process.stdout.write(`  figures ClickHouse vs files: ${n - diff.length}/${n} agree to 1e-9${diff.length > 0 ? `; differ: ${diff.slice(0, 10).join('; ')}` : ''}\n`);
      if (diff.length > 0) throw new Error(`the report over ClickHouse differs from the files' in ${diff.length} of ${n} figures`);
    }
    await client.close();
    const median = (xs: number[]) => {
      const v = [...xs].sort((x, y) => x - y);
      return (v[(v.length - 1) >> 1]! + v[v.length >> 1]!) / 2;
    };
    const events = reference!.system_metrics.total_events;
    process.stdout.write(`\n${events} events, ${reference!.trading_metrics.total_trades} closed trades; ${runs} runs each, alternating (load average ${loads.join(', ')})\n`);
    const pad = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(40) : c.padStart(14))).join('');
    process.stdout.write(pad(['full report (median)', 'seconds', 'vs files']) + '\n');
    process.stdout.write(pad(['file analyzer, first report', median(fileS).toFixed(2), '1.00x']) + '\n');
    process.stdout.write(pad(['ClickHouse 18.16, new analyzer', median(chS).toFixed(2), `${(median(fileS) / median(chS)).toFixed(2)}x`]) + '\n');
    process.stdout.write(pad(['ClickHouse 18.16, run 1 (cold server)', chS[0]!.toFixed(2), `${(median(fileS) / chS[0]!).toFixed(2)}x`]) + '\n');
  } finally {
    await ch.destroy();
  }
}

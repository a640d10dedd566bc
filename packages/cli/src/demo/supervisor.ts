import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogAnalyzer } from '@daybook/analytics';
import { verify } from '@daybook/core';
import { startBroker } from './broker.js';
import { FLEET } from './fleet.js';
import { startDashboardServer, type RunningServer } from './server.js';
import { startDemoShipping, type DemoShipping } from './shipping.js';
import type { WorkerMessage, WorkerOptions } from './worker.js';
import { count, millis, money, percent, ratio } from '../format.js';

export interface DemoOptions {
  dir: string;
  seed: number;
  speed: number;
  days: number;
  /** The dashboard's port; when taken, a free one is used. */
  port: number;
  serve: boolean;
  /** Stop by itself after this many seconds. */
  duration?: number;
  /** Also ship the logs into ClickHouse (as `daybook ship`) and compute the dashboard's figures there. */
  clickhouse?: { url: string; database: string };
}

/** The CLI entry point the workers run (dist/bin.js). */
const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));
/** How long a worker gets to flush and close before it is killed. */
const STOP_TIMEOUT_MS = 20_000;

interface Worker {
  name: string;
  child: ChildProcess;
  files: string;
  exited: Promise<number | null>;
}

function spawnWorker(name: string, files: string, o: WorkerOptions): Worker {
  const args = ['demo', '--worker', name, '--dir', o.dir, '--seed', String(o.seed), '--speed', String(o.speed), '--days', String(o.days)];
  if (o.broker !== undefined) args.push('--broker', o.broker);
  const child = fork(BIN, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, files, exited };
}

/** Resolves with the worker's first message of a type, or rejects if it exits first. */
function whenMessage<T extends WorkerMessage['type']>(w: Worker, type: T): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMessage): void => {
      if (m?.type !== type) return;
      w.child.off('message', onMessage);
      resolve(m as Extract<WorkerMessage, { type: T }>);
    };
    w.child.on('message', onMessage);
    void w.exited.then((code) => reject(new Error(`${w.name} exited with code ${String(code)} before it was ready`)));
  });
}

const pnl = (n: number): string => money(n, { signed: true });

/** What a user types in another terminal: the directory as they would name it. */
function shown(dir: string): string {
  const r = relative(process.cwd(), dir);
  return r === '' ? '.' : r.startsWith('..') ? dir : r;
}

function historyLine(ready: Extract<WorkerMessage, { type: 'ready' }>, days: number, dir: string): string {
  const b = ready.backfill;
  if (b.skipped) return `history: ${dir} already has an audit log, backfill skipped (a new --dir starts over); trading on from equity ${money(ready.equity)}`;
  if (days === 0) return 'history: none asked for (--days 0)';
  return `history: ${b.days.length} trading day${b.days.length === 1 ? '' : 's'} (${b.days[0]} .. ${b.days.at(-1)}), ${count(b.trades)} trades, P&L ${pnl(b.pnl)}`;
}

/** The URL and what to try next. */
function nextSteps(say: (line?: string) => void, d: string, server: RunningServer | undefined, duration: number | undefined): void {
  say();
  if (server !== undefined) {
    say(`  Dashboard   ${server.url}${server.dashboard ? '' : '  (dashboard not built yet: the REST API answers)'}`);
    say(`  REST API    ${server.url}audit/trading_metrics   ${server.url}audit/daily_report`);
    say();
  }
  say('Try, in another terminal:');
  say(`  npx daybook report trading --dir ${d}     P&L, win rate, drawdown, Sharpe, by strategy and exit reason`);
  say(`  npx daybook report daily --dir ${d}       today's trading, system, risk and error figures`);
  say(`  npx daybook tail --dir ${d} --type trade_entry,trade_partial_exit,trade_exit   trades as they happen (every event without --type)`);
  say(`  npx daybook verify ${d}                   the hash chain of every audit file`);
  say(`  tail -f ${d}/jit-mm-swift.log             a fleet app's own log`);
  say(duration === undefined ? 'Ctrl-C stops everything: every process flushes and closes, then the chain is verified.' : `Stops by itself after ${duration} s of live trading.`);
  say();
}

/**
 * `daybook demo`: the broker simulator, the DayBot and the Drift fleet as processes, the
 * server with the dashboard; on Ctrl-C (or after --duration) every worker flushes and
 * closes, then the hash chain of the directory is verified.
 */
export async function runDemo(o: DemoOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const dir = resolve(o.dir);
  mkdirSync(dir, { recursive: true });
  const say = (line = ''): void => void out.write(`${line}\n`);
  const started = performance.now();
  // ClickHouse first: a wrong URL or password ends the demo before any process starts.
  let shipping: DemoShipping | undefined;
  if (o.clickhouse !== undefined) {
    const s = await startDemoShipping(dir, o.clickhouse, say);
    if (typeof s === 'number') return s;
    shipping = s;
  }
  // The daybot worker backfills only a directory without an audit log (worker.ts): looked at before it starts.
  const backfills = o.days > 0 && !existsSync(join(dir, 'audit.log'));
  const broker = await startBroker(o.seed);
  const common: WorkerOptions = { dir, seed: o.seed, speed: o.speed, days: o.days };
  const workers = [
    spawnWorker('daybot', 'audit.log trades.log system.log errors.log performance.log', { ...common, broker: broker.url }),
    ...FLEET.map((app) => spawnWorker(app, `${app}.log`, common)),
  ];
  const daybot = workers[0]!;
  const minutesPerDay = 390 / o.speed;
  say(`daybook demo: seed ${o.seed}, ${o.speed}x (a trading day every ${minutesPerDay < 1 ? `${Math.round(minutesPerDay * 60)} s` : `${minutesPerDay.toFixed(1)} min`}), logging into ${dir}`);
  if (backfills) say(`  backfilling ${o.days} trading day${o.days === 1 ? '' : 's'} of history...`);

  let stop: (why: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
    process.once('SIGINT', () => resolve('Ctrl-C'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  let server: RunningServer | undefined;
  let failed = false;
  try {
    const readyMessage = whenMessage(daybot, 'ready');
    readyMessage.catch(() => {}); // stopped before the history was written: the worker's exit is handled below
    const ready = await Promise.race([readyMessage, stopped.then(() => undefined)]);
    if (ready === undefined) {
      say(`stopping (${await stopped}) while the history is written: asking ${workers.length} processes to flush and close...`);
    } else {
      say(`  ${historyLine(ready, o.days, shown(dir))} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      for (const w of workers) say(`  ${w.name.padEnd(13)} pid ${String(w.child.pid).padEnd(7)} ${w.files}`);
      say(`  ${'broker'.padEnd(13)} ${broker.url} (simulated: long latency tail, 429s and 5xxs)`);
      shipping?.follow();
      if (o.serve) server = await serve(dir, o.port, say, shipping?.fleet);
      nextSteps(say, shown(dir), server, o.duration);
      daybot.child.on('message', (m: WorkerMessage) => {
        if (m?.type === 'day') say(`  session closed ${m.summary.date}: ${count(m.summary.trades)} trades, P&L ${pnl(m.summary.pnl)}, equity ${money(m.summary.equity)}${m.summary.halted ? ' (daily loss limit hit)' : ''}`);
      });
      for (const w of workers) void w.exited.then((code) => code !== 0 && stop(`${w.name} exited with ${String(code)}`));
      // Counted from here, once the history is written, so that a loaded machine still gets a live run.
      if (o.duration !== undefined) setTimeout(() => stop(`--duration ${o.duration}`), o.duration * 1000).unref();
      const why = await stopped;
      say(`stopping (${why}): asking ${workers.length} processes to flush and close...`);
    }
  } catch (e) {
    failed = true;
    say(`daybook demo: ${(e as Error).message}; stopping`);
  } finally {
    const codes = await stopWorkers(workers);
    for (const [i, w] of workers.entries()) {
      if (codes[i] === 0) continue;
      failed = true;
      say(`  ${w.name} exited with ${String(codes[i])}`);
    }
    await server?.close();
    await broker.close();
    // After the workers closed their logs: the last lines too, acknowledged by ClickHouse.
    if (shipping !== undefined && !(await shipping.finish())) failed = true;
  }
  say(`${shown(dir)} now holds:`);
  await summary(dir, say);
  const result = await verify(dir);
  const logs = result.files.filter((f) => f.chained !== false && !f.file.startsWith('.daybook/'));
  const lines = logs.reduce((n, f) => n + f.lines, 0);
  if (result.ok) {
    say(`verify ${shown(dir)}: ok, ${logs.length} log files, ${count(lines)} hash-chained lines intact`);
    return failed ? 1 : 0;
  }
  say(`verify ${shown(dir)}: DAMAGED`);
  for (const p of result.problems) say(`  ${p.file}:${p.line} ${p.kind}: ${p.message}`);
  return 1;
}

/** Everything the directory holds, in three lines (the analyzer over all files). */
async function summary(dir: string, say: (line: string) => void): Promise<void> {
  const r = await new LogAnalyzer(dir).getReport();
  const t = r.trading_metrics;
  const s = r.system_metrics;
  const k = r.risk_metrics;
  say(`  trading  ${count(t.total_trades)} trades, win rate ${percent(t.win_rate, 1)}, P&L ${pnl(t.net_pnl)} after ${money(t.total_fees)} fees, max drawdown ${money(t.max_drawdown)}, profit factor ${ratio(t.profit_factor)}`);
  say(`  system   ${count(s.api_calls)} API calls (p50 ${millis(s.p50_api_latency)}, p99 ${millis(s.p99_api_latency)}), ${count(s.rate_limit_hits)} rate limits, ${count(s.api_errors)} API errors, ${count(s.error_count)} errors`);
  say(`  risk     ${count(k.risk_limit_hits)} limits hit, ${count(k.portfolio_heat_warnings)} heat warnings, ${count(k.daily_loss_limit_hits)} daily loss limit${k.daily_loss_limit_hits === 1 ? '' : 's'}`);
}

async function serve(dir: string, port: number, say: (line: string) => void, fleet?: DemoShipping['fleet']): Promise<RunningServer | undefined> {
  try {
    return await startDashboardServer(dir, port, fleet);
  } catch (e) {
    if (port === 0) throw e;
    say(`  port ${port} is taken (${(e as Error).message}); using a free port`);
    return startDashboardServer(dir, 0, fleet);
  }
}

/** Asks every worker to stop, waits for all; a worker that does not exit in time is killed. */
async function stopWorkers(workers: readonly Worker[]): Promise<(number | null)[]> {
  for (const w of workers) {
    if (w.child.exitCode === null && w.child.connected) w.child.send('stop');
  }
  return Promise.all(
    workers.map(async (w) => {
      const timer = setTimeout(() => w.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await w.exited;
      clearTimeout(timer);
      return code;
    }),
  );
}

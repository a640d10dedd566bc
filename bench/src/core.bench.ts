// Caller-side cost of one trade-entry log call with metadata: what the bot's hot path pays.
// daybook, pino (async sonic-boom destination, and as a transport) and winston (File
// transport) log the same fields to a file in the same process, one after another, with the
// event loop given a turn every 100 calls (untimed) so that their writers drain as they would
// in a running bot.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { AuditLogger } from '@daybook/core';
import { pino } from 'pino';
import winston from 'winston';
import { transportEnd } from './pino-transport.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const BATCH = 100;

interface Subject {
  name: string;
  log(i: number): void;
  close(): Promise<void>;
  file: string;
}

const metadata = { stop_loss: 145.0, take_profit: 160.0, entry_reason: 'breakout_above_resistance', technical_indicators: { rsi: 65.2, macd: 1.25, volume_ratio: 2.1 } };

function daybook(dir: string): Subject {
  const audit = new AuditLogger({ logDir: dir, sessionId: 'bench', environment: 'bench', consoleLevel: false });
  return {
    name: 'daybook',
    file: join(dir, 'audit.log'),
    log: (i) => void audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 100 + (i & 7), price: 150.25, orderId: 'order_123', strategyName: 'momentum', riskPercent: 0.01, metadata }),
    close: () => audit.close(),
  };
}

const pinoTrade = (logger: { info(fields: object, msg: string): void }) => (i: number): void => {
  const quantity = 100 + (i & 7);
  logger.info({ event_type: 'trade_entry', component: 'trading', symbol: 'AAPL', side: 'buy', quantity, price: 150.25, order_id: 'order_123', strategy_name: 'momentum', risk_percent: 0.01, metadata }, `Trade entry: buy ${quantity} AAPL @ $150.25`);
};

/** pino with its file written by a worker thread: the call serializes and copies the line into shared memory. */
function pinoTransportSubject(dir: string): Subject {
  const file = join(dir, 'pino.log');
  const transport = pino.transport({ target: 'pino/file', options: { destination: file } });
  const logger = pino({ base: { session_id: 'bench', environment: 'bench' } }, transport);
  return {
    name: 'pino (transport)',
    file,
    log: pinoTrade(logger),
    close: () => transportEnd(transport),
  };
}

function pinoSubject(dir: string): Subject {
  const file = join(dir, 'pino.log');
  const dest = pino.destination({ dest: file, sync: false, minLength: 4096 });
  const logger = pino({ base: { session_id: 'bench', environment: 'bench' } }, dest);
  return {
    name: 'pino',
    file,
    log: pinoTrade(logger),
    close: () => new Promise((resolve) => { dest.flushSync(); dest.end(); dest.once('close', () => resolve()); }),
  };
}

function winstonSubject(dir: string): Subject {
  const file = join(dir, 'winston.log');
  const logger = winston.createLogger({ format: winston.format.combine(winston.format.timestamp(), winston.format.json()), defaultMeta: { session_id: 'bench', environment: 'bench' }, transports: [new winston.transports.File({ filename: file })] });
  return {
    name: 'winston',
    file,
    log: (i) => {
      const quantity = 100 + (i & 7);
      logger.info(`Trade entry: buy ${quantity} AAPL @ $150.25`, { event_type: 'trade_entry', component: 'trading', symbol: 'AAPL', side: 'buy', quantity, price: 150.25, order_id: 'order_123', strategy_name: 'momentum', risk_percent: 0.01, metadata });
    },
    close: () => new Promise((resolve) => { logger.on('finish', () => setTimeout(resolve, 200)); logger.end(); }),
  };
}

/** One round of one subject: caller-side ns per call, and bytes written per line. */
async function round(make: (dir: string) => Subject): Promise<{ name: string; ns: number; bytesPerLine: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-bench-'));
  const s = make(dir);
  let ns = 0n;
  for (let i = 0; i < CALLS; i += BATCH) {
    const t0 = process.hrtime.bigint();
    for (let j = i; j < i + BATCH; j++) s.log(j);
    ns += process.hrtime.bigint() - t0;
    await turn();
  }
  await s.close();
  const bytes = readdirSync(dir).filter((f) => f.startsWith(basename(s.file))).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  rmSync(dir, { recursive: true, force: true });
  return { name: s.name, ns: Number(ns) / CALLS, bytesPerLine: bytes / CALLS };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(): Promise<void> {
  // Rounds alternate between the loggers so that a busy machine slows all of them alike;
  // round 0 only warms the JIT.
  const subjects = [daybook, pinoSubject, pinoTransportSubject, winstonSubject];
  const samples = new Map<string, { ns: number[]; bytes: number }>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const make of subjects) {
      const res = await round(make);
      if (r === 0) continue;
      const entry = samples.get(res.name) ?? { ns: [], bytes: 0 };
      entry.ns.push(res.ns);
      entry.bytes = res.bytesPerLine;
      samples.set(res.name, entry);
    }
  }
  const results = [...samples].map(([name, v]) => ({ name, nsPerCall: median(v.ns), bytesPerLine: v.bytes }));
  const pinoNs = results.find((r) => r.name === 'pino')!.nsPerCall;
  process.stdout.write(`logTradeEntry with metadata, caller-side cost, median of ${ROUNDS - 1} rounds of ${CALLS.toLocaleString('en')} calls (node ${process.version})\n\n`);
  process.stdout.write('| logger | ns per call | calls/s | x pino cost | bytes on disk per line |\n|---|---:|---:|---:|---:|\n');
  for (const r of results) {
    process.stdout.write(`| ${r.name} | ${r.nsPerCall.toFixed(0)} | ${Math.round(1e9 / r.nsPerCall).toLocaleString('en')} | ${(r.nsPerCall / pinoNs).toFixed(2)} | ${r.bytesPerLine.toFixed(0)} |\n`);
  }
  process.stdout.write('\nTarget: daybook at most 0.5x pino (its file destination; the transport row is for reference). daybook writes more per line (event_id, logger, session, environment, hash link) and gzips rotated files, hence fewer bytes on disk; winston defers formatting to its stream, off the timed call.\n');
}

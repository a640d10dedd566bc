import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LogAnalyzer } from '@daybook/analytics';
import { AuditLogger, setupCriticalLogging } from '@daybook/core';
import { backfill, tradingDays } from './backfill.js';
import { BrokerClient, httpTransport } from './broker-client.js';
import { DayBot, STARTING_EQUITY, type DaySummary } from './daybot.js';
import { FleetSim, type FleetApp } from './fleet.js';
import { EQUITIES, Market, SESSION_MINUTES } from './market.js';
import { createRandom, round, seedOf } from './random.js';
import { instrumentedFetch } from './server.js';

export interface WorkerOptions {
  dir: string;
  seed: number;
  /** Simulated minutes per real minute. */
  speed: number;
  days: number;
  /** The simulated broker's base URL (daybot only). */
  broker?: string;
}

/** Messages a worker sends to the supervisor over the IPC channel. */
export type WorkerMessage =
  | { type: 'ready'; backfill: { days: string[]; trades: number; pnl: number; skipped: boolean }; equity: number }
  | { type: 'day'; summary: DaySummary };

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** Lets the process exit: the IPC channel would keep it alive. */
function done(): number {
  if (process.connected) process.disconnect();
  return 0;
}

/**
 * Resolves when the worker should stop: the supervisor says so, the supervisor is gone, or
 * a signal arrives (Ctrl-C in a terminal reaches the whole process group).
 */
function stopRequest(): { readonly stopped: boolean; wait: (ms: number) => Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('message', (m) => m === 'stop' && stop());
  process.on('disconnect', stop);
  return {
    get stopped() {
      return stopped;
    },
    /** Sleeps, or returns at once when a stop arrives. */
    wait: (ms) =>
      new Promise<void>((resolve) => {
        if (stopped || ms <= 0) return resolve();
        const t = setTimeout(done, ms);
        function done(): void {
          clearTimeout(t);
          wake = undefined;
          resolve();
        }
        wake = done;
      }),
  };
}

/**
 * Real time for simulated minutes: `delay(n)` is how long to wait until n more minutes are
 * due. A late minute (a slow broker reply) moves the schedule instead of being caught up
 * on in a burst.
 */
function pacer(speed: number): (minutes?: number) => number {
  const msPerMinute = 60_000 / speed;
  let due = performance.now();
  return (minutes = 1) => {
    due = Math.max(due + minutes * msPerMinute, performance.now());
    return due - performance.now();
  };
}

/** The DayBot process: backfills the past days, then trades compressed sessions until stopped. */
export async function runDaybot(o: WorkerOptions): Promise<number> {
  if (o.broker === undefined) throw new Error('the daybot worker needs --broker URL');
  const brokerUrl = o.broker;
  const stop = stopRequest();
  const market = new Market(EQUITIES, createRandom(seedOf(o.seed, 'equities')));
  const random = createRandom(seedOf(o.seed, 'daybot'));
  const days = tradingDays(Date.now(), o.days);
  // A directory with an audit log already: no history is made, and the bot trades on from
  // where its logs leave it (its books pay what the logs record: daybot.ts COMMISSION), not
  // from a fresh $100,000.
  const existing = existsSync(join(o.dir, 'audit.log'));
  const equity = existing ? round(STARTING_EQUITY + (await new LogAnalyzer(o.dir).getTradingMetrics()).net_pnl) : STARTING_EQUITY;
  const makeBot = (audit: AuditLogger, broker: BrokerClient): DayBot => new DayBot({ audit, broker, market, random, equity });
  const skipped = days.length > 0 && existing;
  const past = skipped ? { summaries: [], bot: undefined } : await backfill({ dir: o.dir, seed: o.seed, days, makeBot });
  send({ type: 'ready', backfill: { days: skipped ? [] : days, trades: past.summaries.reduce((n, d) => n + d.trades, 0), pnl: past.summaries.reduce((n, d) => n + d.pnl, 0), skipped }, equity });

  // A session per run (uptime is per session), named like the backfilled ones.
  const started = new Date().toISOString();
  const sessionId = `daybot_${started.slice(0, 10).replaceAll('-', '')}_${started.slice(11, 19).replaceAll(':', '')}_live`;
  const audit = new AuditLogger({ logDir: o.dir, sessionId, environment: 'demo', consoleLevel: false });
  const broker = new BrokerClient(httpTransport(brokerUrl, instrumentedFetch(audit)), 'daybot-live');
  const bot = past.bot?.reattach(audit, broker) ?? makeBot(audit, broker);
  const today = new Date().toISOString().slice(0, 10);
  const delay = pacer(o.speed);
  for (let session = 1; !stop.stopped; session++) {
    await bot.openMarket(`${today} (session ${session})`);
    for (let m = 1; m <= SESSION_MINUTES && !stop.stopped; m++) {
      await stop.wait(delay());
      if (!stop.stopped) await bot.bar();
    }
    if (stop.stopped) break;
    send({ type: 'day', summary: await bot.closeMarket() });
    // The night: a few simulated minutes of quiet before the next session.
    await stop.wait(delay(5));
  }
  await bot.shutdown();
  await audit.close();
  return done();
}

/** A Drift fleet app: its own `<app>.log`, one simulated minute per tick, until stopped. */
export async function runFleetApp(name: FleetApp, o: WorkerOptions): Promise<number> {
  const stop = stopRequest();
  const log = setupCriticalLogging(name, { logDir: o.dir, enableConsoleLogging: false });
  log.info(`${name} starting`);
  const sim = new FleetSim(name, o.seed, log);
  const delay = pacer(o.speed);
  while (!stop.stopped) {
    await stop.wait(delay());
    if (!stop.stopped) sim.tick();
  }
  log.info(`${name} shutting down: flushing logs`);
  await log.close();
  return done();
}

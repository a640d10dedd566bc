import type { AppLogger } from '@daybook/core';
import { Market, PERPS } from './market.js';
import { createRandom, normal, pick, round, seedOf, type Random } from './random.js';
import { ema } from './strategy.js';

/** The Drift-like fleet: critical apps of the Drift summary, each a process with its own `<app>.log`. */
export const FLEET = ['jit-mm-swift', 'hedge-bot', 'trend-bot', 'orchestrator', 'risk-manager'] as const;
export type FleetApp = (typeof FLEET)[number];

export function isFleetApp(name: string): name is FleetApp {
  return (FLEET as readonly string[]).includes(name);
}

interface Context {
  log: AppLogger;
  random: Random;
  market: Market;
  /** Minutes since the app started (1 on the first tick). */
  tick: number;
}

/** One app: its per-minute behaviour, with its state in the closure. */
type App = (c: Context) => void;

const RPCS = ['rpc-helius-1', 'rpc-triton-2', 'rpc-quicknode-1'];

function marketMaker(): App {
  const inventory = new Map<string, number>();
  let orders = 0;
  return ({ log, random, market, tick }) => {
    for (const { symbol } of PERPS) {
      const mid = market.price(symbol);
      const spreadBps = round(4 + market.volatility(symbol) * 1e4 * 3, 1);
      const inv = inventory.get(symbol) ?? 0;
      if (tick % 15 === 0) log.debug(`Quotes ${symbol}: bid ${round(mid * (1 - spreadBps / 2e4))} ask ${round(mid * (1 + spreadBps / 2e4))} spread ${spreadBps}bps skew ${round(-inv / 100, 3)}`);
      if (random() < 0.3) {
        const id = 100_000 + ++orders;
        const side = random() < 0.5 + Math.max(-0.3, Math.min(0.3, -inv / 200)) ? 'bid' : 'ask';
        const size = round(symbol === 'BTC-PERP' ? 0.01 + random() * 0.2 : 1 + random() * 40, 3);
        const next = round(inv + (side === 'bid' ? size : -size), 3);
        inventory.set(symbol, next);
        log.info(`Processing order ${id} for ${symbol}`);
        log.info(`Filled ${side} ${size} ${symbol} @ ${round(mid * (1 + (side === 'bid' ? -1 : 1) * spreadBps / 2e4))}, inventory ${next}`);
        const limit = symbol === 'BTC-PERP' ? 1.5 : 150;
        if (Math.abs(next) > limit) log.warning(`Inventory ${next} ${symbol} above limit ${limit}: skewing quotes`);
      }
    }
    if (random() < 0.01) log.warning(`RPC slot lag ${Math.round(8 + random() * 40)} slots on ${pick(random, RPCS)}, switching RPC`);
    if (random() < 0.003) log.error(`Swift order ${100_000 + orders} rejected: auction expired before fill (slot ${280_000_000 + tick * 150})`);
  };
}

function hedger(): App {
  let delta = 0;
  return ({ log, random, market, tick }) => {
    delta += normal(random) * 6;
    if (tick % 5 === 0) {
      if (Math.abs(delta) > 20) {
        log.info(`Delta exposure ${round(delta, 1)} SOL; hedging ${round(-delta, 1)} on SOL-PERP @ ${round(market.price('SOL-PERP'))}`);
        if (random() < 0.05) log.warning(`Hedge order partially filled: ${round(Math.abs(delta) * 0.6, 1)} of ${round(Math.abs(delta), 1)} SOL, retrying the rest`);
        delta = 0;
      } else {
        log.debug(`Delta within band (${round(delta, 1)} SOL), no hedge`);
      }
    }
    if (tick % 60 === 0) for (const { symbol } of PERPS) log.info(`Funding rate ${symbol}: ${round(normal(random) * 0.004, 5)}% per hour`);
    if (random() < 0.002) log.error('Hedge leg failed: SOL-PERP hedge not acknowledged within 5000ms');
  };
}

function trendFollower(): App {
  const position = new Map<string, { side: 'LONG' | 'SHORT'; entry: number; size: number }>();
  let pnl = 0;
  return ({ log, random, market }) => {
    for (const { symbol } of PERPS) {
      const closes = market.closes(symbol).slice(-90);
      if (closes.length < 60) continue;
      const up = ema(closes, 9) > ema(closes, 30);
      const was = ema(closes.slice(0, -1), 9) > ema(closes.slice(0, -1), 30);
      if (up === was) continue;
      const price = market.price(symbol);
      const open = position.get(symbol);
      if (open !== undefined) {
        const p = round((price - open.entry) * open.size * (open.side === 'LONG' ? 1 : -1));
        pnl = round(pnl + p);
        log.info(`Closed ${open.side} ${symbol} @ ${round(price)}: P&L $${p.toFixed(2)} (session $${pnl.toFixed(2)})`);
      }
      const side = up ? 'LONG' : 'SHORT';
      const size = round((5000 / price) * (0.5 + random()), 4);
      log.info(`Signal ${side} ${symbol}: ema9 crossed ${up ? 'above' : 'below'} ema30`);
      log.info(`Opened ${side} ${size} ${symbol} @ ${round(price)}`);
      position.set(symbol, { side, entry: price, size });
    }
    if (random() < 0.003) log.error('Order placement failed: no response from order-management within 5000ms');
  };
}

function orchestrator(): App {
  const bots = ['jit-mm-swift', 'hedge-bot', 'trend-bot', 'risk-manager'];
  return ({ log, random, tick }) => {
    if (tick === 1) log.info(`Starting bots: ${bots.join(', ')}`);
    if (tick % 10 === 0) {
      if (random() < 0.06) log.warning(`${pick(random, bots)} heartbeat late (${round(2 + random() * 6, 1)}s)`);
      else log.info(`Heartbeat: ${bots.length}/${bots.length} bots healthy`);
    }
    if (tick % 120 === 0) {
      const mm = Math.round(30 + random() * 20);
      const trend = Math.round(20 + random() * 20);
      log.info(`Rebalanced allocations: jit-mm-swift ${mm}%, trend-bot ${trend}%, hedge-bot ${100 - mm - trend}%`);
    }
    if (random() < 0.0015) {
      const bot = pick(random, bots);
      log.error(`${bot} missed 3 heartbeats, restarting`);
      log.info(`${bot} restarted (attempt 1)`);
    }
  };
}

function riskManager(): App {
  let leverage = 2;
  let paused = false;
  let collateral = 250_000;
  return ({ log, random, tick }) => {
    leverage = Math.max(0.5, leverage + normal(random) * 0.12 + (2 - leverage) * 0.03);
    collateral = round(collateral * (1 + normal(random) * 0.001));
    if (tick % 5 !== 0) return;
    const margin = round(1 / leverage, 3);
    log.info(`Margin ratio ${margin} (${margin > 0.25 ? 'ok' : 'low'}), leverage ${round(leverage, 2)}x, free collateral $${collateral.toFixed(2)}`);
    if (leverage > 5 && !paused) {
      paused = true;
      log.critical(`Circuit breaker tripped: leverage ${round(leverage, 2)}x above 5.0x, pausing new orders fleet-wide`);
    } else if (leverage > 4) {
      log.warning(`Leverage ${round(leverage, 2)}x above 4.0x: reducing trend-bot size by 25%`);
    } else if (paused && leverage < 3) {
      paused = false;
      log.info(`Leverage back to ${round(leverage, 2)}x: circuit breaker reset, orders resumed`);
    }
  };
}

const APPS: Readonly<Record<FleetApp, () => App>> = {
  'jit-mm-swift': marketMaker,
  'hedge-bot': hedger,
  'trend-bot': trendFollower,
  orchestrator,
  'risk-manager': riskManager,
};

/**
 * A fleet app's simulation: `tick()` is one simulated minute. Every app with the same seed
 * sees the same perpetual prices; each has its own random stream.
 */
export class FleetSim {
  private readonly app: App;
  private readonly context: Context;

  constructor(name: FleetApp, seed: number, log: AppLogger) {
    this.app = APPS[name]();
    this.context = { log, random: createRandom(seedOf(seed, name)), market: new Market(PERPS, createRandom(seedOf(seed, 'perps'))), tick: 0 };
    // A warm-up hour of prices so the trend signals have history from the start.
    for (let i = 0; i < 60; i++) this.context.market.step();
  }

  tick(): void {
    this.context.tick++;
    this.context.market.step();
    this.app(this.context);
  }
}

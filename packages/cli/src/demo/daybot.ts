import { EventType, type AuditLogger } from '@daybook/core';
import { BrokerError, type BrokerClient } from './broker-client.js';
import type { Market } from './market.js';
import { round, type Random } from './random.js';
import { checkEntry, dailyLossHit, DEFAULT_LIMITS, portfolioHeat, positionSize, type RiskLimits } from './risk.js';
import { STRATEGIES, type Side, type Signal, type Strategy } from './strategy.js';

/**
 * Commission per share and fill (a US broker's tiered rate), logged as each fill's `fee`: the
 * logged P&L is before fees, as the analyzer's net_pnl expects; the bot's own equity pays
 * them, each fill's logged fee when the fill is made, so that its books (the history and
 * session lines, the equity) and the report's net_pnl agree to the cent.
 */
const COMMISSION = 0.0035;

/** The equity a bot starts with in a new directory. */
export const STARTING_EQUITY = 100_000;
/** A position still open after this many minutes is closed. */
const TIME_STOP_MINUTES = 90;
/** Minutes a symbol is left alone after a position on it is closed, and the least a position is held before a signal exit. */
const COOLDOWN_MINUTES = 30;
const MIN_HOLD_MINUTES = 10;
/** Every this many minutes: health check, scan summary, performance figures. */
const HEARTBEAT = 30;

interface Position {
  /** The position id the audit logger gave the entry; every later event of the position passes it. */
  id: string;
  symbol: string;
  side: Side;
  strategy: Strategy;
  quantity: number;
  entry: number;
  stop: number;
  target: number;
  /** Entry minus stop, per share, at entry. */
  risk: number;
  openedMinute: number;
  scaledOut: boolean;
}

interface Day {
  date: string;
  startEquity: number;
  pnl: number;
  trades: number;
  wins: number;
  halted: boolean;
  brokerFailures: number;
}

export interface DaySummary {
  date: string;
  trades: number;
  wins: number;
  pnl: number;
  equity: number;
  halted: boolean;
}

export interface DayBotOptions {
  audit: AuditLogger;
  broker: BrokerClient;
  /** The equities the bot trades. */
  market: Market;
  random: Random;
  equity?: number;
  limits?: RiskLimits;
}

/** The commission of one fill. */
const fee = (quantity: number): number => round(COMMISSION * quantity, 4);

class MarketDataError extends Error {
  override name = 'MarketDataError';
}
class ReconciliationError extends Error {
  override name = 'ReconciliationError';
}

/**
 * The DayBot: a day trader over US equities that logs everything it does through the
 * audit logger, as the DayBot guide shows. Call `openMarket`, then `bar` once per simulated
 * minute, then `closeMarket`. Every decision comes from the market and the seeded random
 * source, never from the clock.
 */
export class DayBot {
  equity: number;
  private audit: AuditLogger;
  private broker: BrokerClient;
  private readonly market: Market;
  private readonly random: Random;
  private readonly limits: RiskLimits;
  private readonly positions = new Map<string, Position>();
  /** The minute each symbol's last position was closed. */
  private readonly closedAt = new Map<string, number>();
  private minute = 0;
  private day: Day | undefined;

  constructor(o: DayBotOptions) {
    this.audit = o.audit;
    this.broker = o.broker;
    this.market = o.market;
    this.random = o.random;
    this.equity = o.equity ?? STARTING_EQUITY;
    this.limits = o.limits ?? DEFAULT_LIMITS;
  }

  /** A new session (a restart): the same book and market, a new logger and broker connection. */
  reattach(audit: AuditLogger, broker: BrokerClient): this {
    this.audit = audit;
    this.broker = broker;
    return this;
  }

  async openMarket(date: string): Promise<void> {
    this.market.openSession();
    this.day = { date, startEquity: this.equity, pnl: 0, trades: 0, wins: 0, halted: false, brokerFailures: 0 };
    void this.audit.logSystemEvent(EventType.MARKET_STATUS, `Market open: regular session ${date}`, {
      portfolioValue: round(this.equity),
      metadata: { status: 'open', session: 'regular', date, symbols: this.market.symbols },
    });
    await this.call(() => this.broker.getAccount(), 'account check');
    this.healthCheck();
  }

  /** One simulated minute: prices move, positions are managed, new entries are considered. */
  async bar(): Promise<void> {
    const day = this.day;
    if (day === undefined) throw new Error('bar() before openMarket()');
    this.minute++;
    this.market.step();
    const stale = new Set<string>();
    for (const symbol of this.market.symbols) {
      try {
        this.quote(symbol);
      } catch (e) {
        stale.add(symbol);
        void this.audit.logError(`Market data stale for ${symbol}, skipping this bar`, 'market_data', { error: e, symbol, metadata: { feed: 'sip', lag_ms: Math.round(2000 + this.random() * 8000) } });
      }
    }
    for (const p of [...this.positions.values()]) if (!stale.has(p.symbol)) await this.manage(p);
    for (const symbol of this.market.symbols) {
      if (stale.has(symbol) || this.positions.has(symbol) || this.minute - (this.closedAt.get(symbol) ?? -Infinity) < COOLDOWN_MINUTES) continue;
      for (const strategy of STRATEGIES) {
        const signal = this.evaluate(strategy, symbol);
        if (signal === undefined) continue;
        await this.consider(symbol, strategy, signal);
        break;
      }
    }
    if (this.minute % 10 === 0) await this.reconcile();
    if (this.minute % HEARTBEAT === 0) this.heartbeat();
  }

  /** Closes what is open (end_of_day) and logs the session's close. */
  async closeMarket(): Promise<DaySummary> {
    const day = this.day!;
    await this.flatten('end_of_day');
    const winRate = day.trades === 0 ? 0 : day.wins / day.trades;
    void this.audit.logSystemEvent(EventType.MARKET_STATUS, `Market closed: ${day.trades} trades, P&L $${day.pnl.toFixed(2)}`, {
      portfolioValue: round(this.equity),
      dailyPnl: round(day.pnl),
      metadata: { status: 'closed', date: day.date, trades: day.trades, win_rate: round(winRate, 4), halted: day.halted },
    });
    void this.audit.logPerformanceMetric('daily_pnl', round(day.pnl), 'USD', { level: 'INFO' });
    this.day = undefined;
    return { date: day.date, trades: day.trades, wins: day.wins, pnl: round(day.pnl), equity: round(this.equity), halted: day.halted };
  }

  /** Shutdown in the middle of a session: positions are closed so nothing is left open. */
  async shutdown(): Promise<void> {
    if (this.day === undefined) return;
    void this.audit.logSystemEvent(EventType.SYSTEM_STOP, 'Shutdown requested: closing open positions', { level: 'WARNING', metadata: { open_positions: this.positions.size } });
    await this.flatten('shutdown');
  }

  // ---- market data and strategies ------------------------------------------------------

  private quote(symbol: string): number {
    if (this.random() < 0.0008) throw new MarketDataError(`no quote update for ${symbol} in the last ${Math.round(3 + this.random() * 9)}s`);
    return this.market.price(symbol);
  }

  private evaluate(strategy: Strategy, symbol: string): Signal | undefined {
    try {
      if (this.random() < 0.00015) throw new TypeError(`Cannot read properties of undefined (reading 'close'): bar ${this.minute} of ${symbol}`);
      return strategy.entry(this.market.closes(symbol));
    } catch (e) {
      void this.audit.logError(`Strategy ${strategy.name} failed on ${symbol}`, 'strategy_engine', { error: e, symbol, metadata: { strategy: strategy.name } });
      return undefined;
    }
  }

  // ---- entries ------------------------------------------------------------------------

  private async consider(symbol: string, strategy: Strategy, signal: Signal): Promise<void> {
    const day = this.day!;
    const price = this.market.price(symbol);
    void this.audit.logStrategyEvent(EventType.ENTRY_SIGNAL, `${strategy.name}: ${signal.reason.replaceAll('_', ' ')} on ${symbol}`, strategy.name, {
      symbol,
      side: signal.side,
      price: round(price),
      metadata: { score: round(signal.score, 3), reason: signal.reason, indicators: signal.indicators },
    });
    if (day.halted) return;
    // The symbol's typical two-hour move: stops and targets are multiples of it.
    const range = price * this.market.volatility(symbol) * Math.sqrt(120);
    const dir = signal.side === 'buy' ? 1 : -1;
    const stop = price - dir * strategy.stopRanges * range;
    const size = positionSize({ equity: this.equity, entry: price, stop, limits: this.limits });
    void this.audit.logRiskEvent(EventType.POSITION_SIZE_CALCULATED, `Position size for ${symbol}: ${size.quantity} shares`, {
      level: 'INFO',
      symbol,
      quantity: size.quantity,
      riskPercent: this.limits.riskPerTrade,
      portfolioValue: round(this.equity),
      metadata: { entry: round(price), stop: round(stop), risk_amount: round(size.riskAmount), uncapped_quantity: size.uncappedQuantity, strategy: strategy.name },
    });
    if (size.capped) {
      void this.audit.logRiskEvent(EventType.RISK_LIMIT_HIT, `Position size limit exceeded for ${symbol}`, {
        symbol,
        metadata: { limit: 'max_position_value', requested_size: round(size.uncappedQuantity * price), max_allowed: round(size.maxPositionValue), portfolio_value: round(this.equity), action: 'reduced' },
      });
    }
    const heat = this.heat();
    const verdict = checkEntry({ equity: this.equity, dayStartEquity: day.startEquity, dailyPnl: day.pnl, openPositions: this.positions.size, heat, candidate: size, limits: this.limits });
    if (!verdict.ok) {
      if (verdict.limit === 'max_positions' || verdict.limit === 'max_heat') {
        void this.audit.logRiskEvent(EventType.RISK_LIMIT_HIT, `Entry on ${symbol} rejected: ${verdict.limit === 'max_heat' ? 'portfolio heat limit' : 'maximum open positions'}`, {
          symbol,
          portfolioHeat: round(verdict.heatAfter, 5),
          metadata: { limit: verdict.limit, open_positions: this.positions.size, max_heat: this.limits.maxHeat, max_open_positions: this.limits.maxOpenPositions, action: 'rejected' },
        });
      }
      return;
    }
    if (verdict.warn && heat <= this.limits.heatWarning) {
      void this.audit.logRiskEvent(EventType.PORTFOLIO_HEAT_WARNING, `High portfolio heat: ${(verdict.heatAfter * 100).toFixed(2)}% of equity at risk`, {
        portfolioHeat: round(verdict.heatAfter, 5),
        portfolioValue: round(this.equity),
        metadata: { threshold: this.limits.heatWarning, open_positions: this.positions.size + 1 },
      });
    }
    const fill = await this.call(() => this.broker.submitOrder({ symbol, side: signal.side, qty: size.quantity, ref_price: round(price) }), `entry order for ${symbol}`, symbol);
    if (fill === undefined) {
      void this.audit.logTradeCancelled({ orderId: `entry-${symbol}-${this.minute}`, symbol, reason: 'broker_unavailable', strategyName: strategy.name });
      return;
    }
    const entry = fill.filled_avg_price;
    const risk = Math.abs(price - stop);
    const stopLoss = round(entry - dir * risk);
    const takeProfit = round(entry + dir * strategy.targetRanges * range);
    // No positionId: the logger gives the entry one, and the bot passes it on every later
    // event of the position (the README's pattern), so the trade stays linked across sessions.
    const { positionId } = this.audit.logTradeEntry({
      symbol,
      side: signal.side,
      quantity: size.quantity,
      price: entry,
      orderId: fill.id,
      fee: fee(size.quantity),
      strategyName: strategy.name,
      riskPercent: this.limits.riskPerTrade,
      portfolioValue: round(this.equity),
      portfolioHeat: round(verdict.heatAfter, 5),
      metadata: {
        stop_loss: stopLoss,
        take_profit: takeProfit,
        entry_reason: signal.reason,
        technical_indicators: signal.indicators,
        market_conditions: this.market.volatility(symbol) > 1.5 * (range / price / Math.sqrt(120)) ? 'volatile' : signal.side === 'buy' ? 'trending_up' : 'trending_down',
      },
    });
    this.pay(fee(size.quantity));
    this.positions.set(symbol, {
      id: positionId,
      symbol,
      side: signal.side,
      strategy,
      quantity: size.quantity,
      entry,
      stop: stopLoss,
      target: takeProfit,
      risk,
      openedMinute: this.minute,
      scaledOut: false,
    });
  }

  // ---- open positions -----------------------------------------------------------------

  private async manage(p: Position): Promise<void> {
    const price = this.market.price(p.symbol);
    const dir = p.side === 'buy' ? 1 : -1;
    if ((price - p.stop) * dir <= 0) {
      void this.audit.logStopLossHit({ symbol: p.symbol, price: round(price), positionId: p.id, strategyName: p.strategy.name, metadata: { stop_loss: p.stop } });
      await this.close(p, p.quantity, p.stop === round(p.entry) ? 'breakeven_stop' : 'stop_loss_hit');
      return;
    }
    if ((price - p.target) * dir >= 0) {
      void this.audit.logTakeProfitHit({ symbol: p.symbol, price: round(price), positionId: p.id, strategyName: p.strategy.name, metadata: { take_profit: p.target } });
      await this.close(p, p.quantity, 'take_profit_hit');
      return;
    }
    if (!p.scaledOut && (price - p.entry) * dir >= p.risk && p.quantity >= 2) {
      const half = Math.floor(p.quantity / 2);
      if (await this.close(p, half, 'scale_out')) {
        const previous = p.stop;
        p.scaledOut = true;
        p.stop = round(p.entry);
        void this.audit.logPositionAdjusted({ symbol: p.symbol, quantity: p.quantity, previousQuantity: p.quantity + half, reason: 'stop_to_breakeven', positionId: p.id, strategyName: p.strategy.name, metadata: { previous_stop: previous, new_stop: p.stop } });
      }
      return;
    }
    const why = p.strategy.exit(this.market.closes(p.symbol), p.side);
    if (why !== undefined && this.minute - p.openedMinute >= MIN_HOLD_MINUTES) {
      void this.audit.logStrategyEvent(EventType.EXIT_SIGNAL, `${p.strategy.name}: ${why.replaceAll('_', ' ')} on ${p.symbol}`, p.strategy.name, { symbol: p.symbol, price: round(price), positionId: p.id, metadata: { reason: why } });
      await this.close(p, p.quantity, why);
      return;
    }
    if (this.minute - p.openedMinute >= TIME_STOP_MINUTES) await this.close(p, p.quantity, 'time_stop');
  }

  /** A fill's fee, as logged, out of the equity and the day's P&L. */
  private pay(amount: number): void {
    this.equity -= amount;
    this.day!.pnl -= amount;
  }

  /** Sends the closing order and logs the exit with its P&L. False when the broker failed. */
  private async close(p: Position, quantity: number, reason: string): Promise<boolean> {
    const day = this.day!;
    const side: Side = p.side === 'buy' ? 'sell' : 'buy';
    const price = this.market.price(p.symbol);
    const fill = await this.call(() => this.broker.submitOrder({ symbol: p.symbol, side, qty: quantity, ref_price: round(price) }), `exit order for ${p.symbol}`, p.symbol);
    if (fill === undefined) return false;
    const dir = p.side === 'buy' ? 1 : -1;
    const gross = (fill.filled_avg_price - p.entry) * dir * quantity;
    // As logged: the rounded P&L before fees, and the exit fill's fee (the entry's was paid at the entry).
    const pnl = round(gross);
    this.equity += pnl;
    day.pnl += pnl;
    this.pay(fee(quantity));
    day.trades++;
    if (pnl > 0) day.wins++;
    p.quantity -= quantity;
    const partial = p.quantity > 0;
    if (!partial) {
      this.positions.delete(p.symbol);
      this.closedAt.set(p.symbol, this.minute);
    }
    const exit = {
      symbol: p.symbol,
      quantity,
      price: fill.filled_avg_price,
      pnl: round(gross),
      fee: fee(quantity),
      orderId: fill.id,
      positionId: p.id,
      side,
      reason,
      strategyName: p.strategy.name,
      portfolioValue: round(this.equity),
      dailyPnl: round(day.pnl),
      metadata: { hold_time_minutes: this.minute - p.openedMinute, entry_price: p.entry, r_multiple: round((fill.filled_avg_price - p.entry) * dir / p.risk, 2) },
    };
    void (partial ? this.audit.logTradePartialExit(exit) : this.audit.logTradeExit(exit));
    if (!day.halted && dailyLossHit(day.pnl, day.startEquity, this.limits)) {
      day.halted = true;
      void this.audit.logRiskEvent(EventType.DAILY_LOSS_LIMIT, `Daily loss limit reached ($${day.pnl.toFixed(2)}): no new entries today`, {
        level: 'ERROR',
        dailyPnl: round(day.pnl),
        portfolioValue: round(this.equity),
        metadata: { limit_pct: this.limits.dailyLossLimit, limit: round(-this.limits.dailyLossLimit * day.startEquity), day_start_equity: round(day.startEquity) },
      });
    }
    // The bracket's stop order rests at the broker until the position is closed another way.
    if (!partial && reason !== 'stop_loss_hit' && reason !== 'breakeven_stop') await this.call(() => this.broker.cancelOrder(`stop-${p.id}`), `cancel of the stop order of ${p.id}`, p.symbol);
    return true;
  }

  private async flatten(reason: string): Promise<void> {
    for (const p of [...this.positions.values()]) {
      // A close the broker refuses is tried again, then given up on (logged as an error).
      if (!(await this.close(p, p.quantity, reason))) await this.close(p, p.quantity, reason);
    }
  }

  private heat(): number {
    return portfolioHeat([...this.positions.values()].map((p) => ({ quantity: p.quantity, entry: p.entry, stop: p.stop })), this.equity);
  }

  // ---- the broker and housekeeping ----------------------------------------------------

  /** A broker request whose failure is logged with its stack trace instead of thrown. */
  private async call<T>(request: () => Promise<T>, what: string, symbol?: string): Promise<T | undefined> {
    try {
      return await request();
    } catch (e) {
      if (this.day !== undefined) this.day.brokerFailures++;
      const meta = e instanceof BrokerError ? { endpoint: e.endpoint, status_code: e.status, retry_count: e.attempts - 1 } : {};
      void this.audit.logError(`Broker request failed: ${what}`, 'broker', { error: e, symbol, metadata: meta });
      return undefined;
    }
  }

  private async reconcile(): Promise<void> {
    const positions = await this.call(() => this.broker.getPositions(), 'positions reconciliation');
    if (positions !== undefined && this.random() < 0.01) {
      const symbol = [...this.positions.keys()][0] ?? this.market.symbols[0]!;
      void this.audit.logError(`Position mismatch on ${symbol}: broker and bot disagree, resyncing`, 'reconciliation', { error: new ReconciliationError(`broker reports a different quantity for ${symbol}`), symbol, level: 'WARNING' });
    }
  }

  private heartbeat(): void {
    const day = this.day!;
    this.healthCheck();
    void this.audit.logStrategyEvent(EventType.SYMBOL_SCAN, `Scanned ${this.market.symbols.length} symbols, ${this.positions.size} positions open`, 'scanner', {
      level: 'DEBUG',
      metadata: { symbols: this.market.symbols.length, open: [...this.positions.keys()], minute: this.minute },
    });
    void this.audit.logPerformanceMetric('equity', round(this.equity), 'USD', { portfolioValue: round(this.equity), dailyPnl: round(day.pnl) });
    void this.audit.logPerformanceMetric('strategy_cycle_time', round(4 + this.random() * 6 + (this.random() < 0.05 ? 40 : 0), 1), 'ms', { eventType: EventType.LATENCY_MEASUREMENT });
    const heat = this.heat();
    if (heat > this.limits.heatWarning) {
      void this.audit.logRiskEvent(EventType.PORTFOLIO_HEAT_WARNING, `Portfolio heat ${(heat * 100).toFixed(2)}% above ${(this.limits.heatWarning * 100).toFixed(1)}%`, { portfolioHeat: round(heat, 5), portfolioValue: round(this.equity), metadata: { open_positions: this.positions.size } });
    }
  }

  private healthCheck(): void {
    const day = this.day!;
    const degraded = day.brokerFailures >= 2;
    void this.audit.logSystemEvent(EventType.HEALTH_CHECK, degraded ? 'System health check: broker degraded' : 'System health check completed', {
      level: degraded ? 'WARNING' : 'INFO',
      metadata: { status: degraded ? 'degraded' : 'healthy', response_time_ms: round(80 + this.random() * 90, 1), open_positions: this.positions.size, broker_failures_today: day.brokerFailures },
    });
  }
}

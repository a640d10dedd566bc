// A log directory for the browser tests, written by core's AuditLogger with a simulated
// clock: 30 days of trades, API calls, health checks, risk events, warnings and errors up to
// now. The logger stays open (clock back to real time) so a test can log live events.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogger, EventType } from '@daybook/core';

const SYMBOLS = ['AAPL', 'MSFT', 'TSLA', 'NVDA', 'BTC-PERP', 'ETH-PERP'];
const STRATEGIES = ['momentum', 'mean_reversion', 'breakout'];
const DAY = 86_400_000;
/** How long after midnight a fixture is made at the earliest. */
const SETTLE = 30_000;

export interface Fixture {
  dir: string;
  audit: AuditLogger;
}

/** Writes `days` days of events up to now into a new directory. */
export async function createFixture(days = 30): Promise<Fixture> {
  // Made in the last minutes of a UTC day, the fixture would fill a day the tests no longer
  // see as today (a CI run at 23:59 failed "the fixture has trades today"); in the first
  // seconds of one, today would be too short for its ~800 events: wait until SETTLE past midnight.
  const sinceMidnight = Date.now() % DAY;
  if (sinceMidnight > DAY - 3 * 60_000 || sinceMidnight < SETTLE) await new Promise((r) => setTimeout(r, ((SETTLE - sinceMidnight + DAY) % DAY) + 1000));
  const dir = mkdtempSync(join(tmpdir(), 'daybook-dashboard-'));
  // The tests compare the page with the API, never with fixed figures: any random data does.
  const random = Math.random;
  const now = Date.now();
  let sim = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) - (days - 1) * DAY;
  let live = false;
  const audit = new AuditLogger({ logDir: dir, environment: 'test', sessionId: 'dashboard_test', consoleLevel: false, durability: { trading: 'none' }, clock: () => (live ? Date.now() : sim) });
  const end = now - 1000;
  const open = new Map<string, { qty: number; price: number; strategy: string }>();
  const prices = new Map(SYMBOLS.map((s, i) => [s, 40 + i * 55]));
  // Denser today (at least ~800 events however early it is), so the default view has a
  // curve worth looking at and every chart something to draw.
  const today0 = now - (now % DAY);
  const gapOf = (t: number): number => (t >= today0 ? Math.min(60_000, Math.max(20, (end - today0) / 800)) : 240_000);
  for (let i = 0; sim < end; i++) {
    const step = Math.round(gapOf(sim) * (0.5 + random()));
    // A step at the days before's pace that would cross midnight stops there: early in the
    // day (a CI run just after midnight) it jumped over the whole of today, and one bot had
    // no event in it.
    sim = sim < today0 && sim + step > today0 ? today0 : sim + step;
    if (sim >= end) break;
    const r = random();
    if (r < 0.55) {
      void audit.logApiCall({ endpoint: '/v2/orders', method: 'GET', statusCode: random() < 0.02 ? 503 : 200, latencyMs: Math.round((15 + -Math.log(random()) * 35) * 10) / 10 });
    } else if (r < 0.85) {
      const s = SYMBOLS[Math.floor(random() * SYMBOLS.length)]!;
      const price = Math.round(prices.get(s)! * (1 + (random() - 0.48) * 0.03) * 100) / 100;
      prices.set(s, price);
      const p = open.get(s);
      if (p === undefined) {
        const strategy = STRATEGIES[Math.floor(random() * STRATEGIES.length)]!;
        open.set(s, { qty: 1 + Math.floor(random() * 50), price, strategy });
        void audit.logTradeEntry({ symbol: s, side: 'buy', quantity: open.get(s)!.qty, price, orderId: `o${i}`, strategyName: strategy, riskPercent: 0.01, portfolioValue: 100_000 });
      } else {
        open.delete(s);
        const pnl = Math.round((price - p.price) * p.qty * 100) / 100;
        const reason = pnl >= 0 ? (random() < 0.7 ? 'take_profit_hit' : 'signal_exit') : random() < 0.7 ? 'stop_loss_hit' : 'time_stop';
        void audit.logTradeExit({ symbol: s, quantity: p.qty, price, pnl, orderId: `x${i}`, strategyName: p.strategy, reason, metadata: { hold_time_minutes: Math.round(random() * 300) } });
      }
    } else if (r < 0.9) {
      void audit.logSystemEvent(EventType.HEALTH_CHECK, 'System health check completed', { metadata: { status: random() < 0.95 ? 'healthy' : 'degraded' } });
    } else if (r < 0.95) {
      const kinds = [EventType.POSITION_SIZE_CALCULATED, EventType.PORTFOLIO_HEAT_WARNING, EventType.RISK_LIMIT_HIT, EventType.DAILY_LOSS_LIMIT] as const;
      const kind = kinds[Math.floor(random() * random() * kinds.length)]!;
      void audit.logRiskEvent(kind, `Risk event ${kind}`, { portfolioHeat: Math.round(random() * 2000) / 10000, dailyPnl: Math.round((random() - 0.6) * 50000) / 100 });
    } else if (r < 0.975) {
      void audit.logSystemEvent(EventType.MARKET_STATUS, `Slow fill on order ${i}`, { level: 'WARNING' });
    } else {
      const which = Math.floor(random() * 3);
      void audit.logError(which === 0 ? `Order ${i} rejected by broker` : which === 1 ? 'API connection failed' : `Timeout after ${Math.floor(random() * 30)} s`, which === 0 ? 'broker' : 'alpaca_client');
    }
  }
  await audit.flush();
  live = true;
  return { dir, audit };
}

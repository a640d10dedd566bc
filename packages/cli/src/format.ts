/**
 * Every number the command line shows goes through here, so that a figure reads the same in
 * every table and message: money as `-$92.00` (the sign before the currency, never
 * `$-92.00`), thousands separators everywhere, rates as percentages. Pure functions; the JSON
 * output never uses them (it carries the numbers as computed).
 */

const grouped = (n: number, min: number, max: number): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: min, maximumFractionDigits: max, useGrouping: true });

const missing = (v: number | null | undefined): v is null | undefined => v === null || v === undefined || Number.isNaN(v);

/** A count or any integer: `1,234,567`. */
export function count(n: number | null | undefined): string {
  return missing(n) ? '-' : grouped(n, 0, 0);
}

/** An amount of money, two decimals: `$1,234.50`, `-$92.00`; `signed` adds `+` to gains (a P&L in a sentence). */
export function money(n: number | null | undefined, options: { signed?: boolean } = {}): string {
  if (missing(n)) return '-';
  const cents = Math.round(n * 100) / 100;
  const sign = cents < 0 ? '-' : options.signed === true && cents > 0 ? '+' : '';
  return `${sign}$${grouped(Math.abs(cents), 2, 2)}`;
}

/** A price: two decimals at least, up to eight when the price has them (crypto), no currency sign lost in a table: `$0.00001234`. */
export function price(n: number | null | undefined): string {
  if (missing(n)) return '-';
  return `${n < 0 ? '-' : ''}$${grouped(Math.abs(n), 2, 8)}`;
}

/** A fraction as a percentage: 0.5534 -> `55.34%`, 0.05 -> `5.00%`. */
export function percent(fraction: number | null | undefined, decimals = 2): string {
  return missing(fraction) ? '-' : `${grouped(fraction * 100, decimals, decimals)}%`;
}

/** A ratio (Sharpe, profit factor, payoff): two decimals, `1,234.57`; tiny values keep two significant digits. */
export function ratio(n: number | null | undefined): string {
  if (missing(n)) return '-';
  if (n !== 0 && Math.abs(n) < 0.01) return n.toPrecision(2);
  return grouped(n, 2, 2);
}

/** Milliseconds: `125.5 ms`, `1,204 ms`. */
export function millis(n: number | null | undefined): string {
  return missing(n) ? '-' : `${grouped(n, 0, Math.abs(n) < 100 ? 1 : 0)} ms`;
}

/** Any other number: integers grouped, fractions with up to four decimals (`0.0001`), tiny ones in exponent form. */
export function plain(n: number | null | undefined): string {
  if (missing(n)) return '-';
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return count(n);
  if (Math.abs(n) < 1e-4) return n.toExponential(3);
  return grouped(n, 0, Math.abs(n) >= 100 ? 2 : 4);
}

/** A span of minutes as a person reads it: `45.5 min`, `3 h 12 min`, `2 d 4 h` (a trade's hold time or age). */
export function duration(minutes: number | null | undefined): string {
  if (missing(minutes)) return '-';
  if (!Number.isFinite(minutes)) return String(minutes);
  const sign = minutes < 0 ? '-' : '';
  const m = Math.abs(minutes);
  if (m < 59.95) return `${sign}${grouped(m, 1, 1)} min`; // 59.97 would read "60.0 min"
  const whole = Math.round(m);
  if (whole < 1440) return `${sign}${Math.floor(whole / 60)} h ${whole % 60} min`;
  const hours = Math.round(m / 60);
  return `${sign}${count(Math.floor(hours / 24))} d ${hours % 24} h`;
}

/** Bytes in binary units: `512 B`, `1.5 MiB`. */
export function bytes(n: number | null | undefined): string {
  if (missing(n)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${count(v)} B` : `${grouped(v, 1, 1)} ${units[i]}`;
}

/** Counts whose names mention money words (losing_trades, daily_loss_limit_hits, losses). */
const NOT_MONEY = /^(max_consecutive|winning|losing|breakeven|losses$)|_(hits|limit|warnings?|calculated)$/;

export type NumberKind = 'money' | 'percent' | 'ratio' | 'count' | 'millis' | 'hours' | 'minutes' | 'plain';

/**
 * How a metric of metrics.md is shown, from its snake_case name: P&L, wins, losses, drawdown,
 * volume and fees are money; rates and `_pct` are fractions shown as percentages; Sharpe,
 * Sortino, profit factor and payoff are ratios; latencies are milliseconds.
 */
export function kindOf(metric: string): NumberKind {
  if (/(^|_)(rate|pct)$/.test(metric) || metric === 'max_portfolio_heat' || metric === 'portfolio_heat') return 'percent';
  if (/(sharpe|sortino|profit_factor|payoff_ratio)/.test(metric)) return 'ratio';
  if (/latency/.test(metric)) return 'millis';
  if (/hours$/.test(metric)) return 'hours';
  if (/minutes$/.test(metric)) return 'minutes';
  if (/(pnl|profit|loss|_win$|_wins?_amount|expectancy|drawdown|volume|fees?$|equity|price)/.test(metric) && !NOT_MONEY.test(metric)) return 'money';
  return 'plain';
}

/** A metric's value by its name (kindOf); strings and booleans as they are, null as `-`. */
export function metric(name: string, v: unknown): string {
  if (v === null || v === undefined) return '-';
  // A query's lists and structs (DuckDB LIST, STRUCT; ClickHouse Array, Tuple) as JSON, not [object Object].
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v !== 'number') return String(v);
  switch (kindOf(name)) {
    case 'money': return money(v);
    case 'percent': return percent(v);
    case 'ratio': return ratio(v);
    case 'millis': return millis(v);
    case 'hours': return `${grouped(v, 1, 1)} h`;
    case 'minutes': return `${grouped(v, 1, 1)} min`;
    case 'count':
    case 'plain': return plain(v);
  }
}

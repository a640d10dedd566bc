// The headline cards. Each card keeps the raw API value in data-value, so the browser test
// (and anyone inspecting the page) can compare it with the REST API exactly.
import { byId, h, replace } from './dom.js';
import { fmt, signClass, type Kind } from './format.js';
import type { SystemMetrics, TradingMetrics } from './types.js';

interface CardSpec {
  metric: string;
  label: string;
  kind: Kind;
  value: (t: TradingMetrics, s: SystemMetrics) => number | null;
  sub?: (t: TradingMetrics, s: SystemMetrics) => string;
  signed?: boolean;
}

export const CARDS: CardSpec[] = [
  { metric: 'total_pnl', label: 'Total P&L', kind: 'money', value: (t) => t.total_pnl, signed: true, sub: (t) => `expectancy ${fmt(t.expectancy, 'money')}` },
  { metric: 'net_pnl', label: 'Net P&L', kind: 'money', value: (t) => t.net_pnl, signed: true, sub: () => 'after fees' },
  { metric: 'total_fees', label: 'Fees', kind: 'money', value: (t) => t.total_fees, sub: () => 'on trading events' },
  { metric: 'win_rate', label: 'Win rate', kind: 'percent', value: (t) => t.win_rate, sub: (t) => `${fmt(t.winning_trades, 'count')} won · ${fmt(t.losing_trades, 'count')} lost` },
  { metric: 'profit_factor', label: 'Profit factor', kind: 'ratio', value: (t) => t.profit_factor, sub: (t) => (t.profit_factor === null ? 'no losing trade' : 'gross win / loss') },
  { metric: 'sharpe_ratio', label: 'Sharpe', kind: 'ratio', value: (t) => t.sharpe_ratio, sub: (t) => (t.sharpe_ratio === null ? 'needs 2+ days' : 'daily, annualized') },
  { metric: 'max_drawdown', label: 'Max drawdown', kind: 'money', value: (t) => t.max_drawdown, sub: (t) => (t.max_drawdown_pct === null ? 'of realized P&L' : `${fmt(t.max_drawdown_pct, 'percent')} of equity`) },
  { metric: 'total_trades', label: 'Trades', kind: 'count', value: (t) => t.total_trades, sub: () => 'closed' },
  { metric: 'open_trades', label: 'Open trades', kind: 'count', value: (t) => t.open_trades, sub: () => 'at the range\'s end' },
  { metric: 'error_count', label: 'Errors', kind: 'count', value: (_t, s) => s.error_count, sub: (_t, s) => `${fmt(s.warning_count, 'count')} warnings` },
  { metric: 'avg_api_latency', label: 'Avg API latency', kind: 'ms', value: (_t, s) => s.avg_api_latency, sub: (_t, s) => `${fmt(s.api_calls, 'count')} calls` },
  { metric: 'p99_api_latency', label: 'p99 API latency', kind: 'ms', value: (_t, s) => s.p99_api_latency, sub: (_t, s) => `p95 ${fmt(s.p95_api_latency, 'ms')}` },
];

/**
 * Shrinks a card's figure until it fits its card: a card at 390 px leaves ~150 px
 * for `$42,063.79` or `1,046.9 ms`, which the CSS size does not fit. Measured, not guessed
 * from the length, as digits differ in width from font to font.
 */
function fitValues(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>('.card .value')) {
    el.style.fontSize = '';
    let size = parseFloat(getComputedStyle(el).fontSize);
    for (let i = 0; i < 8 && el.scrollWidth > el.clientWidth && size > MIN_FONT_PX; i++) {
      size = Math.max(MIN_FONT_PX, Math.floor(size * (el.clientWidth / el.scrollWidth) * 10) / 10);
      el.style.fontSize = `${size}px`;
    }
  }
}
const MIN_FONT_PX = 11;
let lastWidth = 0;
const fitter = new ResizeObserver((entries) => {
  for (const e of entries) {
    if (Math.abs(e.contentRect.width - lastWidth) < 0.5) continue;
    lastWidth = e.contentRect.width;
    fitValues(e.target as HTMLElement);
  }
});

export function renderCards(t: TradingMetrics, s: SystemMetrics): void {
  const root = byId('cards');
  fitter.observe(root);
  replace(
    root,
    ...CARDS.map((c) => {
      const v = c.value(t, s);
      const cls = c.signed ? signClass(v) : c.metric === 'error_count' && (v ?? 0) > 0 ? 'neg' : '';
      return h(
        'article',
        { class: 'card', 'data-metric': c.metric, 'data-value': JSON.stringify(v) },
        h('h3', {}, c.label),
        h('p', { class: `value ${cls}` }, fmt(v, c.kind)),
        // The sub line wraps only between words: never inside `−$16.64` (a break is allowed
        // between the minus and the dollar sign).
        c.sub ? h('p', { class: 'sub' }, ...c.sub(t, s).split(' ').flatMap((w, i) => [i > 0 ? ' ' : null, h('span', {}, w)])) : null,
      );
    }),
  );
  fitValues(root);
}

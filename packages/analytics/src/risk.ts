import { dayNumber, dayString } from './dates.js';
import { isSelected, type Selection } from './event-set.js';
import { perSegment, type SegmentMemo } from './memo.js';
import { T, type Segment } from './segment.js';

export interface RiskDay {
  risk_limit_hit: number;
  daily_loss_limit: number;
  portfolio_heat_warning: number;
  position_size_calculated: number;
}

/** metrics.md, "Risk metrics". */
export interface RiskMetrics {
  risk_limit_hits: number;
  daily_loss_limit_hits: number;
  portfolio_heat_warnings: number;
  position_size_calculations: number;
  max_portfolio_heat: number | null;
  max_daily_loss: number | null;
  risk_events_by_day: Record<string, RiskDay>;
}

/** The four risk event types by type code. */
export const RISK_KEY: ReadonlyMap<number, keyof RiskDay> = new Map<number, keyof RiskDay>([
  [T.risk_limit_hit, 'risk_limit_hit'],
  [T.daily_loss_limit, 'daily_loss_limit'],
  [T.portfolio_heat_warning, 'portfolio_heat_warning'],
  [T.position_size_calculated, 'position_size_calculated'],
]);

export const emptyRiskDay = (): RiskDay => ({ risk_limit_hit: 0, daily_loss_limit: 0, portfolio_heat_warning: 0, position_size_calculated: 0 });

const RISK_KEYS = [...RISK_KEY.values()];
/** RISK_KEY as an array by type code: no Map lookup per row of the pass. */
const RISK_KEY_BY_CODE: readonly (keyof RiskDay | undefined)[] = Array.from({ length: 256 }, (_, code) => RISK_KEY.get(code));

/** The greatest portfolio_heat and least daily_pnl of one segment's selected rows (memo.ts). */
const extremes: SegmentMemo<{ heat: number | null; daily: number | null }> = new WeakMap();

/** The risk events of one segment's selected rows, per UTC day (memo.ts). */
const riskDays: SegmentMemo<Map<string, RiskDay>> = new WeakMap();

function riskDaysOf(seg: Segment, rows: Uint32Array): Map<string, RiskDay> {
  const byDay = new Map<string, RiskDay>();
  const { type, ts } = seg;
  // Rows come in time order mostly: the day's text is made once per run of one day (a Date
  // and its ISO text per row cost more than the rest of the pass).
  let lastDay = NaN;
  let day = '';
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    const key = RISK_KEY_BY_CODE[type[r]!];
    if (key === undefined) continue;
    const n = dayNumber(ts[r]!);
    if (n !== lastDay) {
      lastDay = n;
      day = dayString(n);
    }
    let d = byDay.get(day);
    if (d === undefined) byDay.set(day, (d = emptyRiskDay()));
    d[key]++;
  }
  return byDay;
}

export function riskMetrics(sel: Selection): RiskMetrics {
  const totals = emptyRiskDay();
  const byDay = new Map<string, RiskDay>();
  let maxHeat: number | null = null;
  let minDaily: number | null = null;
  sel.set.segments.forEach((seg, si) => {
    const { ts } = seg;
    for (const [day, counts] of perSegment(riskDays, sel.rows[si]!, seg, () => riskDaysOf(seg, sel.rows[si]!))) {
      let d = byDay.get(day);
      if (d === undefined) byDay.set(day, (d = emptyRiskDay()));
      for (const key of RISK_KEYS) {
        d[key] += counts[key];
        totals[key] += counts[key];
      }
    }
    // The first greatest and least in read order, per segment and then across them: as one pass.
    const x = perSegment(extremes, sel.rows[si]!, seg, () => {
      let heat: number | null = null;
      let daily: number | null = null;
      for (const v of seg.values) {
        if (!isSelected(sel, si, v.row, ts[v.row]!)) continue;
        if (v.portfolioHeat !== undefined && (heat === null || v.portfolioHeat > heat)) heat = v.portfolioHeat;
        if (v.dailyPnl !== undefined && (daily === null || v.dailyPnl < daily)) daily = v.dailyPnl;
      }
      return { heat, daily };
    });
    if (x.heat !== null && (maxHeat === null || x.heat > maxHeat)) maxHeat = x.heat;
    if (x.daily !== null && (minDaily === null || x.daily < minDaily)) minDaily = x.daily;
  });
  const days = [...byDay.keys()].sort();
  return {
    risk_limit_hits: totals.risk_limit_hit,
    daily_loss_limit_hits: totals.daily_loss_limit,
    portfolio_heat_warnings: totals.portfolio_heat_warning,
    position_size_calculations: totals.position_size_calculated,
    max_portfolio_heat: maxHeat,
    max_daily_loss: minDaily,
    risk_events_by_day: Object.fromEntries(days.map((d) => [d, byDay.get(d)!])),
  };
}

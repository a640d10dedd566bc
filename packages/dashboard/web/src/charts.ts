// Charts. Time series are uPlot canvases (fast with 10^5 points, ~20 KB gzipped); the
// categorical bars (P&L by symbol, by strategy, exit reasons) are small hand-made SVGs,
// which need no axes library and read better as horizontal bars with labels.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { empty, replace } from './dom.js';
import { fmt, type Kind } from './format.js';

export const COLORS = {
  text: '#9aa7b4', grid: 'rgba(154,167,180,0.12)', pos: '#2ecc8f', neg: '#ff5d6c', accent: '#4ea1ff',
  amber: '#f5b94d', violet: '#b38cff', teal: '#3fd0c9',
};

export interface SeriesSpec {
  label: string;
  color: string;
  kind?: Kind;
  bars?: { align: -1 | 0 | 1; size: number };
  fill?: string;
  /** Not drawn (a band's edge) nor listed in the legend. */
  hidden?: boolean;
}

export interface TimeChartSpec {
  series: SeriesSpec[];
  /** [xs in seconds, ...one array per series] */
  data: (number | null)[][];
  kind: Kind;
  bands?: { series: [number, number]; fill: string }[];
  height?: number;
  /** The x scale's bounds (seconds): the selected range, so a lone daily bar stays a bar. */
  xRange?: [number, number];
}

const charts = new Map<HTMLElement, uPlot>();
const observer = new ResizeObserver((entries) => {
  for (const e of entries) {
    const u = charts.get(e.target as HTMLElement);
    const w = Math.floor(e.contentRect.width);
    if (u !== undefined && w > 0 && Math.abs(u.width - w) > 1) u.setSize({ width: w, height: u.height });
  }
});

/** UTC ticks: HH:MM within a day, MM-DD across days, YYYY-MM across months. */
const timeTicks = (_u: uPlot, splits: number[], _ax: number, _space: number, incr: number): string[] =>
  splits.map((v) => {
    const iso = new Date(v * 1000).toISOString();
    return incr < 86_400 ? iso.slice(11, 16) : incr < 28 * 86_400 ? iso.slice(5, 10) : iso.slice(0, 7);
  });

const axisValues = (kind: Kind) => (_u: uPlot, splits: number[]) =>
  splits.map((v) => (kind === 'money' ? fmt(v, 'money').replace(/\.\d\d$/, '') : kind === 'ms' ? `${v}` : fmt(v, 'count')));

/** Draws (or redraws) a time chart into `el`; `emptyText` when there is nothing to draw. */
export function timeChart(el: HTMLElement, spec: TimeChartSpec, emptyText: string): void {
  charts.get(el)?.destroy();
  charts.delete(el);
  const xs = spec.data[0] ?? [];
  const hasData = spec.data.slice(1).some((s) => s.some((v) => v !== null && v !== 0));
  if (xs.length === 0 || !hasData) {
    replace(el, empty(emptyText));
    return;
  }
  replace(el);
  const opts: uPlot.Options = {
    width: Math.max(200, Math.floor(el.clientWidth)),
    height: spec.height ?? 220,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    cursor: { points: { size: 6 } },
    legend: { live: true },
    scales: { x: spec.xRange === undefined ? { time: true } : { time: true, auto: false, range: (): uPlot.Range.MinMax => spec.xRange! } },
    axes: [
      { stroke: COLORS.text, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid }, values: timeTicks },
      { stroke: COLORS.text, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid }, size: 64, values: axisValues(spec.kind) },
    ],
    series: [
      { value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')) },
      ...spec.series.map((s): uPlot.Series => ({
        label: s.label,
        stroke: s.hidden ? 'transparent' : s.color,
        width: s.bars ? 0 : 1.5,
        fill: s.bars ? s.color : s.fill,
        show: true,
        spanGaps: false,
        points: { show: false },
        value: (_u, v) => fmt(v, s.kind ?? spec.kind),
        ...(s.bars ? { paths: uPlot.paths.bars!({ size: [s.bars.size, 40], align: s.bars.align }) } : {}),
      })),
    ],
    ...(spec.bands ? { bands: spec.bands.map((b) => ({ series: b.series, fill: b.fill })) } : {}),
  };
  const u = new uPlot(opts, spec.data as uPlot.AlignedData, el);
  spec.series.forEach((s, i) => {
    const row = u.root.querySelectorAll<HTMLElement>('.u-legend .u-series')[i + 1];
    if (s.hidden && row !== undefined) row.style.display = 'none';
  });
  charts.set(el, u);
  observer.observe(el);
}

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export interface BarRow {
  label: string;
  value: number;
  note?: string;
}

const barCharts = new Map<HTMLElement, () => void>();
const barObserver = new ResizeObserver((entries) => {
  for (const e of entries) barCharts.get(e.target as HTMLElement)?.();
});

/** Horizontal bars, one per row, around a zero line when values have both signs. */
export function barList(el: HTMLElement, rows: BarRow[], kind: Kind, emptyText: string): void {
  if (rows.length === 0) {
    barCharts.delete(el);
    replace(el, empty(emptyText));
    return;
  }
  const draw = (): void => {
    const width = Math.max(240, Math.floor(el.clientWidth));
    const row = 26;
    const labelW = Math.min(130, Math.floor(width * 0.32));
    const valueW = 92;
    const plotW = width - labelW - valueW;
    const min = Math.min(0, ...rows.map((r) => r.value));
    const max = Math.max(0, ...rows.map((r) => r.value));
    const span = max - min || 1;
    const x0 = labelW + ((0 - min) / span) * plotW;
    const root = svg('svg', { width, height: rows.length * row + 4, viewBox: `0 0 ${width} ${rows.length * row + 4}`, role: 'img', class: 'bars' });
    rows.forEach((r, i) => {
      const y = i * row + 2;
      const x1 = labelW + ((r.value - min) / span) * plotW;
      const title = svg('title', {}, `${r.label}: ${fmt(r.value, kind)}${r.note ? ` (${r.note})` : ''}`);
      const g = svg('g', {});
      g.append(
        title,
        svg('text', { x: labelW - 8, y: y + row / 2 + 4, 'text-anchor': 'end', class: 'bar-label' }, r.label.length > 18 ? `${r.label.slice(0, 17)}…` : r.label),
        svg('rect', { x: Math.min(x0, x1), y: y + 4, width: Math.max(1.5, Math.abs(x1 - x0)), height: row - 10, rx: 3, fill: kind !== 'money' ? COLORS.accent : r.value >= 0 ? COLORS.pos : COLORS.neg, opacity: 0.85 }),
        svg('text', { x: width - 4, y: y + row / 2 + 4, 'text-anchor': 'end', class: `bar-value ${kind !== 'money' ? '' : r.value > 0 ? 'pos' : r.value < 0 ? 'neg' : ''}` }, fmt(r.value, kind)),
      );
      root.append(g);
    });
    root.append(svg('line', { x1: x0, x2: x0, y1: 0, y2: rows.length * row + 4, stroke: COLORS.text, 'stroke-opacity': 0.4 }));
    replace(el, root);
  };
  barCharts.set(el, draw);
  barObserver.observe(el);
  draw();
}

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
  /** Holds each value until the next one (a running total between trades), instead of a diagonal. */
  stepped?: boolean;
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

const DAY_S = 86_400;

/**
 * UTC tick labels: HH:MM within one day, MM-DD for daily ticks, YYYY-MM for monthly ones.
 * Hourly ticks over several days also name the day (under the first tick and each
 * midnight), so a night between two sessions is not read as a few hours. The labels drawn
 * are kept in the chart's data-x-ticks (the canvas holds no text a test or a reader can query).
 */
const timeTicks = (el: HTMLElement) => (u: uPlot, splits: number[], _ax: number, _space: number, incr: number): string[] => {
  const min = u.scales.x?.min ?? splits[0] ?? 0;
  const max = u.scales.x?.max ?? splits.at(-1) ?? 0;
  const severalDays = Math.floor(min / DAY_S) !== Math.floor((max - 1) / DAY_S);
  const labels = splits.map((v, i) => {
    const iso = new Date(v * 1000).toISOString();
    if (incr >= 28 * DAY_S) return iso.slice(0, 7);
    if (incr >= DAY_S) return iso.slice(5, 10);
    const time = iso.slice(11, 16);
    return severalDays && (i === 0 || time === '00:00') ? `${time}\n${iso.slice(5, 10)}` : time;
  });
  el.dataset.xTicks = labels.join('|');
  return labels;
};

/** Indexes of values with no non-null neighbour: a line cannot show them, a dot can. */
export function isolated(values: readonly (number | null)[]): number[] {
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v !== null && (values[i - 1] ?? null) === null && (values[i + 1] ?? null) === null) out.push(i);
  });
  return out;
}

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
      { stroke: COLORS.text, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid }, values: timeTicks(el) },
      { stroke: COLORS.text, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid }, size: 64, values: axisValues(spec.kind) },
    ],
    series: [
      { value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')) },
      ...spec.series.map((s, i): uPlot.Series => {
        // A lone value (the only bucket of the day so far, or one between gaps) draws no
        // line: it gets a dot, so that a chart with data never looks empty.
        const dots = s.bars || s.hidden ? [] : isolated(spec.data[i + 1] ?? []);
        return {
          label: s.label,
          stroke: s.hidden ? 'transparent' : s.color,
          width: s.bars ? 0 : 1.5,
          fill: s.bars ? s.color : s.fill,
          show: true,
          spanGaps: false,
          points: dots.length === 0 ? { show: false } : { show: true, size: 7, fill: s.color, stroke: s.color, filter: dots },
          value: (_u, v) => fmt(v, s.kind ?? spec.kind),
          ...(s.bars ? { paths: uPlot.paths.bars!({ size: [s.bars.size, 40], align: s.bars.align }) } : s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        };
      }),
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

let measurer: CanvasRenderingContext2D | null | undefined;
/** The width of `text` in the page's font at `px` (a canvas measures without a layout pass). */
function textWidth(text: string, px: number, family: string): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (measurer === null) return text.length * px * 0.62;
  measurer.font = `${px}px ${family}`;
  return measurer.measureText(text).width;
}

/** `text` cut with an ellipsis to at most `max` px (whole when it fits). */
function fitText(text: string, max: number, px: number, family: string): string {
  if (textWidth(text, px, family) <= max) return text;
  let n = text.length - 1;
  while (n > 1 && textWidth(`${text.slice(0, n)}…`, px, family) > max) n--;
  return `${text.slice(0, n)}…`;
}

/**
 * Horizontal bars, one per row, around a zero line when values have both signs. Labels are
 * measured: beside the bars when the longest fits in 40 % of the width, else each label on
 * its own line above its bar (a phone, or long exit reasons), so that none is cut.
 */
export function barList(el: HTMLElement, rows: BarRow[], kind: Kind, emptyText: string): void {
  if (rows.length === 0) {
    barCharts.delete(el);
    replace(el, empty(emptyText));
    return;
  }
  const draw = (): void => {
    const width = Math.max(200, Math.floor(el.clientWidth));
    const family = getComputedStyle(el).fontFamily;
    const px = 12;
    const gap = 8;
    const values = rows.map((r) => fmt(r.value, kind));
    const valueW = Math.ceil(Math.max(...values.map((v) => textWidth(v, px, family)))) + gap;
    const labelsW = Math.ceil(Math.max(...rows.map((r) => textWidth(r.label, px, family)))) + gap;
    const beside = labelsW <= width * 0.4;
    const row = beside ? 26 : 40;
    const labelW = beside ? labelsW : 0;
    const plotW = width - labelW - (beside ? valueW : 0) - 2;
    const min = Math.min(0, ...rows.map((r) => r.value));
    const max = Math.max(0, ...rows.map((r) => r.value));
    const span = max - min || 1;
    const x0 = labelW + 1 + ((0 - min) / span) * plotW;
    const height = rows.length * row + 4;
    const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'bars' });
    rows.forEach((r, i) => {
      const y = i * row + 2;
      const x1 = labelW + 1 + ((r.value - min) / span) * plotW;
      const barY = beside ? y + 4 : y + 20;
      const textY = beside ? y + row / 2 + 4 : y + 13;
      const valueClass = `bar-value ${kind !== 'money' ? '' : r.value > 0 ? 'pos' : r.value < 0 ? 'neg' : ''}`;
      const g = svg('g', {});
      g.append(
        svg('title', {}, `${r.label}: ${values[i]}${r.note ? ` (${r.note})` : ''}`),
        beside
          ? svg('text', { x: labelW - gap, y: textY, 'text-anchor': 'end', class: 'bar-label' }, r.label)
          : svg('text', { x: 0, y: textY, class: 'bar-label' }, fitText(r.label, width - valueW - gap, px, family)),
        svg('rect', { x: Math.min(x0, x1), y: barY, width: Math.max(1.5, Math.abs(x1 - x0)), height: beside ? row - 10 : 14, rx: 3, fill: kind !== 'money' ? COLORS.accent : r.value >= 0 ? COLORS.pos : COLORS.neg, opacity: 0.85 }),
        svg('text', { x: width - 1, y: textY, 'text-anchor': 'end', class: valueClass }, values[i]!),
      );
      root.append(g);
    });
    root.append(svg('line', { x1: x0, x2: x0, y1: 0, y2: height, stroke: COLORS.text, 'stroke-opacity': 0.4 }));
    replace(el, root);
  };
  barCharts.set(el, draw);
  barObserver.observe(el);
  draw();
}

// Prometheus' alert templates, the part people use: `{{ $value }}`, `{{ $threshold }}`,
// `{{ $labels.NAME }}` (and `{{ .Value }}` / `{{ .Labels.NAME }}`, the same in Go's spelling).
// Anything else between braces is left as written, so a typo shows in the notification.

import { labelOf } from './notify/labels.js';

const EXPR = /\{\{\s*(\$value|\.Value|\$threshold|\$labels\.([A-Za-z_][A-Za-z0-9_]*)|\.Labels\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g;

/** A figure as people read it: integers as they are, others with at most 3 decimals. */
export function formatValue(v: number | null): string {
  if (v === null) return 'none';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

function expand(text: string, ctx: { value: number | null; threshold: number; labels: Record<string, string> }): string {
  return text.replace(EXPR, (all, expr: string, a?: string, b?: string) => {
    if (expr === '$value' || expr === '.Value') return formatValue(ctx.value);
    if (expr === '$threshold') return formatValue(ctx.threshold);
    return labelOf(ctx.labels, (a ?? b)!) ?? '';
  });
}

export function expandAll(m: Record<string, string>, ctx: Parameters<typeof expand>[1]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = expand(v, ctx);
  return out;
}


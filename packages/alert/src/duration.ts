import { AlertError } from './errors.js';

// Durations as Prometheus and Alertmanager write them in their configuration: a number and a
// unit (`30s`, `15m`, `1h`, `1d`; `ms` and `w` too, and sums such as `1h30m`), or a bare 0.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** Milliseconds of `text`, or undefined when it is not a duration. */
export function parseDuration(text: unknown): number | undefined {
  if (text === 0 || text === '0') return 0;
  if (typeof text !== 'string' || text.length === 0) return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (m === null || m.index !== at) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** parseDuration or an error naming where the duration was (`rule "X": for`). */
export function durationOf(text: unknown, where: string, field: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new AlertError('DAYBOOK_E_ALERT_DURATION', `${where}: ${field} ${JSON.stringify(text)} is not a duration (30s, 15m, 1h, 1d)`);
  return ms;
}

/** The shortest text of `ms` in the largest whole units (`90m` -> `1h30m`), as Prometheus prints it. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const u = UNIT_MS[unit]!;
    const k = Math.floor(rest / u);
    if (k > 0) {
      out += `${k}${unit}`;
      rest -= k * u;
    }
  }
  return out;
}

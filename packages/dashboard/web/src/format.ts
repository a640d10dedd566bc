// How numbers are shown. A null metric (profit factor without a loser, Sharpe with one day)
// is a dash, never "Infinity" or "NaN".
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const two = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const one = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export type Kind = 'money' | 'percent' | 'ratio' | 'count' | 'ms';

export function fmt(v: number | null | undefined, kind: Kind): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (kind) {
    case 'money':
      return `${v < 0 ? '−' : ''}$${money.format(Math.abs(v))}`;
    case 'percent':
      return `${one.format(v * 100)}%`;
    case 'ratio':
      return two.format(v);
    case 'count':
      return int.format(v);
    case 'ms':
      return `${one.format(v)} ms`;
  }
}

export const signClass = (v: number | null | undefined): string => (v === null || v === undefined || v === 0 ? '' : v > 0 ? 'pos' : 'neg');

export const timeOf = (iso: string): string => iso.slice(11, 19);
/** MM-DD HH:MM:SS, UTC. */
export const shortTime = (iso: string): string => `${iso.slice(5, 10)} ${iso.slice(11, 19)}`;

/** A duration in minutes: `45m`, `2h 05m`, `3d 4h`; a dash for none. */
export function fmtMinutes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v) || v < 0) return '—';
  const m = Math.floor(v);
  if (m < 60) return `${m}m`;
  if (m < 1440) return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(m / 1440)}d ${Math.floor((m % 1440) / 60)}h`;
}

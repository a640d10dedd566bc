import Table from 'cli-table3';
import { plain } from './format.js';

/**
 * cli-table3 lays the table out (widths of wide and combining characters included), drawn
 * without borders: a header, a rule under it and aligned columns, so that the output stays
 * easy to grep, paste and diff. Colors are off: they would reach files and pipes.
 */
const CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', right: '', 'right-mid': '',
  mid: '-', 'mid-mid': '  ', middle: '  ',
};

/** How a cell's value becomes text, given its column; numbers are formatted by format.ts. */
export type CellFormat = (column: string, value: unknown, row: readonly unknown[]) => string;

const byValue: CellFormat = (_column, v) => (v === null || v === undefined ? '-' : typeof v === 'number' ? plain(v) : String(v));

/** A table: a header row, a rule, rows; columns holding only numbers (or nothing) are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly unknown[])[], format: CellFormat = byValue): string {
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const align = numeric.map((n) => (n ? 'right' : 'left') as 'right' | 'left');
  const t = new Table({
    // Header cells as objects so that a numeric column's title is right-aligned too (the typings say strings; cli-table3 takes cells).
    head: header.map((h, i) => ({ content: h, hAlign: align[i] })) as unknown as string[],
    colAligns: align,
    chars: CHARS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  for (const r of rows) t.push(header.map((h, i) => format(h, r[i], r)));
  const lines = t.toString().split('\n').map((l) => l.trimEnd());
  // cli-table3 draws the rule under the header only above a first row; a table without rows keeps it too.
  if (rows.length === 0) lines.push(header.map((h) => '-'.repeat(h.length)).join('  '));
  return lines.join('\n') + '\n';
}

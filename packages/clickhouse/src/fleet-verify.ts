import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { crc32, gunzipSync } from 'node:zlib';
import { BAD_LINE_KINDS, listLogFiles, readLine, type BadLineCounts } from '@daybook/analytics';
import { splitLink } from '@daybook/core';
import { APP_LINE_ID_PREFIX, rowOf, type Row } from './row.js';
import type { QueryRunner } from './runner.js';
import { COLUMNS, type ColumnName } from './schema.js';
import { from, str } from './sql.js';

// `daybook verify DIR --clickhouse URL`: ClickHouse holds exactly DIR's lines, none missing,
// altered or added. DIR's own chain is core's verify; this compares what it vouches for (the
// audit.log family, rotated and gzipped backups included: the lines a shipper ships) with the
// bot's rows in ClickHouse, event by event: each row must be the row of its line, chain link
// (`hash`) included. ClickHouse is then the outside witness a local chain lacks: a directory
// rolled back or cut short after its lines were shipped has fewer lines than ClickHouse
// ("added"), which its own chain, rewritten from the cut, would not show.
// Cost: one pass over DIR, one SELECT of the bot's rows; memory, an id and a 32-bit digest per event.

/** The columns compared: all but where a line sat (file names and offsets change as files rotate) and `time` (ts in seconds). */
const COMPARED: readonly ColumnName[] = COLUMNS.map(([n]) => n).filter((n) => !['bot', 'host', 'file', 'offset', 'time'].includes(n));

export interface FleetLine {
  event_id: string;
  /** Where it is in DIR (file:line) or, for a row only in ClickHouse, its timestamp. */
  at: string;
}

export interface FleetVerifyResult {
  ok: boolean;
  bot: string;
  /** Event lines in DIR's audit.log family. */
  lines: number;
  /** The bot's events in ClickHouse (its app text lines' rows are not compared). */
  rows: number;
  missing: FleetLine[];
  altered: (FleetLine & { columns: string[] })[];
  added: FleetLine[];
  /** The full counts (the lists hold the first `limit` of each). */
  counts: { missing: number; altered: number; added: number };
}

/**
 * The shipper also ships DIR's app text lines (`<app>.log`, as app_log rows with an
 * `app-line:` id): no chain vouches for them, so they are not compared, and not "added"
 * either. (By id, not by file: under FINAL the surviving copy of a Python DayBot event may be
 * its trades.log one.)
 */
const NOT_APP_LINE = `NOT like(event_id, ${str(`${APP_LINE_ID_PREFIX}%`)})`;

/** The compared values of a row, as one text (numbers as JavaScript writes them: a server's 64-bit integers come as text). */
const norm = (v: unknown): string => (v === null || v === undefined ? '\u0000null' : String(v));
const rowText = (r: Record<string, unknown>): string => COMPARED.map((c) => norm(r[c])).join('\u0001');

/** Event lines of DIR's audit.log family, as the rows a shipper inserts. */
function* localRows(dir: string, bot: string): Generator<{ row: Row; at: string }> {
  const bad = Object.fromEntries(BAD_LINE_KINDS.map((k) => [k, 0])) as unknown as BadLineCounts;
  for (const f of listLogFiles([dir]).filter((x) => x.base === 'audit')) {
    const bytes = readFileSync(f.path);
    const text = (f.gz ? gunzipSync(bytes) : bytes).toString('utf8');
    const file = basename(f.path);
    let lineNo = 0;
    let found: Row | undefined;
    const sink = { bad, add: (o: Record<string, unknown>, ts: number) => (found = rowOf(o, ts, { bot, host: '', file, offset: 0 })), addAppLine: () => undefined };
    for (const line of text.split('\n')) {
      lineNo++;
      if (line === '') continue;
      found = undefined;
      readLine(line, sink);
      if (found === undefined) continue;
      const row = found as Row;
      row.hash = splitLink(line)?.hash ?? '';
      yield { row, at: `${file}:${lineNo}` };
    }
  }
}

/** Compares DIR's lines with bot `bot`'s rows in `database` (FINAL: what every report reads). */
export async function verifyAgainstClickHouse(runner: QueryRunner, database: string, dir: string, bot: string, options: { limit?: number } = {}): Promise<FleetVerifyResult> {
  const limit = options.limit ?? 100;
  // Only a digest per event is kept; the columns that differ are found by a second pass over
  // DIR for the (first `limit`) altered events.
  const local = new Map<string, { digest: number; at: string }>();
  let lines = 0;
  for (const { row, at } of localRows(dir, bot)) {
    lines++;
    local.set(row.event_id as string, { digest: crc32(rowText(row)), at });
  }
  const rows = await runner.rows<Record<string, unknown>>(`SELECT ${COMPARED.map((c) => `\`${c}\``).join(', ')} FROM ${from(database)} WHERE bot = ${str(bot)} AND ${NOT_APP_LINE}`);
  const missing: FleetLine[] = [];
  const altered: (FleetLine & { columns: string[] })[] = [];
  const added: FleetLine[] = [];
  const seen = new Set<string>();
  let addedCount = 0;
  let alteredCount = 0;
  const theirs = new Map<string, string[]>();
  for (const r of rows) {
    const id = String(r.event_id);
    seen.add(id);
    const mine = local.get(id);
    if (mine === undefined) {
      addedCount++;
      if (added.length < limit) added.push({ event_id: id, at: String(r.timestamp) });
      continue;
    }
    const text = rowText(r);
    if (crc32(text) === mine.digest) continue;
    alteredCount++;
    if (altered.length < limit) {
      altered.push({ event_id: id, at: mine.at, columns: [] });
      theirs.set(id, text.split('\u0001'));
    }
  }
  if (theirs.size > 0) {
    for (const { row } of localRows(dir, bot)) {
      const t = theirs.get(row.event_id as string);
      if (t === undefined) continue;
      const ours = rowText(row).split('\u0001');
      altered.find((a) => a.event_id === row.event_id)!.columns = COMPARED.filter((_, i) => t[i] !== ours[i]);
    }
  }
  let missingCount = 0;
  for (const [id, l] of local) {
    if (seen.has(id)) continue;
    missingCount++;
    if (missing.length < limit) missing.push({ event_id: id, at: l.at });
  }
  return { ok: missingCount + alteredCount + addedCount === 0, bot, lines, rows: rows.length, missing, altered, added, counts: { missing: missingCount, altered: alteredCount, added: addedCount } };
}

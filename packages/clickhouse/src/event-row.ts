import { isoOf } from '@daybook/analytics';
import { EVENT_FIELDS } from '@daybook/core';
import { APP_LINE_ID_PREFIX } from './row.js';

// An `events` row back as the event a log line holds: what /audit/events, the stream and the
// export give over ClickHouse. Pure.
//
// The row has a typed column per field of the event schema (schema.ts), so the event is
// rebuilt field by field in the order core's logger writes them (EVENT_FIELDS): the schema's
// required fields always, the optional ones when the column is not NULL, metadata parsed from
// its JSON text. For a line written by core's logger this is the line's event exactly (and
// `lineOf` its text, chain link included). What a row cannot give back, on purpose (README
// "Events, stream and export over ClickHouse"): a field outside the schema; an optional
// number written as `null` (a non-finite value) comes back absent; a required field a line
// lacked (the Python DayBot writes no `environment`) comes back as ''.

/** The columns an event is rebuilt from, plus its place in the fleet. */
export const EVENT_ROW_COLUMNS = ['bot', 'host', 'hash', 'ts', ...Object.keys(EVENT_FIELDS).filter((f) => f !== 'hash')] as const;

const FIELDS = Object.entries(EVENT_FIELDS).filter(([f]) => f !== 'hash') as [string, { kind: string; required: boolean }][];

/** A row as JSONEachRow gives it (64-bit integers may come as strings). */
export type EventRow = Record<string, unknown> & { bot: string; host: string; hash: string; ts: string | number; event_id: string };

/** The event of a row, in EVENT_FIELDS order (no chain link, as analytics and the event index read a line). */
export function eventOf(row: EventRow): Record<string, unknown> {
  // An app text line as the file export writes one (analytics' export.ts FilterSink.addAppLine).
  if (row.event_id.startsWith(APP_LINE_ID_PREFIX)) {
    return { timestamp: isoOf(Number(row.ts)), level: String(row.level).toUpperCase(), event_type: 'app_log', component: row.component, message: row.message, logger: row.logger, metadata: {} };
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of FIELDS) {
    const v = row[name];
    if (name === 'metadata') out.metadata = parseMetadata(v);
    else if (spec.kind === 'integer') {
      if (v !== null && v !== undefined) out[name] = Number(v);
    } else if (spec.required || (v !== null && v !== undefined)) out[name] = v ?? '';
  }
  return out;
}

function parseMetadata(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return {};
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return {};
  }
}

/**
 * What core's `quote` escapes beyond JSON.stringify (U+2028, U+2029, DEL and the C1 controls:
 * line breaks to some readers). They occur in JSON text only inside strings, so escaping them
 * in the whole text is escaping them in every string and key, as core's writer does.
 */
const CORE_EXTRA_ESCAPE = /[\u007f-\u009f\u2028\u2029]/g;
const unicodeEscape = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** An event's JSON as core's logger writes it (its line's content, before the chain link). */
export const jsonOf = (event: Record<string, unknown>): string => JSON.stringify(event).replace(CORE_EXTRA_ESCAPE, unicodeEscape);

/** The line as written: the event's JSON, with its chain link when it had one (core's chain.ts: `,"hash":"<hex>"}` at the end). */
export function lineOf(row: EventRow, event = eventOf(row)): string {
  const json = jsonOf(event);
  return row.hash === '' ? json : `${json.slice(0, -1)},"hash":"${row.hash}"}`;
}

import { EVENT_TYPES } from '@daybook/core';
import { LEVELS } from './event-index.js';

// JSON Schemas of every query string and body: Fastify validates them (Ajv) before a handler
// runs, and @fastify/swagger turns them into the OpenAPI document. Strings are bounded and
// patterned so that nothing a handler sees is surprising; unknown parameters are refused.

/** `YYYY-MM-DD` or an ISO-8601 timestamp (the calendar is checked by the handler). */
const DATE = { type: 'string', maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?$' } as const;
const DAY = { type: 'string', maxLength: 10, pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
/** Symbols and sessions: printable, no control characters. */
const NAME = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;
const list = <T extends object>(items: T, maxItems = 50) => ({ type: 'array', items, maxItems }) as const;

const RANGE_PROPS = {
  start_date: { ...DATE, description: 'YYYY-MM-DD (from 00:00 UTC) or an ISO-8601 timestamp (inclusive)' },
  end_date: { ...DATE, description: 'YYYY-MM-DD (the whole UTC day) or an ISO-8601 timestamp (inclusive)' },
} as const;

/** A fleet's filters (a server started with a fleet: daybook serve --clickhouse). */
const FLEET_PROPS = {
  bot: { ...NAME, description: 'only this bot (a server reading a fleet: daybook serve --clickhouse)' },
  host: { ...NAME, description: 'only this host (a server reading a fleet)' },
} as const;

export const RANGE_QUERY = { type: 'object', additionalProperties: false, properties: { ...RANGE_PROPS, ...FLEET_PROPS } } as const;

export const TIMESERIES_QUERY = {
  type: 'object', additionalProperties: false, required: ['start_date', 'end_date'],
  properties: {
    start_date: { ...DAY, description: 'first UTC day, YYYY-MM-DD' },
    end_date: { ...DAY, description: 'last UTC day, YYYY-MM-DD (included)' },
    bucket: { type: 'string', enum: ['hour', 'day'], default: 'day', description: 'one point per UTC hour or per UTC day' },
    max_trades: { type: 'integer', minimum: 0, maximum: 200_000, default: 200_000, description: 'most closed trades listed (the latest); the buckets count them all' },
    ...FLEET_PROPS,
  },
} as const;

export const DAILY_QUERY = {
  type: 'object', additionalProperties: false,
  properties: { date: { ...DAY, description: 'a UTC day, YYYY-MM-DD; default today' }, ...FLEET_PROPS },
} as const;

const FILTER_PROPS = {
  ...RANGE_PROPS,
  ...FLEET_PROPS,
  event_types: { ...list({ type: 'string', enum: EVENT_TYPES }, 32), description: 'event types, repeated or comma-separated' },
  level: { type: 'string', enum: [...LEVELS, ...LEVELS.map((l) => l.toLowerCase())], description: 'minimum level' },
  symbol: { ...list(NAME), description: 'symbols, repeated or comma-separated' },
  session: { ...list(NAME), description: 'session ids, repeated or comma-separated' },
} as const;

/** Query parameters given as repeated or comma-separated values. */
export const LIST_PARAMS = ['event_types', 'symbol', 'session'] as const;

export const EVENTS_QUERY = {
  type: 'object', additionalProperties: false,
  properties: {
    ...FILTER_PROPS,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    order: { type: 'string', enum: ['desc', 'asc'], default: 'desc', description: 'desc: newest first' },
    cursor: { type: 'string', maxLength: 300, pattern: '^[A-Za-z0-9_-]+$', description: 'next_cursor of the previous page' },
  },
} as const;

export const STREAM_QUERY = {
  type: 'object', additionalProperties: false,
  properties: {
    ...FILTER_PROPS,
    last_event_id: { type: 'string', maxLength: 300, pattern: '^[A-Za-z0-9_-]+$', description: 'resume after this event id (as the Last-Event-ID header)' },
  },
} as const;

export const EXPORT_BODY = {
  type: 'object', additionalProperties: false,
  properties: {
    output_file: { type: 'string', minLength: 1, maxLength: 200, description: 'a file name (no directories) inside the export directory' },
    ...RANGE_PROPS,
    event_types: list({ type: 'string', enum: EVENT_TYPES }, 32),
    symbols: list(NAME),
    sessions: list(NAME),
    ...FLEET_PROPS,
    format: { type: 'string', enum: ['csv', 'jsonl', 'parquet'], description: 'default: from output_file\'s extension, else csv' },
  },
} as const;

export const VERIFY_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

/** A value of one of the list parameters, split on commas (and de-duplicated). */
export function splitList(v: unknown): unknown {
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',') : [x]));
  return [...new Set(parts.filter((x) => x !== ''))];
}

export const TRADES_QUERY = {
  type: 'object', additionalProperties: false,
  properties: {
    ...RANGE_PROPS,
    open: { type: 'boolean', description: 'true: only trades open at the range\'s end (false or absent: every trade)' },
    symbol: { ...NAME, description: 'only this symbol' },
    strategy: { ...NAME, description: 'only this strategy (the entry\'s, else the first exit\'s, else "unknown")' },
    ...FLEET_PROPS,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'trades per page' },
    cursor: { type: 'string', maxLength: 1000, pattern: '^[A-Za-z0-9_-]+$', description: 'next_cursor of the previous page' },
  },
} as const;

const NUM_OR_NULL = { type: ['number', 'null'] } as const;
const TEXT_OR_NULL = { type: ['string', 'null'] } as const;

/** The 200 answer of /audit/trades, for the OpenAPI document (analytics' Trade and TradeEvent). */
export const TRADES_RESPONSE = {
  type: 'object',
  properties: {
    trades: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          trade_id: { type: 'string', description: 'event_id of its first event' },
          position_id: TEXT_OR_NULL, session_id: TEXT_OR_NULL, symbol: { type: 'string' }, side: TEXT_OR_NULL,
          strategy: { type: 'string' },
          status: { type: 'string', enum: ['open', 'closed', 'cancelled'], description: 'as of the range\'s end' },
          opened_at: TEXT_OR_NULL, closed_at: TEXT_OR_NULL, entry_price: NUM_OR_NULL, exit_price: NUM_OR_NULL, quantity: NUM_OR_NULL,
          pnl: { ...NUM_OR_NULL, description: 'Σ pnl of its exits (derived from the entry when an exit has none)' },
          fees: { type: 'number', description: 'Σ fee of its events' },
          net_pnl: { ...NUM_OR_NULL, description: 'pnl − fees' },
          hold_minutes: { ...NUM_OR_NULL, description: 'the closing exit\'s; null while open' },
          age_minutes: { ...NUM_OR_NULL, description: 'minutes since the entry while open (as of the range\'s end, or now)' },
          exit_reason: TEXT_OR_NULL,
          events: {
            type: 'array', description: 'its events in order',
            items: {
              type: 'object',
              properties: {
                timestamp: { type: 'string' }, event_type: { type: 'string' }, event_id: { type: 'string' },
                price: NUM_OR_NULL, quantity: NUM_OR_NULL, pnl: NUM_OR_NULL, fee: NUM_OR_NULL, reason: TEXT_OR_NULL,
              },
            },
          },
        },
      },
    },
    open_trades: { type: 'integer', description: 'trades open at the range\'s end, whatever the filters' },
    next_cursor: { ...TEXT_OR_NULL, description: 'pass as cursor for the next page; null on the last' },
    bad_lines: { type: 'object', additionalProperties: true },
  },
} as const;

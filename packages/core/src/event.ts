import type { EventType } from './event-type.js';
import type { LogLevel } from './level.js';

/**
 * One line of a daybook log file, as parsed JSON. Field names are the on-disk snake_case of
 * the contract; a superset of what the Python DayBot wrote (its `module`, `function` and
 * `line` are written only with `captureCaller`).
 */
export interface AuditEvent {
  timestamp: string;
  level: LogLevel;
  logger: string;
  message: string;
  event_id: string;
  event_type: EventType;
  component: string;
  session_id: string;
  environment: string;
  module?: string;
  function?: string;
  line?: number;
  symbol?: string;
  side?: string;
  quantity?: number | null;
  price?: number | null;
  order_id?: string;
  position_id?: string;
  pnl?: number | null;
  fee?: number | null;
  risk_percent?: number | null;
  portfolio_value?: number | null;
  daily_pnl?: number | null;
  portfolio_heat?: number | null;
  latency_ms?: number | null;
  strategy_name?: string;
  metadata: Record<string, unknown>;
  /** Hash chain link (storage engine): SHA-256 over the previous line's hash and this line. */
  hash?: string;
}

type FieldKind = 'string' | 'number' | 'integer' | 'level' | 'event_type' | 'object' | 'timestamp' | 'uuid';
export interface FieldSpec {
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly description: string;
}

/**
 * The one description of the line. `Record<keyof AuditEvent, …>` makes the compiler reject a
 * field missing here or one that the type does not have, so the JSON Schema generated from it
 * (schema.ts) cannot drift from the TypeScript type. Order is the order fields are written.
 */
export const EVENT_FIELDS: Readonly<Record<keyof AuditEvent, FieldSpec>> = {
  timestamp: { kind: 'timestamp', required: true, description: 'ISO-8601 UTC instant, milliseconds, Z' },
  level: { kind: 'level', required: true, description: 'DEBUG, INFO, WARNING, ERROR or CRITICAL' },
  logger: { kind: 'string', required: true, description: 'name of the logger that wrote the line' },
  message: { kind: 'string', required: true, description: 'human-readable text' },
  event_id: { kind: 'uuid', required: true, description: 'unique and time-ordered (UUIDv7)' },
  event_type: { kind: 'event_type', required: true, description: 'a value of EventType' },
  component: { kind: 'string', required: true, description: 'category of the event, or the caller component for errors' },
  session_id: { kind: 'string', required: true, description: 'session that wrote the line' },
  environment: { kind: 'string', required: true, description: 'production, paper, development, ...' },
  module: { kind: 'string', required: false, description: 'caller module (captureCaller only)' },
  function: { kind: 'string', required: false, description: 'caller function (captureCaller only)' },
  line: { kind: 'integer', required: false, description: 'caller line (captureCaller only)' },
  symbol: { kind: 'string', required: false, description: 'instrument' },
  side: { kind: 'string', required: false, description: 'buy or sell' },
  quantity: { kind: 'number', required: false, description: 'units' },
  price: { kind: 'number', required: false, description: 'price per unit' },
  order_id: { kind: 'string', required: false, description: 'broker order id' },
  position_id: { kind: 'string', required: false, description: 'links the events of one position (entry, adjustments, exits); given by the caller or by the logger' },
  pnl: { kind: 'number', required: false, description: 'realized profit and loss, account currency' },
  fee: { kind: 'number', required: false, description: 'fee or commission paid on this event, account currency (a rebate is negative)' },
  risk_percent: { kind: 'number', required: false, description: 'fraction of equity at risk (0.01 = 1 %)' },
  portfolio_value: { kind: 'number', required: false, description: 'equity' },
  daily_pnl: { kind: 'number', required: false, description: 'profit and loss of the day so far' },
  portfolio_heat: { kind: 'number', required: false, description: 'fraction of equity at risk across open positions' },
  latency_ms: { kind: 'number', required: false, description: 'latency in milliseconds' },
  strategy_name: { kind: 'string', required: false, description: 'strategy' },
  metadata: { kind: 'object', required: true, description: 'free-form details; {} when empty' },
  hash: { kind: 'string', required: false, description: 'hash chain link, hex SHA-256 (storage engine)' },
};

/** The numeric fields: non-finite values are written as null and noted in metadata. */
export type NumericField = 'quantity' | 'price' | 'pnl' | 'fee' | 'risk_percent' | 'portfolio_value' | 'daily_pnl' | 'portfolio_heat' | 'latency_ms';

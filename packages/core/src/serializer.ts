import type { CallerInfo } from './caller.js';
import { isoTimestamp } from './clock.js';
import { isEventType, type EventType } from './event-type.js';
import type { NumericField } from './event.js';
import { uuidv7 } from './id.js';
import { DEFAULT_METADATA_LIMITS, LineNotes, MetadataWriter, quote, toText, type IsSecretKey, type MetadataLimits } from './json.js';
import { isLogLevel, type LogLevel } from './level.js';

/**
 * The typed fields a log call may carry, camelCase as the caller writes them. Log methods'
 * option objects extend this, and the serializer reads them straight from the caller's object:
 * no intermediate record is built.
 */
export interface EventFields {
  symbol?: string;
  side?: string;
  quantity?: number;
  price?: number;
  orderId?: string;
  positionId?: string;
  pnl?: number;
  riskPercent?: number;
  portfolioValue?: number;
  dailyPnl?: number;
  portfolioHeat?: number;
  latencyMs?: number;
  strategyName?: string;
  metadata?: Record<string, unknown>;
}

export interface SerializerOptions {
  sessionId: string;
  environment: string;
  logger?: string;
  isSecret: IsSecretKey;
  limits?: Partial<MetadataLimits>;
}

/**
 * Turns one log call into one JSON line, in the field order of EVENT_FIELDS. This is the hot
 * path: constant parts are built once per logger, strings are escaped only when they need
 * it, and nothing is JSON.stringify'd as a whole (a merged object would cost an allocation per
 * field and could not be made safe against hostile input).
 */
export class EventSerializer {
  private readonly loggerPart: string;
  private readonly sessionPart: string;
  private readonly meta: MetadataWriter;
  private readonly notes = new LineNotes();
  /** The event_id of the last line (read right after serialize: one object less per call). */
  lastId = '';
  /** What the last line had to repair, or undefined when its input was clean. */
  lastWarnings: readonly string[] | undefined;

  constructor(options: SerializerOptions) {
    this.loggerPart = '","logger":' + quote(options.logger ?? 'daybook_audit') + ',"message":';
    this.sessionPart = ',"session_id":' + quote(options.sessionId) + ',"environment":' + quote(options.environment);
    this.meta = new MetadataWriter({ ...DEFAULT_METADATA_LIMITS, ...options.limits }, options.isSecret);
  }

  serialize(
    nowMs: number,
    level: LogLevel,
    type: EventType,
    component: string,
    message: unknown,
    fields: EventFields | undefined,
    extra: Record<string, unknown> | undefined,
    caller?: CallerInfo,
  ): string {
    const notes = this.notes;
    notes.reset();
    if (!isLogLevel(level)) {
      notes.warn(`level ${toText(level)} is not a LogLevel; written as INFO`);
      level = 'INFO';
    }
    if (!isEventType(type)) {
      notes.warn(`event_type ${toText(type)} is not an EventType; written as app_log`);
      type = 'app_log';
    }
    const id = (this.lastId = uuidv7(nowMs));
    let s =
      '{"timestamp":"' + isoTimestamp(nowMs) + '","level":"' + level + this.loggerPart + this.text('message', message) +
      ',"event_id":"' + id + '","event_type":"' + type + '","component":' + this.text('component', component) + this.sessionPart;
    if (caller !== undefined) {
      s += ',"module":' + quote(caller.module) + ',"function":' + quote(caller.function) + ',"line":' + caller.line;
    }
    let metadata: unknown;
    if (fields !== undefined && fields !== null) {
      const f = fields;
      if (f.symbol !== undefined) s += ',"symbol":' + this.text('symbol', f.symbol);
      if (f.side !== undefined) s += ',"side":' + this.text('side', f.side);
      if (f.quantity !== undefined) s += this.num('quantity', f.quantity);
      if (f.price !== undefined) s += this.num('price', f.price);
      if (f.orderId !== undefined) s += ',"order_id":' + this.text('order_id', f.orderId);
      if (f.positionId !== undefined) s += ',"position_id":' + this.text('position_id', f.positionId);
      if (f.pnl !== undefined) s += this.num('pnl', f.pnl);
      if (f.riskPercent !== undefined) s += this.num('risk_percent', f.riskPercent);
      if (f.portfolioValue !== undefined) s += this.num('portfolio_value', f.portfolioValue);
      if (f.dailyPnl !== undefined) s += this.num('daily_pnl', f.dailyPnl);
      if (f.portfolioHeat !== undefined) s += this.num('portfolio_heat', f.portfolioHeat);
      if (f.latencyMs !== undefined) s += this.num('latency_ms', f.latencyMs);
      if (f.strategyName !== undefined) s += ',"strategy_name":' + this.text('strategy_name', f.strategyName);
      metadata = f.metadata;
    }
    s += ',"metadata":' + this.meta.write(metadata, extra, notes) + '}';
    this.lastWarnings = notes.warnings;
    return s;
  }

  private text(name: string, v: unknown): string {
    if (typeof v === 'string') return quote(v);
    this.notes.warn(`${name} was ${v === null ? 'null' : typeof v}, not a string; written as text`);
    return quote(toText(v));
  }

  private num(name: NumericField, v: unknown): string {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return ',"' + name + '":' + v;
    } else if (v === null) {
      return ',"' + name + '":null';
    } else if (typeof v === 'bigint') {
      if (!Number.isSafeInteger(Number(v))) this.notes.warn(`${name} is a BigInt beyond 2^53; readers may round it`);
      return ',"' + name + '":' + v.toString();
    } else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) {
      this.notes.warn(`${name} was the string ${quote(v)}; written as a number`);
      return ',"' + name + '":' + Number(v);
    }
    this.notes.invalidNumber(name, v);
    return ',"' + name + '":null';
  }
}

import type { CallerInfo } from './caller.js';
import { isoTimestamp } from './clock.js';
import { isEventType, type EventType } from './event-type.js';
import type { NumericField } from './event.js';
import { uuidv7 } from './id.js';
import { brief, clip, DEFAULT_METADATA_LIMITS, LineNotes, MetadataWriter, quote, toText, type IsSecretKey, type MetadataLimits } from './json.js';
import { maskSecrets, suspect } from './redact.js';
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
  /**
   * Links the events of one position (metrics.md "Trades"). On trade events the audit logger
   * gives one when none is given (AuditLogger.logTradeEntry).
   */
  positionId?: string;
  /** Realized profit and loss of this event, before fees. */
  pnl?: number;
  /** Fee or commission paid on this event (a rebate is negative); net P&L is pnl minus fees. */
  fee?: number;
  riskPercent?: number;
  portfolioValue?: number;
  dailyPnl?: number;
  portfolioHeat?: number;
  latencyMs?: number;
  strategyName?: string;
  metadata?: Record<string, unknown>;
}

/**
 * Limits on a line's text fields and on the line as a whole, so that a 100 MB symbol costs
 * neither 100 MB of disk nor the memory to copy it. Counted in characters (UTF-16 units) of
 * the value, before JSON escaping; a cut value ends with `…[cut N characters]` and is noted
 * in `metadata._daybook_warnings`.
 */
export interface LineLimits {
  /** `message`. Default 64 Ki characters. */
  maxMessageLength: number;
  /** `symbol`, `side`, `order_id`, `position_id`, `strategy_name`, `component`. Default 256. */
  maxFieldLength: number;
  /**
   * The whole line, in characters. The other limits keep a line under it (about 700 Ki
   * characters at worst with the defaults, every character escaped); should one not, the line
   * is written again without its metadata, its message cut to 4096 characters, and says so.
   * Default 1 Mi characters.
   */
  maxLineLength: number;
}

export const DEFAULT_LINE_LIMITS: LineLimits = {
  maxMessageLength: 64 * 1024,
  maxFieldLength: 256,
  maxLineLength: 1024 * 1024,
};

export interface SerializerOptions {
  sessionId: string;
  environment: string;
  logger?: string;
  isSecret: IsSecretKey;
  /** Mask secret shapes (URL parameters, Bearer tokens, JWTs, PEM keys) in the message and metadata strings. Default true. */
  maskValues?: boolean;
  limits?: Partial<MetadataLimits>;
  lineLimits?: Partial<LineLimits>;
}

/** The message of a line rewritten because it was over maxLineLength. */
const FALLBACK_MESSAGE_LENGTH = 4096;

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
  private readonly notes: LineNotes;
  private readonly lineLimits: LineLimits;
  private readonly mask: IsSecretKey | undefined;
  /** The event_id of the last line (read right after serialize: one object less per call). */
  lastId = '';
  /** What the last line had to repair, or undefined when its input was clean. */
  lastWarnings: readonly string[] | undefined;
  /** The message as the last line holds it (cut, masked): for the console. */
  lastMessage = '';

  constructor(options: SerializerOptions) {
    this.loggerPart = '","logger":' + quote(options.logger ?? 'daybook_audit') + ',"message":';
    this.sessionPart = ',"session_id":' + quote(options.sessionId) + ',"environment":' + quote(options.environment);
    const maskValues = options.maskValues ?? true;
    this.mask = maskValues ? options.isSecret : undefined;
    this.notes = new LineNotes(this.mask);
    this.meta = new MetadataWriter({ ...DEFAULT_METADATA_LIMITS, ...options.limits }, options.isSecret, maskValues);
    this.lineLimits = { ...DEFAULT_LINE_LIMITS, ...options.lineLimits };
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
    /**
     * The audit logger's position id for a trade event: a string is written in place of
     * `fields.positionId`, null writes none; undefined writes `fields.positionId` as given.
     */
    positionId?: string | null,
  ): string {
    const notes = this.notes;
    notes.reset();
    if (!isLogLevel(level)) {
      notes.warn(`level ${brief(level)} is not a LogLevel; written as INFO`);
      level = 'INFO';
    }
    if (!isEventType(type)) {
      notes.warn(`event_type ${brief(type)} is not an EventType; written as app_log`);
      type = 'app_log';
    }
    const before = notes.warnings?.length ?? 0;
    let maxMessage = this.lineLimits.maxMessageLength;
    let withMetadata = true;
    for (;;) {
      const id = (this.lastId = uuidv7(nowMs));
      let s =
        '{"timestamp":"' + isoTimestamp(nowMs) + '","level":"' + level + this.loggerPart + this.message(message, maxMessage) +
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
        if (positionId === undefined) {
          if (f.positionId !== undefined) s += ',"position_id":' + this.text('position_id', f.positionId);
        } else s += this.positionId(f.positionId, positionId);
        if (f.pnl !== undefined) s += this.num('pnl', f.pnl);
        if (f.fee !== undefined) s += this.num('fee', f.fee);
        if (f.riskPercent !== undefined) s += this.num('risk_percent', f.riskPercent);
        if (f.portfolioValue !== undefined) s += this.num('portfolio_value', f.portfolioValue);
        if (f.dailyPnl !== undefined) s += this.num('daily_pnl', f.dailyPnl);
        if (f.portfolioHeat !== undefined) s += this.num('portfolio_heat', f.portfolioHeat);
        if (f.latencyMs !== undefined) s += this.num('latency_ms', f.latencyMs);
        if (f.strategyName !== undefined) s += ',"strategy_name":' + this.text('strategy_name', f.strategyName);
        metadata = f.metadata;
      } else if (positionId !== undefined) {
        s += this.positionId(undefined, positionId);
      }
      s += ',"metadata":' + (withMetadata ? this.meta.write(metadata, extra, notes) : this.meta.write(undefined, undefined, notes)) + '}';
      this.lastWarnings = notes.warnings;
      if (s.length <= this.lineLimits.maxLineLength || !withMetadata) return s;
      // A backstop: the limits above should make this unreachable. Written again: the fields
      // that say what happened stay, the metadata goes, and the line says so (each repair once).
      notes.rewind(before);
      maxMessage = Math.min(FALLBACK_MESSAGE_LENGTH, maxMessage);
      withMetadata = false;
      notes.warn(`the line was ${s.length} characters, over maxLineLength ${this.lineLimits.maxLineLength}; written without its metadata, the message cut to ${maxMessage}`);
    }
  }

  /**
   * The message as JSON, cut and masked. One scan in the common case: SUSPECT also says
   * whether the text needs escaping.
   */
  private message(message: unknown, max: number): string {
    let msg = this.cut('message', typeof message === 'string' ? message : this.nonString('message', message), max);
    let quoted: string;
    if (!suspect(msg)) quoted = '"' + msg + '"';
    else {
      if (this.mask !== undefined) msg = maskSecrets(msg, this.mask);
      quoted = quote(msg);
    }
    this.lastMessage = msg;
    return quoted;
  }

  /** A short text field: cut to maxFieldLength, escaped. Not masked: identifiers, and a scan each would cost the hot path. */
  private text(name: string, v: unknown): string {
    return quote(this.cut(name, typeof v === 'string' ? v : this.nonString(name, v), this.lineLimits.maxFieldLength));
  }

  /** The logger's position id in place of the caller's value, which was not an id (null and undefined say none). */
  private positionId(given: unknown, id: string | null): string {
    if (given !== undefined && given !== null) {
      const what = given === '' ? 'an empty string' : typeof given === 'number' ? String(given) : typeof given;
      this.notes.warn(`position_id was ${what}, not an id; ${id === null ? 'left out' : 'written as ' + id}`);
    }
    return id === null ? '' : ',"position_id":' + quote(id);
  }

  private nonString(name: string, v: unknown): string {
    this.notes.warn(`${name} was ${v === null ? 'null' : typeof v}, not a string; written as text`);
    return toText(v);
  }

  private cut(name: string, v: string, max: number): string {
    if (v.length <= max) return v;
    this.notes.warn(`${name} was ${v.length} characters; cut to ${max}`);
    return clip(v, max);
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

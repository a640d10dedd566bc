import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, accessSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { callerOf } from './caller.js';
import { isoTimestamp } from './clock.js';
import { readAuditEnv } from './config.js';
import { DaybookError, daybookError } from './errors.js';
import { CATEGORY_OF, EventType, isEventType, type EventCategory } from './event-type.js';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { FileSink, storageOptions } from './file-sink.js';
import { brief, clip, toText, type MetadataLimits } from './json.js';
import { LEVEL_OFF, LEVEL_VALUE, LogLevel, isLogLevel } from './level.js';
import { CATEGORY_FILE, LOG_FILES, type LogFile } from './log-files.js';
import { DEFAULT_MAX_OPEN_POSITIONS, OpenPositions } from './positions.js';
import { formatPretty, wantsColor } from './pretty.js';
import { createSecretKeyTest } from './redact.js';
import { Reporter } from './report.js';
import { DEFAULT_LINE_LIMITS, EventSerializer, type EventFields, type LineLimits } from './serializer.js';
import { RESOLVED_FALSE, RESOLVED_TRUE, type Durability } from './sink.js';
import { VERSION } from './version.js';

export interface AuditLoggerOptions {
  /** Default `logs`, or DAYBOT_LOG_DIR. */
  logDir?: string;
  /** Written on every line. Default `development`. */
  environment?: string;
  /** Written on every line. Default: generated, `session_YYYYMMDD_HHMMSS_xxxxxx`. */
  sessionId?: string;
  /** Console threshold, or `false` for no console output. Default INFO, or DAYBOT_LOG_LEVEL. */
  consoleLevel?: LogLevel | false;
  /** File threshold. Default DEBUG. */
  fileLevel?: LogLevel;
  /** Bytes before a file rotates. Default 50 MiB, or DAYBOT_LOG_MAX_SIZE. */
  maxFileSize?: number;
  /** Rotated backups kept per file. Default 10, or DAYBOT_LOG_BACKUP_COUNT. */
  backupCount?: number;
  /** Gzip rotated files. Default true. */
  compress?: boolean;
  /** Delete rotated files older than this many days. Default: only backupCount limits them. */
  retentionDays?: number;
  /** An Ed25519 private key (KeyObject or PEM) that signs the chain's checkpoints. */
  signingKey?: KeyObject | string | Buffer;
  /** Hash-chain every line and write checkpoints (CHAIN.md). Default true. */
  chain?: boolean;
  /** A checkpoint every this many lines per file, or every `checkpointMs`, whichever first. Defaults 10,000 and 10,000 ms. */
  checkpointLines?: number;
  checkpointMs?: number;
  /** Per category; `trading` defaults to `batch`, the rest to `none`. */
  durability?: Partial<Record<EventCategory, Durability>>;
  /** `batch` durability: fdatasync at most this often (ms). Default 50. */
  batchIntervalMs?: number;
  /** Bytes queued per file before DEBUG/INFO non-trade events are dropped. Default 8 MiB. */
  bufferSize?: number;
  /**
   * A log call's promise resolves false after waiting this long (ms) for its line to be
   * written (and synced, as its durability asks): a disk outage cannot hold an awaiting bot
   * for its whole length. The line is kept and written when the disk returns. Default 30,000.
   */
  ackTimeoutMs?: number;
  /** close() returns after this long (ms) even if a disk fault keeps lines unwritten, and reports how many. Default 30,000. */
  closeTimeoutMs?: number;
  /** Metadata keys to redact (fragments: 5+ letters anywhere in a key, shorter ones as whole words; redact.ts), or false. */
  redactKeys?: readonly string[] | false;
  /** Mask secret shapes in the message and metadata strings (secret URL parameters, Bearer/Basic credentials, JWTs, PEM private keys). Default true. */
  redactValues?: boolean;
  /** Depth 8, 64 KiB, strings 16 Ki characters, 1000 entries, 10,000 values, keys 256 characters. */
  metadataLimits?: Partial<MetadataLimits>;
  /** message 64 Ki characters, symbol / side / ids / strategy_name / component 256, the line 1 Mi characters (README "Limits"). */
  lineLimits?: Partial<LineLimits>;
  /**
   * Open positions whose ids the logger gave (trade events logged without `positionId`),
   * kept so that their exits get the same id; past it the oldest are forgotten (with one
   * `DAYBOOK_W_OPEN_POSITIONS` warning). Default 10,000.
   */
  maxOpenPositions?: number;
  /**
   * false: trade events carry only the `positionId` the caller passes, as the Python DayBot's
   * lines (the analyzer then links them first in, first out itself); logTradeEntry's
   * `positionId` is then the caller's, or '' when none was given. Default true.
   */
  autoPositionIds?: boolean;
  /** Add the caller's module, function and line to every line, as the Python logger did. Costs a stack capture per call. */
  captureCaller?: boolean;
  /** Where console lines go. Default process.stdout. */
  consoleStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force colors on or off; default: on for a terminal. */
  colors?: boolean;
  /** Replaces the file driver (tests inject faults through it). */
  fileDriver?: FileDriver;
  /**
   * Where timestamps come from (ms since the epoch). Default Date.now. Simulations and
   * backfills pass their own; it should not run backwards, or event_ids (time-ordered) get
   * ahead of their timestamps.
   */
  clock?: () => number;
  /** The environment to read DAYBOT_* from. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Options every log method accepts besides its typed fields. */
export interface LevelOption {
  level?: LogLevel;
}
export interface EventOptions extends EventFields, LevelOption {}

export interface TradeEntryOptions extends EventOptions {
  symbol: string;
  side: string;
  quantity: number;
  price: number;
}
/**
 * What logTradeEntry returns: the promise every log method returns (true once the line is as
 * durable as its category asks, false otherwise, never rejects), carrying the position id
 * the entry was written with, so that the caller can pass it to the position's other events.
 */
export type TradeEntryResult = Promise<boolean> & { readonly positionId: string };

export interface TradeExitOptions extends EventOptions {
  symbol: string;
  quantity: number;
  price: number;
  pnl?: number;
  /** Written as `metadata.exit_reason`. */
  reason?: string;
}
export interface TradeSignalOptions extends EventOptions {
  symbol: string;
  price: number;
}
export interface TradeCancelledOptions extends EventOptions {
  orderId: string;
  reason?: string;
}
export interface PositionAdjustedOptions extends EventOptions {
  symbol: string;
  quantity: number;
  previousQuantity?: number;
  reason?: string;
}
export interface ErrorOptions extends LevelOption {
  error?: unknown;
  metadata?: Record<string, unknown>;
  eventType?: EventType;
  symbol?: string;
  orderId?: string;
}
export interface ApiCallOptions extends EventOptions {
  endpoint: string;
  method: string;
  statusCode?: number;
  latencyMs?: number;
  /** An API event type other than api_call (api_error, rate_limit). */
  eventType?: EventType;
}
export interface GenericEventOptions extends EventOptions {
  component?: string;
}

const DEFAULT_DURABILITY: Readonly<Record<EventCategory, Durability>> = {
  trading: 'batch', system: 'none', risk: 'none', strategy: 'none', api: 'none', performance: 'none',
};

/** Live loggers, flushed synchronously if the process exits with lines still queued. */
const live = new Set<AuditLogger>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const logger of live) logger.flushSync();
  });
}

/**
 * A clock read in whole milliseconds, as Date.now gives them: a timestamp and an event_id are
 * made of them, and a high-resolution clock (performance.timeOrigin + performance.now(), a
 * simulation stepping 0.1 ms per event) made `.undefinedZ` timestamps and ids with a `.` in
 * them. A reading that is no finite number is replaced by Date.now().
 */
function wholeMs(clock: () => number): () => number {
  return () => {
    const t = clock();
    return Number.isFinite(t) ? Math.floor(t) : Date.now();
  };
}

function generatedSessionId(now: number): string {
  const t = isoTimestamp(now);
  return `session_${t.slice(0, 4)}${t.slice(5, 7)}${t.slice(8, 10)}_${t.slice(11, 13)}${t.slice(14, 16)}${t.slice(17, 19)}_${Math.random().toString(16).slice(2, 8)}`;
}

/**
 * The DayBot audit logger: one method per kind of event, one JSON line per call, routed to
 * audit.log and its category's file. Log methods never throw; their promise resolves true
 * once the line is as durable as its category asks, false otherwise (never rejects).
 *
 * Events: `error` (a write or sync failed; DaybookError), `warning` (input was repaired).
 */
export class AuditLogger extends EventEmitter {
  readonly logDir: string;
  readonly sessionId: string;
  readonly environment: string;
  readonly maxFileSize: number;
  readonly backupCount: number;
  private readonly serializer: EventSerializer;
  private readonly fileThreshold: number;
  private readonly consoleThreshold: number;
  private readonly consoleStream: NodeJS.WritableStream;
  private readonly color: boolean;
  private readonly durability: Record<EventCategory, Durability>;
  private readonly sinks: Record<LogFile, FileSink>;
  private readonly captureCaller: boolean;
  private readonly reporter: Reporter;
  private readonly clock: () => number;
  private readonly positions: OpenPositions;
  private readonly autoPositionIds: boolean;
  private closing: Promise<void> | undefined;
  /** A caller's value in a built message (`Trade entry: buy 100 AAPL`), cut first: a 100 MB symbol must not be copied into the message. */
  private readonly part: (v: unknown) => string;

  constructor(options: AuditLoggerOptions = {}) {
    super();
    const env = readAuditEnv(options.env ?? process.env);
    this.clock = wholeMs(options.clock ?? Date.now);
    const now = this.clock();
    this.logDir = resolve(options.logDir ?? env.logDir ?? 'logs');
    this.environment = options.environment ?? 'development';
    this.sessionId = options.sessionId ?? generatedSessionId(now);
    this.maxFileSize = positiveInt('maxFileSize', options.maxFileSize ?? env.maxFileSize ?? 50 * 1024 * 1024);
    this.backupCount = nonNegativeInt('backupCount', options.backupCount ?? env.backupCount ?? 10);
    const consoleLevel = options.consoleLevel ?? env.consoleLevel ?? LogLevel.INFO;
    const fileLevel = options.fileLevel ?? LogLevel.DEBUG;
    if (consoleLevel !== false && !isLogLevel(consoleLevel)) throw daybookError('DAYBOOK_E_CONFIG_OPTION', `consoleLevel ${String(consoleLevel)} is not a LogLevel or false`);
    if (!isLogLevel(fileLevel)) throw daybookError('DAYBOOK_E_CONFIG_OPTION', `fileLevel ${String(fileLevel)} is not a LogLevel`);
    this.consoleThreshold = consoleLevel === false ? LEVEL_OFF : LEVEL_VALUE[consoleLevel];
    this.fileThreshold = LEVEL_VALUE[fileLevel];
    this.consoleStream = options.consoleStream ?? process.stdout;
    this.color = options.colors ?? wantsColor(this.consoleStream as { isTTY?: boolean }, options.env ?? process.env);
    this.durability = { ...DEFAULT_DURABILITY };
    for (const [category, d] of Object.entries(options.durability ?? {})) {
      if (!Object.prototype.hasOwnProperty.call(DEFAULT_DURABILITY, category) || (d !== 'sync' && d !== 'batch' && d !== 'none')) {
        throw daybookError('DAYBOOK_E_CONFIG_OPTION', `durability.${category}=${String(d)}: categories are ${Object.keys(DEFAULT_DURABILITY).join(', ')} and values sync, batch or none`);
      }
      this.durability[category as EventCategory] = d;
    }
    this.captureCaller = options.captureCaller === true;
    // A limit of 0, NaN or a string would cut every line to nothing, or nothing at all: say so at start-up.
    for (const [group, limits] of [['lineLimits', options.lineLimits], ['metadataLimits', options.metadataLimits]] as const) {
      for (const [k, v] of Object.entries(limits ?? {})) positiveInt(`${group}.${k}`, v as number, 'a positive whole number');
    }
    if (options.ackTimeoutMs !== undefined) positiveInt('ackTimeoutMs', options.ackTimeoutMs, 'a positive whole number of ms');
    if (options.closeTimeoutMs !== undefined) positiveInt('closeTimeoutMs', options.closeTimeoutMs, 'a positive whole number of ms');
    this.reporter = new Reporter(this, 'daybook');
    this.serializer = new EventSerializer({
      sessionId: this.sessionId,
      environment: this.environment,
      isSecret: createSecretKeyTest(options.redactKeys),
      maskValues: options.redactValues,
      limits: options.metadataLimits,
      lineLimits: options.lineLimits,
    });
    const partLength = options.lineLimits?.maxFieldLength ?? DEFAULT_LINE_LIMITS.maxFieldLength;
    this.part = (v) => clip(toText(v), partLength);
    this.autoPositionIds = options.autoPositionIds !== false;
    const maxOpen = options.maxOpenPositions === undefined ? DEFAULT_MAX_OPEN_POSITIONS : positiveInt('maxOpenPositions', options.maxOpenPositions, 'a positive whole number');
    this.positions = new OpenPositions(maxOpen, partLength, () =>
      this.reporter.warning('DAYBOOK_W_OPEN_POSITIONS', `over ${maxOpen} positions logged without positionId are open`),
    );
    this.sinks = this.openSinks(options);
    live.add(this);
    hookExit();
    this.logSystemEvent(EventType.SYSTEM_START, 'Audit logger started', {
      metadata: { pid: process.pid, hostname: hostname(), node_version: process.version, daybook_version: VERSION, log_dir: this.logDir },
    });
  }

  private openSinks(options: AuditLoggerOptions): Record<LogFile, FileSink> {
    try {
      mkdirSync(this.logDir, { recursive: true });
      accessSync(this.logDir, constants.W_OK);
    } catch (e) {
      throw daybookError('DAYBOOK_E_LOG_DIR', `log directory ${this.logDir} cannot be created or written (${(e as Error).message})`, e);
    }
    const driver = options.fileDriver ?? nodeFileDriver;
    const opened: FileSink[] = [];
    try {
      const sink = (file: LogFile): FileSink => {
        const s = new FileSink({
          ...storageOptions(options, this.maxFileSize, this.backupCount),
          path: join(this.logDir, LOG_FILES[file]),
          driver,
          // The sink has written the one stderr line; the event is for code that listens.
          onError: (e) => void (this.listenerCount('error') > 0 && this.emit('error', new DaybookError('DAYBOOK_E_WRITE', `writing ${LOG_FILES[file]} failed: ${e.message}`, { cause: e }))),
          onDropped: (n) => this.noteDropped(file, n),
        });
        opened.push(s);
        return s;
      };
      return { audit: sink('audit'), trades: sink('trades'), system: sink('system'), errors: sink('errors'), performance: sink('performance') };
    } catch (e) {
      for (const s of opened) s.finalizeSync();
      if (e instanceof DaybookError) throw e;
      throw daybookError('DAYBOOK_E_LOG_DIR', `cannot open log files in ${this.logDir} (${(e as Error).message})`, e);
    }
  }

  private noteDropped(file: LogFile, count: number): void {
    this.reporter.warning('DAYBOOK_E_BUFFER_FULL', `${count} events below WARNING were dropped from ${LOG_FILES[file]} while its buffer was full`);
    this.emitEvent('WARNING', EventType.SYSTEM_ERROR, 'system', `daybook dropped ${count} events from ${LOG_FILES[file]}: write buffer full`, undefined, { error_type: 'buffer_full', dropped: count, file: LOG_FILES[file] });
  }

  // ---- the hot path -----------------------------------------------------------------------

  /**
   * Every log method ends here. Never throws. A trade event is linked to its position here
   * (link) unless the caller linked it already and passes `positionId` with `linked`.
   */
  private emitEvent(
    level: LogLevel,
    type: EventType,
    component: string,
    message: unknown,
    fields: EventFields | undefined,
    extra: Record<string, unknown> | undefined,
    positionId?: string | null,
    linked = false,
  ): Promise<boolean> {
    try {
      const category = isEventType(type) ? CATEGORY_OF[type] : 'system';
      // Before any early return: the open positions must follow every trade event, also one
      // below the file threshold, or the exits after it would take the wrong ids.
      if (category === 'trading' && !linked && this.autoPositionIds) positionId = this.link(type, fields);
      if (this.closing !== undefined) {
        this.reporter.error('DAYBOOK_E_CLOSED', `a ${String(type)} event was logged after close() and not written`);
        return RESOLVED_FALSE;
      }
      // Checked, not indexed blindly: a level of 'toString' or a null-prototype object must
      // neither throw here nor slip past both thresholds.
      const value = isLogLevel(level) ? LEVEL_VALUE[level] : LEVEL_VALUE.INFO;
      const toFile = value >= this.fileThreshold;
      const toConsole = value >= this.consoleThreshold;
      if (!toFile && !toConsole) return RESOLVED_TRUE;
      const now = this.clock();
      const ser = this.serializer;
      const line = ser.serialize(now, level, type, component, message, fields, extra, this.captureCaller ? callerOf(this.emitEvent) : undefined, positionId);
      if (ser.lastWarnings !== undefined) this.reporter.warning('DAYBOOK_W_INPUT', `event ${ser.lastId}: ${ser.lastWarnings.join('; ')}`);
      if (toConsole) this.toConsole(now, isLogLevel(level) ? level : 'INFO', isEventType(type) ? type : 'app_log', ser.lastMessage, fields);
      if (!toFile) return RESOLVED_TRUE;
      // Trades, WARNING and above, and the logger's own start and stop are never dropped.
      const droppable = value < LEVEL_VALUE.WARNING && category !== 'trading' && type !== 'system_start' && type !== 'system_stop';
      const ack = this.sinks.audit.write(line, this.durability[category], droppable);
      const file = CATEGORY_FILE[category];
      // The other files are views of audit.log (the source of truth readers use), so only
      // audit.log's write carries the durability the caller waits for.
      if (file !== undefined) this.sinks[file].write(line, 'none', droppable);
      if (value >= LEVEL_VALUE.ERROR) this.sinks.errors.write(line, 'none', false);
      return ack;
    } catch (e) {
      return this.fallback(e, type);
    }
  }

  /** The event could not be serialized at all: write a line that says so, never nothing. */
  private fallback(e: unknown, type: unknown): Promise<boolean> {
    try {
      const why = `a ${brief(type)} event could not be serialized (${brief(e)}); this error line was written instead`;
      const message = `daybook could not serialize a ${brief(type)} event: ${brief(e)}`;
      const now = this.clock();
      const line = this.serializer.serialize(now, 'ERROR', 'system_error', 'daybook', message, undefined, { error_type: 'serialization_failed', original_event_type: brief(type), _daybook_warnings: [why] });
      this.reporter.warning('DAYBOOK_W_INPUT', `event ${this.serializer.lastId}: ${why}`);
      if (LEVEL_VALUE.ERROR >= this.consoleThreshold) this.toConsole(now, 'ERROR', 'system_error', message, undefined);
      this.sinks.errors.write(line, 'none', false);
      return this.sinks.audit.write(line, 'none', false);
    } catch {
      return RESOLVED_FALSE;
    }
  }

  /**
   * The position_id a trade event is written with: undefined writes the caller's (an id: a
   * non-empty string, or a finite number written as text), a string the logger's, null none.
   * Without an id of the caller's, the event is linked as the analyzer links a log without
   * ids (OpenPositions): an entry gets a new id, a `trade_exit` the oldest open one of its
   * symbol (and closes it), a cancel the one whose entry had its order id, and the other
   * trade events the oldest open one. An exit or cancel naming one of the logger's ids closes it.
   */
  private link(type: EventType, f: EventFields | undefined): string | null | undefined {
    const given: unknown = f?.positionId;
    if ((typeof given === 'string' && given !== '') || (typeof given === 'number' && Number.isFinite(given)) || typeof given === 'bigint') {
      if (typeof given === 'string' && (type === 'trade_exit' || type === 'trade_cancelled')) this.positions.closeId(f?.symbol, given);
      return undefined;
    }
    const open = this.positions;
    switch (type) {
      case 'trade_entry':
        return open.open(f?.symbol, f?.orderId);
      case 'trade_exit':
        return open.close(f?.symbol) ?? null;
      case 'trade_cancelled':
        return open.cancel(f?.symbol, f?.orderId) ?? null;
      default:
        return open.oldest(f?.symbol) ?? null;
    }
  }

  /**
   * A position id of this logger's kind (`pos_<16 hex digits>_<counter>`), never given to
   * another position: for a bot that wants the id before the entry (to tag its order, say).
   * Pass it as `positionId` on every event of the position.
   */
  newPositionId(): string {
    return this.positions.newId();
  }

  private money(v: unknown): string {
    return typeof v === 'number' ? v.toFixed(2) : this.part(v);
  }

  private toConsole(now: number, level: LogLevel, type: string, message: unknown, fields: EventFields | undefined): void {
    try {
      this.consoleStream.write(formatPretty(isoTimestamp(now), level, type, toText(message), fields, this.color, this.part));
    } catch {
      // A closed or broken console must not stop file logging.
    }
  }

  // ---- trade events -----------------------------------------------------------------------
  // Every public method reads the caller's object inside a try: a throwing getter or a Proxy
  // must give the fallback line, not an exception in the bot.

  /**
   * Without `positionId`, the entry gets a new one, and the position's later events logged
   * without one get the same (exits, partial exits, stop and target hits and adjustments of
   * its symbol, first in first out; see link). The returned promise carries the id the line
   * holds: `const { positionId } = audit.logTradeEntry({...})`, awaited or not.
   */
  logTradeEntry(o: TradeEntryOptions): TradeEntryResult {
    let ack: Promise<boolean>;
    let id: string | undefined;
    try {
      const linked = this.autoPositionIds ? this.link('trade_entry', o) : undefined;
      const given: unknown = o?.positionId;
      id = linked ?? (given === undefined || given === null ? '' : this.part(given));
      ack = this.emitEvent(o?.level ?? 'INFO', 'trade_entry', 'trading', `Trade entry: ${this.part(o?.side)} ${this.part(o?.quantity)} ${this.part(o?.symbol)} @ $${this.part(o?.price)}`, o, undefined, linked, true);
    } catch (e) {
      ack = this.fallback(e, 'trade_entry');
    }
    return withPositionId(ack, id ?? this.positions.newId());
  }

  logTradeExit(o: TradeExitOptions): Promise<boolean> {
    try {
      return this.exit('trade_exit', 'Trade exit', o);
    } catch (e) {
      return this.fallback(e, 'trade_exit');
    }
  }

  logTradePartialExit(o: TradeExitOptions): Promise<boolean> {
    try {
      return this.exit('trade_partial_exit', 'Trade partial exit', o);
    } catch (e) {
      return this.fallback(e, 'trade_partial_exit');
    }
  }

  private exit(type: EventType, label: string, o: TradeExitOptions): Promise<boolean> {
    const pnl = o?.pnl === undefined ? '' : `, P&L: $${this.money(o.pnl)}`;
    const extra = o?.reason === undefined ? undefined : { exit_reason: o.reason };
    return this.emitEvent(o?.level ?? 'INFO', type, 'trading', `${label}: ${this.part(o?.symbol)} ${this.part(o?.quantity)} @ $${this.part(o?.price)}${pnl}`, o, extra);
  }

  logStopLossHit(o: TradeSignalOptions): Promise<boolean> {
    try {
      return this.emitEvent(o?.level ?? 'INFO', 'stop_loss_hit', 'trading', `Stop loss hit: ${this.part(o?.symbol)} @ $${this.part(o?.price)}`, o, undefined);
    } catch (e) {
      return this.fallback(e, 'stop_loss_hit');
    }
  }

  logTakeProfitHit(o: TradeSignalOptions): Promise<boolean> {
    try {
      return this.emitEvent(o?.level ?? 'INFO', 'take_profit_hit', 'trading', `Take profit hit: ${this.part(o?.symbol)} @ $${this.part(o?.price)}`, o, undefined);
    } catch (e) {
      return this.fallback(e, 'take_profit_hit');
    }
  }

  logTradeCancelled(o: TradeCancelledOptions): Promise<boolean> {
    try {
      const sym = o?.symbol === undefined ? '' : ` ${this.part(o.symbol)}`;
      const extra = o?.reason === undefined ? undefined : { cancel_reason: o.reason };
      return this.emitEvent(o?.level ?? 'INFO', 'trade_cancelled', 'trading', `Trade cancelled: order ${this.part(o?.orderId)}${sym}`, o, extra);
    } catch (e) {
      return this.fallback(e, 'trade_cancelled');
    }
  }

  logPositionAdjusted(o: PositionAdjustedOptions): Promise<boolean> {
    try {
      const from = o?.previousQuantity === undefined ? '' : `${this.part(o.previousQuantity)} -> `;
      let extra: Record<string, unknown> | undefined;
      if (o?.previousQuantity !== undefined || o?.reason !== undefined) {
        extra = {};
        if (o.previousQuantity !== undefined) extra.previous_quantity = o.previousQuantity;
        if (o.reason !== undefined) extra.adjust_reason = o.reason;
      }
      return this.emitEvent(o?.level ?? 'INFO', 'position_adjusted', 'trading', `Position adjusted: ${this.part(o?.symbol)} ${from}${this.part(o?.quantity)}`, o, extra);
    } catch (e) {
      return this.fallback(e, 'position_adjusted');
    }
  }

  // ---- other events -----------------------------------------------------------------------

  /** `levelOrOptions` may be a LogLevel, as in the guide's `log_system_event(type, msg, LogLevel.DEBUG)`. */
  logSystemEvent(type: EventType, message: string, levelOrOptions?: LogLevel | EventOptions): Promise<boolean> {
    try {
      const o = typeof levelOrOptions === 'string' ? { level: levelOrOptions } : levelOrOptions;
      const category = isEventType(type) ? CATEGORY_OF[type] : 'system';
      return this.emitEvent(o?.level ?? 'INFO', type, category, message, o, undefined);
    } catch (e) {
      return this.fallback(e, type);
    }
  }

  /** A `system_error` at ERROR; the error's type, message and stack go into metadata. */
  logError(message: string, component: string, options?: ErrorOptions): Promise<boolean> {
    try {
      const err = options?.error;
      let extra: Record<string, unknown> | undefined;
      if (err !== undefined) {
        extra = { error_type: errorType(err), error_message: err instanceof Error ? err.message : toText(err) };
        if (err instanceof Error) {
          if (err.stack !== undefined) extra.traceback = err.stack;
          const code = (err as { code?: unknown }).code;
          if (code !== undefined) extra.error_code = code;
          if (err.cause !== undefined) extra.cause = err.cause;
        }
      }
      return this.emitEvent(options?.level ?? 'ERROR', options?.eventType ?? 'system_error', typeof component === 'string' ? component : toText(component), message, options as EventFields | undefined, extra);
    } catch (e) {
      return this.fallback(e, 'system_error');
    }
  }

  logStrategyEvent(type: EventType, message: string, strategyName: string, options?: EventOptions): Promise<boolean> {
    try {
      // The strategy argument wins over options.strategyName; a copy keeps the caller's object intact.
      const o: EventOptions = options === undefined ? { strategyName } : { ...options, strategyName };
      return this.emitEvent(options?.level ?? 'INFO', type, 'strategy', message, o, undefined);
    } catch (e) {
      return this.fallback(e, type);
    }
  }

  logRiskEvent(type: EventType, message: string, options?: EventOptions): Promise<boolean> {
    try {
      return this.emitEvent(options?.level ?? 'WARNING', type, 'risk', message, options, undefined);
    } catch (e) {
      return this.fallback(e, type);
    }
  }

  logApiCall(o: ApiCallOptions): Promise<boolean> {
    try {
      const status = o?.statusCode === undefined ? '' : ` -> ${this.part(o.statusCode)}`;
      const latency = typeof o?.latencyMs === 'number' ? ` (${o.latencyMs}ms)` : '';
      const extra: Record<string, unknown> = { endpoint: o?.endpoint, method: o?.method };
      if (o?.statusCode !== undefined) extra.status_code = o.statusCode;
      return this.emitEvent(o?.level ?? 'DEBUG', o?.eventType ?? 'api_call', 'api', `API call: ${this.part(o?.method)} ${this.part(o?.endpoint)}${status}${latency}`, o, extra);
    } catch (e) {
      return this.fallback(e, 'api_call');
    }
  }

  logPerformanceMetric(name: string, value: number, unit?: string, options?: EventOptions & { eventType?: EventType }): Promise<boolean> {
    try {
      const extra: Record<string, unknown> = { metric_name: name, value };
      if (unit !== undefined) extra.unit = unit;
      const text = `Performance metric: ${this.part(name)} = ${this.part(value)}${unit === undefined ? '' : ' ' + this.part(unit)}`;
      return this.emitEvent(options?.level ?? 'DEBUG', options?.eventType ?? 'performance_metric', 'performance', text, options, extra);
    } catch (e) {
      return this.fallback(e, 'performance_metric');
    }
  }

  /** Any event type with any fields: the methods above are shorthands for this. */
  logEvent(type: EventType, message: string, options?: GenericEventOptions): Promise<boolean> {
    try {
      const category = isEventType(type) ? CATEGORY_OF[type] : 'system';
      const defaultLevel = category === 'risk' ? 'WARNING' : category === 'api' || category === 'performance' ? 'DEBUG' : 'INFO';
      return this.emitEvent(options?.level ?? defaultLevel, type, options?.component ?? category, message, options, undefined);
    } catch (e) {
      return this.fallback(e, type);
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------

  /** Everything logged so far is written, and fdatasync'ed where its durability asks. */
  async flush(): Promise<boolean> {
    const results = await Promise.all(Object.values(this.sinks).map((s) => s.flush()));
    return results.every(Boolean);
  }

  /** Synchronous last resort on process exit. */
  flushSync(): void {
    for (const s of Object.values(this.sinks)) s.flushSync();
  }

  /** Writes `system_stop`, flushes and closes the files. Idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.logSystemEvent(EventType.SYSTEM_STOP, 'Audit logger stopped', { metadata: { pid: process.pid } });
      this.closing = (async () => {
        await Promise.all(Object.values(this.sinks).map((s) => s.close()));
        live.delete(this);
        // The sinks have written their stderr lines; the event is for code that listens.
        const left = Object.values(this.sinks).map((s) => ({ file: basename(s.path), ...s.unwritten })).filter((u) => u.lines > 0);
        if (left.length > 0 && this.listenerCount('error') > 0) {
          const what = left.map((u) => `${u.lines} lines (${u.bytes} bytes) of ${u.file}`).join(', ');
          this.emit('error', new DaybookError('DAYBOOK_E_CLOSE_TIMEOUT', `close() returned with ${what} not written; they are retried while the process runs`));
        }
      })();
    }
    return this.closing;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }
}

const same = (ok: boolean): boolean => ok;

/** A promise of its own (the sink's is shared by a batch of calls), so that it can carry the id. */
function withPositionId(ack: Promise<boolean>, positionId: string): TradeEntryResult {
  const p = ack.then(same) as Promise<boolean> & { positionId: string };
  p.positionId = positionId;
  return p;
}

function errorType(err: unknown): string {
  if (err instanceof Error) return err.constructor?.name && err.constructor.name !== 'Error' ? err.constructor.name : err.name;
  return typeof err;
}

function positiveInt(name: string, v: number, what = 'a positive whole number of bytes'): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw daybookError('DAYBOOK_E_CONFIG_OPTION', `${name}=${String(v)} must be ${what}`);
  return v;
}

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw daybookError('DAYBOOK_E_CONFIG_OPTION', `${name}=${String(v)} must be a whole number, 0 or more`);
  return v;
}

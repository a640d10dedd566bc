import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import { callerOf } from './caller.js';
import { classifyApp, type ClassificationConfig } from './classify.js';
import { isoTimestamp } from './clock.js';
import { readAppEnv } from './config.js';
import { DaybookError, daybookError } from './errors.js';
import { FileSink, storageOptions } from './file-sink.js';
import { formatCompact, formatVerbose, type AppLogFormat } from './app-format.js';
import { LEVEL_VALUE, parseLevel, type LogLevel } from './level.js';
import { createSecretKeyTest, maskSecrets, suspect } from './redact.js';
import { clip } from './json.js';
import { Reporter } from './report.js';
import { DEFAULT_LINE_LIMITS, EventSerializer } from './serializer.js';
import type { FileDriver } from './file-driver.js';

export interface AppLoggerOptions {
  /** Default INFO, or LOG_LEVEL. */
  logLevel?: LogLevel | string;
  /** Default true for critical apps (or LOG_FILE_ENABLED), false for utility apps. */
  enableFileLogging?: boolean;
  enableConsoleLogging?: boolean;
  /** Sets both formats; default: `compact` in the file, `verbose` on the console. */
  logFormat?: AppLogFormat;
  fileFormat?: AppLogFormat;
  consoleFormat?: AppLogFormat;
  /** Default `logs`. The file is `<logDir>/<app>.log`. */
  logDir?: string;
  /** Rotation (storage engine): 10 MiB, 5 backups, 7 days by default. */
  maxFileSize?: number;
  backupCount?: number;
  retentionDays?: number;
  /** Gzip rotated files. Default true. */
  compress?: boolean;
  /**
   * Hash-chain the file's lines (a tab and the link after each compact line, a `hash` field
   * in json lines; CHAIN.md). Default false for app logs: the compact line is the Drift
   * tools' format, read by position up to the end of the message, and the audit trail that
   * must be tamper-evident is the audit logger's.
   */
  chain?: boolean;
  signingKey?: KeyObject | string | Buffer;
  /** As AuditLogger's: close() waits at most this long for a failing disk (ms). Default 30,000. */
  closeTimeoutMs?: number;
  /** Characters of a message before it is cut (`…[cut N characters]`). Default 64 Ki. */
  maxMessageLength?: number;
  consoleStream?: NodeJS.WritableStream;
  fileDriver?: FileDriver;
  env?: Readonly<Record<string, string | undefined>>;
}

interface Resolved {
  threshold: number;
  file: FileSink | undefined;
  fileFormat: AppLogFormat;
  console: NodeJS.WritableStream | undefined;
  consoleFormat: AppLogFormat;
  json: EventSerializer | undefined;
  maxMessageLength: number;
}

/** One key test for every app logger: app loggers take no redactKeys. */
const isSecret = createSecretKeyTest();

/**
 * A Drift-style application logger: `logger.info('Processing order %s', id)` (arguments are
 * formatted like console.log), compact lines in `logs/<app>.log`, verbose lines on the console.
 * Never throws; `flush()` resolves once the file has everything.
 */
export class AppLogger extends EventEmitter {
  readonly name: string;
  private r!: Resolved;
  private readonly reporter: Reporter;

  constructor(name: string, critical: boolean, options: AppLoggerOptions) {
    super();
    this.name = name;
    this.reporter = new Reporter(this, name);
    this.configure(critical, options);
  }

  /** Applies new options (the Python setup silently ignored them on a second call). */
  configure(critical: boolean, options: AppLoggerOptions): void {
    const env = readAppEnv(options.env ?? process.env);
    const levelInput = options.logLevel ?? env.logLevel ?? 'INFO';
    const level = parseLevel(levelInput);
    if (level === undefined) throw daybookError('DAYBOOK_E_CONFIG_OPTION', `logLevel ${String(levelInput)} is not a log level`);
    const fileEnabled = options.enableFileLogging ?? (critical ? env.fileEnabled ?? true : false);
    const consoleEnabled = options.enableConsoleLogging ?? true;
    let file: FileSink | undefined;
    if (fileEnabled) {
      const dir = resolve(options.logDir ?? 'logs');
      try {
        mkdirSync(dir, { recursive: true });
        accessSync(dir, constants.W_OK);
        file = new FileSink({
          ...storageOptions({ ...options, chain: options.chain ?? false, retentionDays: options.retentionDays ?? 7 }, options.maxFileSize ?? 10 * 1024 * 1024, options.backupCount ?? 5),
          path: join(dir, `${this.name}.log`),
          driver: options.fileDriver,
          // The sink has written the one stderr line; the event is for code that listens.
          onError: (e) => void (this.listenerCount('error') > 0 && this.emit('error', new DaybookError('DAYBOOK_E_WRITE', `writing ${this.name}.log failed: ${e.message}`, { cause: e }))),
        });
      } catch (e) {
        if (e instanceof DaybookError) throw e;
        throw daybookError('DAYBOOK_E_LOG_DIR', `log directory ${dir} cannot be used for ${this.name}.log (${(e as Error).message})`, e);
      }
    }
    const fileFormat = options.fileFormat ?? options.logFormat ?? 'compact';
    const consoleFormat = options.consoleFormat ?? options.logFormat ?? 'verbose';
    const old = this.r;
    this.r = {
      threshold: LEVEL_VALUE[level],
      file,
      fileFormat,
      console: consoleEnabled ? options.consoleStream ?? process.stdout : undefined,
      consoleFormat,
      json: fileFormat === 'json' || consoleFormat === 'json'
        ? new EventSerializer({ sessionId: `${this.name}_${process.pid}`, environment: process.env.NODE_ENV ?? 'development', logger: this.name, isSecret })
        : undefined,
      maxMessageLength: options.maxMessageLength ?? DEFAULT_LINE_LIMITS.maxMessageLength,
    };
    if (old?.file !== undefined) void old.file.close();
  }

  get level(): LogLevel {
    return (Object.keys(LEVEL_VALUE) as LogLevel[]).find((l) => LEVEL_VALUE[l] === this.r.threshold)!;
  }

  get filePath(): string | undefined {
    return this.r.file?.path;
  }

  debug(...args: unknown[]): void {
    if (LEVEL_VALUE.DEBUG >= this.r.threshold) this.log('DEBUG', args);
  }
  info(...args: unknown[]): void {
    if (LEVEL_VALUE.INFO >= this.r.threshold) this.log('INFO', args);
  }
  warning(...args: unknown[]): void {
    if (LEVEL_VALUE.WARNING >= this.r.threshold) this.log('WARNING', args);
  }
  warn(...args: unknown[]): void {
    if (LEVEL_VALUE.WARNING >= this.r.threshold) this.log('WARNING', args);
  }
  error(...args: unknown[]): void {
    if (LEVEL_VALUE.ERROR >= this.r.threshold) this.log('ERROR', args);
  }
  critical(...args: unknown[]): void {
    if (LEVEL_VALUE.CRITICAL >= this.r.threshold) this.log('CRITICAL', args);
  }

  private log(level: LogLevel, args: unknown[]): void {
    try {
      const r = this.r;
      const now = Date.now();
      const iso = isoTimestamp(now);
      const raw = args.length === 1 && typeof args[0] === 'string' ? args[0] : format(...args);
      // Cut and masked as the audit logger's message is: a text line has no warnings field, the cut mark says it.
      const cut = clip(raw, r.maxMessageLength);
      const message = suspect(cut) ? maskSecrets(cut, isSecret) : cut;
      const needsCaller = (r.console !== undefined && r.consoleFormat === 'verbose') || (r.file !== undefined && r.fileFormat === 'verbose');
      const caller = needsCaller ? callerOf(this.log) : undefined;
      if (r.file !== undefined) r.file.write(this.render(r.fileFormat, now, iso, level, message, caller, true), 'none', false);
      if (r.console !== undefined) r.console.write(this.render(r.consoleFormat, now, iso, level, message, caller, false) + '\n');
    } catch (e) {
      this.reporter.warning('DAYBOOK_W_INPUT', `a ${level} message could not be logged: ${String(e)}`);
    }
  }

  private render(f: AppLogFormat, now: number, iso: string, level: LogLevel, message: string, caller: ReturnType<typeof callerOf> | undefined, forFile: boolean): string {
    if (f === 'json') return this.r.json!.serialize(now, level, 'app_log', this.name, message, undefined, undefined);
    if (f === 'verbose') return formatVerbose(iso, this.name, level, message, caller!, forFile);
    return formatCompact(iso, this.name, level, message);
  }

  flush(): Promise<boolean> {
    return this.r.file?.flush() ?? Promise.resolve(true);
  }

  async close(): Promise<void> {
    await this.r.file?.close();
    registry.delete(this.name);
  }
}

const registry = new Map<string, AppLogger>();

function setup(name: string, critical: boolean, options: AppLoggerOptions): AppLogger {
  const existing = registry.get(name);
  if (existing !== undefined) {
    existing.configure(critical, options);
    return existing;
  }
  const logger = new AppLogger(name, critical, options);
  registry.set(name, logger);
  return logger;
}

/** File (`logs/<app>.log`) and console logging for an app that must keep records. */
export function setupCriticalLogging(appName: string, options: AppLoggerOptions = {}): AppLogger {
  return setup(appName, true, options);
}

/** Console-only logging for tests, scripts and tools. */
export function setupUtilityLogging(appName: string, options: AppLoggerOptions = {}): AppLogger {
  return setup(appName, false, options);
}

/** Critical or utility setup by the app's classification (see classifyApp). */
export function setupLogging(appName: string, options: AppLoggerOptions & { classification?: ClassificationConfig } = {}): AppLogger {
  return setup(appName, classifyApp(appName, options.classification) === 'critical', options);
}

/** The logger set up under this name, if any. */
export function getAppLogger(appName: string): AppLogger | undefined {
  return registry.get(appName);
}

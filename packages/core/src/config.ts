import { daybookError } from './errors.js';
import { parseLevel, type LogLevel } from './level.js';

type Env = Readonly<Record<string, string | undefined>>;

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?\s*$/i;
const UNIT: Readonly<Record<string, number>> = {
  b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
};

/** Bytes from `52428800`, `50MB` or `50MiB` (binary units, as the seed's 50MB = 52428800). */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (m === null) return undefined;
  const bytes = Math.floor(Number(m[1]) * UNIT[(m[2] ?? 'b').toLowerCase()]!);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

export function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'yes' || t === 'on') return true;
  if (t === 'false' || t === '0' || t === 'no' || t === 'off') return false;
  return undefined;
}

function read<T>(env: Env, name: string, parse: (s: string) => T | undefined, expected: string): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = parse(raw);
  if (value === undefined) {
    throw daybookError('DAYBOOK_E_CONFIG_ENV', `${name}=${JSON.stringify(raw)} is not ${expected}`);
  }
  return value;
}

const count = (s: string): number | undefined => (/^\s*\d+\s*$/.test(s) ? Number(s) : undefined);
const LEVELS = 'a log level (DEBUG, INFO, WARNING, ERROR, CRITICAL)';

/** The DayBot audit logger's variables (seed 1). Throws DAYBOOK_E_CONFIG_ENV naming a bad one. */
export interface AuditEnvConfig {
  /** DAYBOT_LOG_LEVEL: the console level (files keep `fileLevel`, DEBUG by default). */
  consoleLevel?: LogLevel;
  logDir?: string;
  maxFileSize?: number;
  backupCount?: number;
}

export function readAuditEnv(env: Env = process.env): AuditEnvConfig {
  return {
    consoleLevel: read(env, 'DAYBOT_LOG_LEVEL', parseLevel, LEVELS),
    logDir: read(env, 'DAYBOT_LOG_DIR', (s) => (s.trim() === '' ? undefined : s), 'a directory'),
    maxFileSize: read(env, 'DAYBOT_LOG_MAX_SIZE', parseSize, 'a size in bytes (52428800 or 50MB)'),
    backupCount: read(env, 'DAYBOT_LOG_BACKUP_COUNT', count, 'a whole number'),
  };
}

/** The Drift app loggers' variables (seed 2). */
export interface AppEnvConfig {
  logLevel?: LogLevel;
  fileEnabled?: boolean;
}

export function readAppEnv(env: Env = process.env): AppEnvConfig {
  return {
    logLevel: read(env, 'LOG_LEVEL', parseLevel, LEVELS),
    fileEnabled: read(env, 'LOG_FILE_ENABLED', parseBool, 'true or false'),
  };
}

/** Severity of an event, as the DayBot guide names them. A plain `as const` object, not a TS enum. */
export const LogLevel = {
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARNING: 'WARNING',
  ERROR: 'ERROR',
  CRITICAL: 'CRITICAL',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Numeric severities (Python's logging values) so thresholds compare with one `>=`. */
export const LEVEL_VALUE: Readonly<Record<LogLevel, number>> = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
};

/** A threshold above every level: used for an output that is switched off. */
export const LEVEL_OFF = 100;

const ALIASES: Readonly<Record<string, LogLevel>> = {
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARNING: 'WARNING',
  WARN: 'WARNING',
  ERROR: 'ERROR',
  CRITICAL: 'CRITICAL',
  FATAL: 'CRITICAL',
};

/** Reads a level name case-insensitively (`warn` and `fatal` accepted); undefined if unknown. */
export function parseLevel(input: unknown): LogLevel | undefined {
  if (typeof input !== 'string') return undefined;
  return ALIASES[input.trim().toUpperCase()];
}

export function isLogLevel(input: unknown): input is LogLevel {
  return typeof input === 'string' && Object.prototype.hasOwnProperty.call(LEVEL_VALUE, input);
}

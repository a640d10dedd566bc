import { CodedError, withHint } from '@daybook/core';

/**
 * Error codes of @daybook/analytics, in the style of @daybook/core's registry: each code
 * maps to a sentence that says what to do. Documented in packages/analytics/README.md (a
 * test keeps the two in step). A retired code is never reused.
 */
export const ANALYTICS_ERROR_CODES = {
  DAYBOOK_E_DATE_INVALID: 'Pass a date as YYYY-MM-DD (a whole UTC day) or an ISO-8601 timestamp such as 2024-01-31T23:59:59Z.',
  DAYBOOK_E_DATE_RANGE: 'The start of the range is after its end; swap them or widen the range.',
  DAYBOOK_E_READ_DIR: 'Pass an existing, readable log directory (or log file); check the path and its permissions.',
  DAYBOOK_E_OPTION_INVALID: 'Fix the option named in the message.',
  DAYBOOK_E_EXPORT_FORMAT: 'Use one of the export formats csv, jsonl or parquet.',
  DAYBOOK_E_EXPORT_WRITE: 'The export file could not be written; check that its directory exists and is writable.',
  DAYBOOK_E_EXPORT_PARQUET: 'Parquet export needs the optional dependency @duckdb/node-api; install it (npm install @duckdb/node-api) or export csv/jsonl.',
  DAYBOOK_E_QUERY_ENGINE: 'SQL queries need the optional dependency @duckdb/node-api; install it (npm install @duckdb/node-api).',
  DAYBOOK_E_QUERY_SQL: 'The SQL statement failed; the table is named events and has the columns of the CSV export.',
} as const;
export type AnalyticsErrorCode = keyof typeof ANALYTICS_ERROR_CODES;

/**
 * Problems met while reading are not thrown (a damaged log still gives a report); they are
 * listed with these codes instead.
 */
export const READ_PROBLEM_CODES = {
  DAYBOOK_W_READ_FILE: 'A log file could not be read (permissions, or it vanished while being read); the report covers the other files.',
  DAYBOOK_W_READ_GZIP: 'A compressed backup is damaged or truncated; the lines before the damage were read.',
  DAYBOOK_W_READ_STRAY_FILE: 'A file whose name looks like a log backup is not one daybook writes (audit.log.0, audit.log.gz, audit.log.05.gz, a plain audit.log.3 beside audit.log.3.gz): it is not read, as verify does not check it. Move it out of the log directory, or rename it if it really belongs to the stream.',
  DAYBOOK_W_READ_NOT_FILE: 'A log name is a FIFO, socket, device or directory, not a regular file: it is not read (reading it could block forever). Replace it with the log file it should be.',
  DAYBOOK_W_READ_LINE_TOO_LONG: 'Lines longer than the reader\'s maximum (maxLineBytes, default 16 MiB) were counted as bad (too_long) and skipped without being held in memory. No daybook writer produces such lines: find what wrote them.',
  DAYBOOK_W_READ_GZIP_LIMIT: 'A compressed file inflates to more than the reader allows (maxInflateRatio times its size, at least minInflateBytes): what follows the limit is not read. A log backup never compresses that well; check the file (a gzip bomb?), or raise the limit if it is genuine.',
  DAYBOOK_W_READ_TORN_LINE: 'A compressed backup ends with a line without its newline (torn): that line is not counted. Run daybook verify on the directory.',
  DAYBOOK_W_READ_UNVOUCHED: 'Lines of a chained log come after its last checkpoint record: no checkpoint vouches for them yet (normal while the writer runs; after a crash they may be incomplete). They are counted; daybook verify checks what the checkpoints vouch for.',
  DAYBOOK_W_READ_ID_CONFLICT: 'Two lines carry the same event_id with different content: the first in read order (audit.log before the other files, oldest backup first) is counted, the others are not. Find which copy is genuine (daybook verify checks the chained one).',
  DAYBOOK_W_READ_FOREIGN_EVENTS: 'A file of a daybook log directory outside the audit family (audit.log and its views trades.log, system.log, errors.log, performance.log), such as bot.log, AUDIT.log or a look-alike name, holds audit event lines: they are not counted, as daybook writes events only to audit.log and verify vouches for nothing else (its app text lines still count). Run daybook verify; move the file out of the log directory if it is not yours, or read it on its own by passing the file path.',
  DAYBOOK_W_INDEX_WRITE: 'The segment index (<logDir>/.daybook/index/) could not be written, e.g. a read-only log directory: the report is complete, but every new process parses the logs again. Make the directory writable, or turn the index off (persist: false, --no-index).',
} as const;
export type ReadProblemCode = keyof typeof READ_PROBLEM_CODES;

export class AnalyticsError extends CodedError<AnalyticsErrorCode> {
  constructor(code: AnalyticsErrorCode, message: string, options?: { cause?: unknown }) {
    super('AnalyticsError', code, ANALYTICS_ERROR_CODES[code], withHint(message, ANALYTICS_ERROR_CODES[code], code), options);
  }
}

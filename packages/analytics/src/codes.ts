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
  DAYBOOK_W_INDEX_WRITE: 'The segment index (<logDir>/.daybook/index/) could not be written, e.g. a read-only log directory: the report is complete, but every new process parses the logs again. Make the directory writable, or turn the index off (persist: false, --no-index).',
} as const;
export type ReadProblemCode = keyof typeof READ_PROBLEM_CODES;

export class AnalyticsError extends CodedError<AnalyticsErrorCode> {
  constructor(code: AnalyticsErrorCode, message: string, options?: { cause?: unknown }) {
    super('AnalyticsError', code, ANALYTICS_ERROR_CODES[code], withHint(message, ANALYTICS_ERROR_CODES[code], code), options);
  }
}

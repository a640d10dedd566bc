import { CodedError } from '@daybook/core';

/**
 * Error codes of @daybook/alert: each maps to what to do. A rules file's error names the rule
 * (or receiver) and the field in its message, so that the fix is one edit away.
 */
export const ALERT_ERROR_CODES = {
  DAYBOOK_E_ALERT_RULES_READ: 'The rules file could not be read: check its path and permissions.',
  DAYBOOK_E_ALERT_RULES_SYNTAX: 'The rules file is not valid JSON (or YAML, for a .yml/.yaml file): fix the syntax at the position or line given.',
  DAYBOOK_E_ALERT_RULES_SHAPE: 'The rules file must be an object with a "rules" list (and optionally "receivers", "route", "evaluation_interval", "min_interval"); fix the field named.',
  DAYBOOK_E_ALERT_UNKNOWN_FIELD: 'A field the rules file does not know (a typo?): remove or rename it.',
  DAYBOOK_E_ALERT_KIND: 'Use one of the rule kinds error_count, avg_api_latency_ms, p99_api_latency_ms, no_events, daily_loss, max_drawdown, risk_limit_hits, rate_limit_hits, chain_damaged.',
  DAYBOOK_E_ALERT_DURATION: 'Write a duration as a number and a unit: 30s, 15m, 1h, 1d (or 0).',
  DAYBOOK_E_ALERT_THRESHOLD: 'Give the rule a finite number as "threshold" (no_events and chain_damaged default to 0).',
  DAYBOOK_E_ALERT_NAME: 'Give each rule and receiver a unique, non-empty "name".',
  DAYBOOK_E_ALERT_RECEIVER: 'Give each receiver a webhook with an http(s) "url" and a "format" of alertmanager, slack or telegram (telegram also needs "chat_id").',
  DAYBOOK_E_ALERT_RECEIVER_UNKNOWN: 'A rule names a receiver the file does not define: add it under "receivers" or fix the name.',
  DAYBOOK_E_ALERT_LABEL: 'Labels and annotations are maps of strings named as Prometheus names labels (letters, digits and _, not first a digit, not starting with __: its own); a label may not use {{ $value }} (a label that changes with the value would make a new alert at every evaluation).',
  DAYBOOK_E_ALERT_CLOCK: 'An evaluation must come after the last one the state holds (states only move forward in time): evaluate at a later --at, or keep this run\'s state elsewhere (--state DIR).',
  DAYBOOK_E_ALERT_STATE: 'The alert state (state.json, notifications.json or silences.json in <logDir>/.daybook/alerts/, or in --state DIR) could not be read or written: make the directory writable; restore a damaged file, or move it aside to start afresh (without state.json no alert is active; without notifications.json a notification may be repeated once).',
  DAYBOOK_E_ALERT_LOCKED: 'Another evaluator (daybook alert, or daybook serve --rules) uses this state directory: stop it, or give this one a state directory of its own (--state DIR). A lock left by a killed process is taken over automatically.',
} as const;
export type AlertErrorCode = keyof typeof ALERT_ERROR_CODES;

export class AlertError extends CodedError<AlertErrorCode> {
  constructor(code: AlertErrorCode, message: string, options?: { cause?: unknown }) {
    super('AlertError', code, ALERT_ERROR_CODES[code], message, options);
  }
}

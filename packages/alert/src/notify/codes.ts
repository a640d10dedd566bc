import { withHint } from '@daybook/core';
import { ALERT_ERROR_CODES } from '../errors.js';

/**
 * The codes of notifications and silences, in the style of @daybook/core's registry: each
 * maps to a sentence that says what to do. Documented in docs/errors.md (a test keeps the two
 * in step). A retired code is never reused. The state files' code, DAYBOOK_E_ALERT_STATE, is
 * the evaluator's (errors.ts): one code and one hint for state.json, notifications.json and
 * silences.json.
 */
export const NOTIFY_CODES = {
  DAYBOOK_E_ALERT_NOTIFY: 'A receiver did not take a notification (an HTTP error, a timeout, a refused or closed connection); it is retried with backoff, then again at the next group_interval. Check the receiver\'s URL and that it answers 2xx.',
  DAYBOOK_E_ALERT_SILENCE: 'Fix the silence as the message says: matchers as name=value (alertname included), a duration such as 2h or an end after the start, and an id from `daybook alert silence list`.',
} as const;
export type NotifyCode = keyof typeof NOTIFY_CODES;

/** The one stderr line of a failure: what happened, what to do, the code. No stack. */
export function problemLine(message: string, code: NotifyCode | 'DAYBOOK_E_ALERT_STATE'): string {
  const hint = code === 'DAYBOOK_E_ALERT_STATE' ? ALERT_ERROR_CODES[code] : NOTIFY_CODES[code];
  return `daybook alert: ${withHint(message, hint, code)}\n`;
}

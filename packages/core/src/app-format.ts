import type { CallerInfo } from './caller.js';
import type { LogLevel } from './level.js';

export type AppLogFormat = 'compact' | 'verbose' | 'json';

/** `2025-08-30 21:49:03,511`: Python logging's asctime, in UTC. */
export function asctime(iso: string): string {
  return iso.slice(0, 10) + ' ' + iso.slice(11, 19) + ',' + iso.slice(20, 23);
}

// One record is one line in a file: a multi-line message (a stack trace) is kept on its line
// with its breaks escaped, so readers and the hash chain see one line per record.
// eslint-disable-next-line no-control-regex
const FILE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONSOLE_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const ESC: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const escapeFor = (c: string): string => ESC[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** `2025-08-30 21:49:03,511 | jit-mm-swift | INFO | Test log message` */
export function formatCompact(iso: string, app: string, level: LogLevel, message: string): string {
  return `${asctime(iso)} | ${app} | ${level} | ${message.replace(FILE_UNSAFE, escapeFor)}`;
}

/** The compact line with `| function:line |` of the caller before the message. */
export function formatVerbose(iso: string, app: string, level: LogLevel, message: string, caller: CallerInfo, forFile: boolean): string {
  const text = forFile ? message.replace(FILE_UNSAFE, escapeFor) : message.replace(CONSOLE_UNSAFE, escapeFor);
  return `${asctime(iso)} | ${app} | ${level} | ${caller.function}:${caller.line} | ${text}`;
}

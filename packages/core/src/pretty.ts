import type { LogLevel } from './level.js';
import { toText } from './json.js';
import type { EventFields } from './serializer.js';

const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const LEVEL_COLOR: Readonly<Record<LogLevel, string>> = {
  DEBUG: '\x1b[90m',
  INFO: '\x1b[32m',
  WARNING: '\x1b[33m',
  ERROR: '\x1b[31m',
  CRITICAL: '\x1b[1;41;97m',
};

/** Colors when the stream is a terminal, as most CLIs decide: NO_COLOR and FORCE_COLOR win. */
export function wantsColor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** Control characters would let a message rewrite the terminal; show them escaped instead. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const visible = (s: string): string => s.replace(CONTROL, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).replace(/\n/g, '\\n');

/**
 * One human-readable console line of an audit event: time, level, type, message and the
 * fields a trader scans for. Not the file format: files always get JSON.
 */
export function formatPretty(
  timestamp: string,
  level: LogLevel,
  type: string,
  message: string,
  fields: EventFields | undefined,
  color: boolean,
  /** The text of a field, cut as the line cuts it (a 100 MB order id must not reach the terminal). */
  text: (v: unknown) => string = toText,
): string {
  const time = timestamp.slice(0, 10) + ' ' + timestamp.slice(11, 23);
  const lvl = level.padEnd(8);
  let extra = '';
  if (fields !== undefined && fields !== null) {
    if (fields.strategyName !== undefined) extra += ' strategy=' + text(fields.strategyName);
    if (fields.orderId !== undefined) extra += ' order=' + text(fields.orderId);
    if (fields.latencyMs !== undefined) extra += ' latency_ms=' + text(fields.latencyMs);
    if (fields.portfolioHeat !== undefined) extra += ' heat=' + text(fields.portfolioHeat);
  }
  const msg = visible(message);
  extra = visible(extra);
  if (!color) return `${time} ${lvl} ${type.padEnd(22)} ${msg}${extra}\n`;
  return `${DIM}${time}${RESET} ${LEVEL_COLOR[level]}${lvl}${RESET} ${DIM}${type.padEnd(22)}${RESET} ${msg}${DIM}${extra}${RESET}\n`;
}

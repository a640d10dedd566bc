import type { EventCategory } from './event-type.js';

/** The files of a DayBot log directory, as the guide lists them. */
export const LOG_FILES = {
  audit: 'audit.log',
  trades: 'trades.log',
  system: 'system.log',
  errors: 'errors.log',
  performance: 'performance.log',
} as const;
export type LogFile = keyof typeof LOG_FILES;

/**
 * Besides audit.log (everything) and errors.log (ERROR and above), the one file an event's
 * category goes to. Risk and strategy events have none: audit.log holds them.
 */
export const CATEGORY_FILE: Readonly<Record<EventCategory, LogFile | undefined>> = {
  trading: 'trades',
  system: 'system',
  api: 'system',
  performance: 'performance',
  risk: undefined,
  strategy: undefined,
};

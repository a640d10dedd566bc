import { AuditLogger, type AuditLoggerOptions } from './audit-logger.js';
import { DaybookError } from './errors.js';

let current: AuditLogger | undefined;

/**
 * Creates the process-wide audit logger. Called again, it closes the previous one first
 * (writing its system_stop) and warns, rather than leaving two loggers on the same files.
 */
export function initializeAuditLogger(options: AuditLoggerOptions = {}): AuditLogger {
  const previous = current;
  const next = new AuditLogger(options);
  current = next;
  if (previous !== undefined && !previous.closed) {
    process.emitWarning('initializeAuditLogger() was called again; the previous audit logger was closed', { code: 'DAYBOOK_W_REINITIALIZED' });
    void previous.close();
  }
  return next;
}

/** The logger made by initializeAuditLogger; throws `Audit logger not initialized` before. */
export function getAuditLogger(): AuditLogger {
  if (current === undefined) {
    throw new DaybookError('DAYBOOK_E_NOT_INITIALIZED', 'Audit logger not initialized');
  }
  return current;
}

/** Writes system_stop, flushes and closes the global logger; getAuditLogger throws again after. */
export async function closeAuditLogger(): Promise<void> {
  const logger = current;
  current = undefined;
  await logger?.close();
}

import { CodedError, withHint } from '@daybook/core';

/**
 * The error codes of @daybook/tools, each with what to do. Documented in this package's
 * README (a test keeps the two in step). Core's registry is closed to other packages, so the
 * tools keep their own under the same DAYBOOK_E_ prefix; a retired code is never reused.
 */
export const TOOLS_ERROR_CODES = {
  DAYBOOK_E_TOOLS_PATH: 'Pass an existing directory (the project root for audit/migrate, the log directory for monitor).',
  DAYBOOK_E_TOOLS_CONFIG: 'Fix daybook.config.json (or the "daybook" key of package.json) at the place named in the message.',
  DAYBOOK_E_TOOLS_TYPECHECK: 'The rewrite would add type errors, so nothing was written; migrate the files named by hand or exclude them with "ignore".',
  DAYBOOK_E_TOOLS_NO_BACKUP: 'There is no migration to undo under backups/logging_migration/; pass the directory the migration ran in.',
  DAYBOOK_E_TOOLS_UNDO_CONFLICT: 'A migrated file was edited after the migration; undo would lose those edits. Re-run with --force to restore anyway.',
  DAYBOOK_E_TOOLS_WRITE: 'A file could not be written; check permissions and free space, then run again (files already written are in the backup and --undo restores them).',
} as const;
export type ToolsErrorCode = keyof typeof TOOLS_ERROR_CODES;

export class ToolsError extends CodedError<ToolsErrorCode> {
  constructor(code: ToolsErrorCode, message: string, options?: { cause?: unknown }) {
    super('ToolsError', code, TOOLS_ERROR_CODES[code], withHint(message, TOOLS_ERROR_CODES[code], code), options);
  }

  /** The caller asked for something impossible (a missing path, a bad config): a usage error, exit 2 in the CLI. */
  get isUsage(): boolean {
    return this.code === 'DAYBOOK_E_TOOLS_PATH' || this.code === 'DAYBOOK_E_TOOLS_CONFIG';
  }
}

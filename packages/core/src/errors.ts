/**
 * Every error and warning daybook raises has a code from this registry and a sentence that
 * says what to do. Documented in docs/errors.md (a test keeps the two in step); a retired
 * code is never reused.
 */
export const ERROR_CODES = {
  // logger lifecycle
  DAYBOOK_E_NOT_INITIALIZED: 'Call initializeAuditLogger() before getAuditLogger().',
  DAYBOOK_E_CLOSED: 'The logger was closed; events logged after close() are not written. Initialize a new logger.',
  // configuration
  DAYBOOK_E_CONFIG_ENV: 'Fix or unset the environment variable named in the message.',
  DAYBOOK_E_CONFIG_OPTION: 'Fix the option named in the message.',
  DAYBOOK_E_LOG_DIR: 'Make the log directory creatable and writable by this process (for example chmod 755 logs/), or pass another logDir.',
  // writing
  DAYBOOK_E_WRITE: 'The disk refused a write; daybook keeps the lines buffered and retries. Free space or fix permissions.',
  DAYBOOK_E_BUFFER_FULL: 'Events were dropped because the write buffer was full; raise bufferSize or reduce DEBUG logging.',
  // storage engine
  DAYBOOK_E_LOCKED: 'Another process is writing this log file; give each app its own file (or logDir), or stop the other process. A lock left by a killed process is taken over automatically.',
  DAYBOOK_E_SIGNING_KEY: 'Pass an Ed25519 private key (a KeyObject or PEM text) as signingKey, for example from crypto.generateKeyPairSync(\'ed25519\').',
  DAYBOOK_E_CHAIN_COMPACT: 'The checkpoint file was kept whole: its records do not all chain (it was edited), or some it would keep are not signed with this writer\'s signingKey. Run daybook verify on the log directory to see which; after a change of signingKey nothing is needed, compaction resumes once the older records are past retention.',
  DAYBOOK_E_VERIFY_USAGE: 'Give the log directory to verify, and a public key file (PEM) with --public-key to check signatures.',
  // input that was repaired (warnings: the line is still written)
  DAYBOOK_W_INPUT: 'A log call had a value that JSON cannot hold as given (NaN, a cycle, a huge or deep object); the line notes what was changed in metadata._daybook_warnings.',
  DAYBOOK_W_REINITIALIZED: 'initializeAuditLogger() was called again; the previous logger was closed. Call closeAuditLogger() first to make this explicit.',
  DAYBOOK_W_OPEN_POSITIONS: 'More positions logged without positionId are open than maxOpenPositions (entries logged without their exits); the oldest are forgotten, so exits without positionId no longer link to them. Log each position\'s exit, pass positionId yourself, or raise maxOpenPositions.',
  // verify (a warning in its result: the check ran, not all of it)
  DAYBOOK_W_VERIFY_EVENT_IDS: 'A stream held more event ids than verify\'s duplicate check keeps (maxEventIds, 8 bytes each); the ids past it were not checked for duplicates. Raise maxEventIds if the memory is there.',
  // a disk that does not come back in time
  DAYBOOK_W_ACK_TIMEOUT: 'Log calls resolved false because their lines were not written within ackTimeoutMs (a disk fault, usually a full disk); the lines are kept and written when the disk allows. Free space or fix the disk; raise ackTimeoutMs if the disk is only slow.',
  DAYBOOK_E_CLOSE_TIMEOUT: 'close() returned after closeTimeoutMs with lines still unwritten (the disk is failing); they are retried while the process runs and written on exit if the disk allows. Free space or fix the disk before the process ends.',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The base of every daybook error, in every package: a code from that package's registry and
 * the sentence that says what to do. Each package keeps its own registry (and documents it);
 * the shape is this one class.
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  /** What to do about it. */
  readonly hint: string;

  constructor(name: string, code: C, hint: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    this.code = code;
    this.hint = hint;
  }
}

/** `message. hint [code]`: the text of an error whose message is free to say what to do. */
export function withHint(message: string, hint: string, code: string): string {
  return `${message}. ${hint} [${code}]`;
}

export class DaybookError extends CodedError<ErrorCode> {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super('DaybookError', code, ERROR_CODES[code], message, options);
  }
}

/** `message` followed by what to do, for errors whose message is free to say it. */
export function daybookError(code: ErrorCode, message: string, cause?: unknown): DaybookError {
  return new DaybookError(code, withHint(message, ERROR_CODES[code], code), cause === undefined ? undefined : { cause });
}

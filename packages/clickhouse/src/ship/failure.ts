// What went wrong talking to ClickHouse, as a cause the shipper acts on and a sentence that
// names it (never the credentials: the client gets them as separate options, and any
// occurrence of the password in a server's message is masked all the same).

export type FailureCause =
  /** No answer: refused, reset, timed out, DNS. Retried; the files keep the events. */
  | 'unreachable'
  /** Wrong user or password, or no right to insert. Retried (someone fixes the config); --once gives up. */
  | 'auth'
  /** The table is missing or has another schema. --once gives up; a follower retries. */
  | 'schema'
  /** The server refused the data of a batch: bisected until the refused line is found. */
  | 'rejected'
  /** Any other server error (too many parts, memory, ...). Retried. */
  | 'server'
  /** Reading a log file or saving a position failed. Retried on the next pass. */
  | 'file';

export const FAILURE_CAUSES: readonly FailureCause[] = ['unreachable', 'auth', 'schema', 'rejected', 'server', 'file'];

export const SHIP_ERROR_CODES = {
  unreachable: 'DAYBOOK_E_SHIP_UNREACHABLE',
  auth: 'DAYBOOK_E_SHIP_AUTH',
  schema: 'DAYBOOK_E_SHIP_SCHEMA',
  rejected: 'DAYBOOK_E_SHIP_REJECTED',
  server: 'DAYBOOK_E_SHIP_SERVER',
  file: 'DAYBOOK_E_SHIP_FILE',
} as const satisfies Record<FailureCause, string>;

export type ShipErrorCode = (typeof SHIP_ERROR_CODES)[FailureCause];

/** A failure of the shipper: `code` and a message that says what to do. */
export class ShipError extends Error {
  readonly code: ShipErrorCode;
  constructor(readonly reason: FailureCause, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = SHIP_ERROR_CODES[reason];
  }
}

// ClickHouse error codes (src/Common/ErrorCodes.cpp), the same from 18.16 to today.
const AUTH = new Set([192, 193, 194, 195, 497, 516]); // unknown user, wrong/required password, IP not allowed, access denied, authentication failed
const SCHEMA = new Set([16, 60, 81]); // no such column, unknown table, unknown database
const DATA = new Set([6, 25, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 131, 349, 395]); // cannot parse / read, type mismatch, incorrect data, a throwIf of the table's own (395), ...

/** The ClickHouse error code of an error from @clickhouse/client (its `code` is a numeric string). */
function serverCode(e: unknown): number | undefined {
  const c = (e as { code?: unknown })?.code;
  if (typeof c === 'string' && /^\d+$/.test(c)) return Number(c);
  const m = /Code: (\d+)/.exec(String((e as Error)?.message ?? ''));
  return m === null ? undefined : Number(m[1]);
}

const NETWORK = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|socket hang up|Timeout error|other side closed|aborted/i;

/** The cause of an error from @clickhouse/client. */
export function causeOf(e: unknown): FailureCause {
  const code = serverCode(e);
  if (code !== undefined) {
    if (AUTH.has(code)) return 'auth';
    if (SCHEMA.has(code)) return 'schema';
    if (DATA.has(code)) return 'rejected';
    return 'server';
  }
  const text = `${(e as { code?: unknown })?.code ?? ''} ${(e as Error)?.message ?? ''}`;
  if (NETWORK.test(text)) return 'unreachable';
  return 'server';
}

/** One line of an error's text, its password masked. */
export function describe(e: unknown, password: string): string {
  let s = (e as Error)?.message ?? String(e);
  const code = (e as { code?: unknown })?.code;
  if (s === '' && typeof code === 'string') s = code;
  s = s.replace(/\s+/g, ' ').trim();
  if (s.length > 400) s = s.slice(0, 400) + '…';
  if (password !== '') s = s.split(password).join('***');
  return s;
}

/** The sentence for a failure, naming the target and what to do. */
export function failureMessage(cause: FailureCause, target: string, detail: string): string {
  switch (cause) {
    case 'unreachable':
      return `cannot reach ClickHouse at ${target} (${detail}): check the URL and that the server runs; the log files keep the events meanwhile`;
    case 'auth':
      return `ClickHouse at ${target} refused the credentials (${detail}): set them in the URL or CLICKHOUSE_USER / CLICKHOUSE_PASSWORD`;
    case 'schema':
      return `ClickHouse at ${target}: ${detail}`;
    case 'rejected':
      return `ClickHouse at ${target} rejected a line (${detail})`;
    case 'server':
      return `ClickHouse at ${target} failed (${detail})`;
    case 'file':
      return detail;
  }
}

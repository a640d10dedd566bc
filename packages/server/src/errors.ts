import { CodedError } from '@daybook/core';

/**
 * Every error the server raises has a code from this registry and a sentence that says what
 * to do (documented in README.md; a test keeps the two in step). A retired code is never
 * reused. HTTP errors answer `{ error: <code>, message, field? }`.
 */
export const SERVER_ERROR_CODES = {
  DAYBOOK_E_SERVER_BAD_REQUEST: { status: 400, hint: 'Fix the parameter named in the message; the OpenAPI document at /docs lists every parameter and its format.' },
  DAYBOOK_E_SERVER_BAD_DATE: { status: 400, hint: 'Pass dates as YYYY-MM-DD (a whole UTC day) or ISO-8601 timestamps such as 2024-01-31T23:59:59Z, with start_date not after end_date.' },
  DAYBOOK_E_SERVER_BAD_CURSOR: { status: 400, hint: 'Pass back the next_cursor of a previous /audit/events or /audit/trades response unchanged (with the same filters), or leave cursor out to start from the first page.' },
  DAYBOOK_E_SERVER_EXPORT_PATH: { status: 400, hint: 'Give output_file as a plain file name (letters, digits, dot, dash, underscore); it is written inside the server\'s export directory, never elsewhere.' },
  DAYBOOK_E_SERVER_EXPORT_FORMAT: { status: 400, hint: 'Use format csv or jsonl (parquet needs the optional dependency @duckdb/node-api on the server).' },
  DAYBOOK_E_SERVER_UNAUTHORIZED: { status: 401, hint: 'Send the header "Authorization: Bearer <token>" with the token the server was started with (--token or DAYBOOK_TOKEN).' },
  DAYBOOK_E_SERVER_NOT_FOUND: { status: 404, hint: 'Check the path; the routes are listed at /docs.' },
  DAYBOOK_E_SERVER_PAYLOAD_TOO_LARGE: { status: 413, hint: 'Send a smaller JSON body; export requests are a few hundred bytes.' },
  DAYBOOK_E_SERVER_MEDIA_TYPE: { status: 415, hint: 'Send the body as JSON with the header "Content-Type: application/json".' },
  DAYBOOK_E_SERVER_STREAM_LIMIT: { status: 503, hint: 'Too many live streams are open; close some, or start the server with a higher --max-streams.' },
  DAYBOOK_E_SERVER_EXPORT_WRITE: { status: 503, hint: 'The export file could not be written; check that the export directory (--export-dir) exists and is writable by the server.' },
  DAYBOOK_E_SERVER_FLEET: { status: 503, hint: 'The fleet\'s store (ClickHouse, daybook serve --clickhouse) failed the request; the message says why. Check that it runs and answers at the URL the server was started with; the request can be repeated.' },
  DAYBOOK_E_SERVER_LOG_DIR: { status: 503, hint: 'The log directory cannot be read; check that it exists and is readable by the server process.' },
  DAYBOOK_E_SERVER_HOST: { status: 421, hint: 'Call the server by a loopback name (localhost, 127.0.0.1, [::1]) or start it with --allowed-host NAME for the name clients use; other names are refused so that a web page cannot reach the API through DNS rebinding.' },
  DAYBOOK_E_SERVER_ORIGIN: { status: 403, hint: 'Call the API from the dashboard this server serves, or start the server with --cors ORIGIN for the page that calls it.' },
  DAYBOOK_E_SERVER_BAD_PATH: { status: 400, hint: 'Use a path as listed at /docs: no "..", "//", NUL bytes, encoded slashes or invalid percent-encoding.' },
  DAYBOOK_E_SERVER_INTERNAL: { status: 500, hint: 'An unexpected failure; the server\'s own log has the details. Please report it with the request that caused it.' },
  // start-up (thrown by startServer / buildApp, never sent over HTTP)
  DAYBOOK_E_SERVER_INSECURE_BIND: { status: 0, hint: 'Binding an address other than loopback exposes the logs: pass --token (or DAYBOOK_TOKEN), or --insecure if the network is trusted.' },
  DAYBOOK_E_SERVER_OPTION: { status: 0, hint: 'Fix the server option named in the message (see daybook serve --help).' },
  DAYBOOK_E_SERVER_LISTEN: { status: 0, hint: 'The address could not be bound; pick a free port (--port) or another host (--host).' },
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERROR_CODES;

export class ServerError extends CodedError<ServerErrorCode> {
  readonly statusCode: number;
  /** The query parameter or body field at fault, when there is one. */
  readonly field: string | undefined;

  constructor(code: ServerErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super('ServerError', code, SERVER_ERROR_CODES[code].hint, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = SERVER_ERROR_CODES[code].status;
    this.field = options.field;
  }
}

/** The JSON body of an error response: what went wrong, then what to do. */
export function errorBody(e: ServerError): { error: ServerErrorCode; message: string; field?: string } {
  const body: { error: ServerErrorCode; message: string; field?: string } = { error: e.code, message: `${e.message}. ${e.hint}` };
  if (e.field !== undefined) body.field = e.field;
  return body;
}

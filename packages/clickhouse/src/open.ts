import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseAnalyzer, type ClickHouseAnalyzerOptions } from './analyzer.js';
import { clickhouseTarget, connect, type ClickHouseTarget } from './connect.js';
import { clientRunner, type QueryRunner } from './runner.js';
import { EVENTS_TABLE } from './schema.js';
import { str } from './sql.js';

// What a command needs to read the fleet: a checked connection, whose failures are errors
// with a code, naming the server by its display URL (never the credentials), and saying what
// to do.

export type ClickHouseErrorCode = 'DAYBOOK_E_CLICKHOUSE_UNREACHABLE' | 'DAYBOOK_E_CLICKHOUSE_AUTH' | 'DAYBOOK_E_CLICKHOUSE_NO_TABLE' | 'DAYBOOK_E_CLICKHOUSE_QUERY';

export class ClickHouseError extends Error {
  constructor(readonly code: ClickHouseErrorCode, message: string) {
    super(message);
  }
}

export interface OpenedClickHouse {
  readonly target: ClickHouseTarget;
  readonly runner: QueryRunner;
  /**
   * A user's SELECT (`daybook query`), read-only (readonly=1: it cannot write or change
   * settings), with the database as default: `events` is `<database>.events`.
   */
  query(sql: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

/** ClickHouse's error code in a message (`Code: 516. DB::Exception...` or `Code: 193, e.displayText()...`). */
const serverCode = (message: string): number | undefined => {
  const m = /Code: (\d+)/.exec(message);
  return m === null ? undefined : Number(m[1]);
};

/** An error of the client or server as a ClickHouseError naming `target.display` only. */
export function clickhouseError(e: unknown, target: ClickHouseTarget): ClickHouseError {
  if (e instanceof ClickHouseError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  // The client's messages never hold the URL's credentials (it got them apart); strip any
  // anyway, in case a server echoes a user name.
  const message = raw.replaceAll(target.password === '' ? '\u0000' : target.password, '***').split('\n')[0]!.slice(0, 300);
  const code = serverCode(raw);
  if (code === 516 || code === 192 || code === 193 || code === 194) {
    return new ClickHouseError('DAYBOOK_E_CLICKHOUSE_AUTH', `ClickHouse at ${target.display} refused the user ${JSON.stringify(target.username)}: give the user and password in the URL (http://user:password@host:8123) or CLICKHOUSE_USER / CLICKHOUSE_PASSWORD`);
  }
  if (code === 81 || code === 60) {
    return new ClickHouseError('DAYBOOK_E_CLICKHOUSE_NO_TABLE', `ClickHouse at ${target.display} has no ${target.database}.${EVENTS_TABLE} table: ship logs there first (daybook ship), or name the right --database`);
  }
  if (code !== undefined) return new ClickHouseError('DAYBOOK_E_CLICKHOUSE_QUERY', `ClickHouse at ${target.display} failed a query: ${message}`);
  return new ClickHouseError('DAYBOOK_E_CLICKHOUSE_UNREACHABLE', `cannot reach ClickHouse at ${target.display} (${message}): is the server running, and is the URL right?`);
}

/** A runner whose failures are ClickHouseErrors. */
function checkedRunner(client: ClickHouseClient, target: ClickHouseTarget): QueryRunner {
  const inner = clientRunner(client);
  return {
    async rows<T>(sql: string): Promise<T[]> {
      try {
        return await inner.rows<T>(sql);
      } catch (e) {
        throw clickhouseError(e, target);
      }
    },
    async *stream<T>(sql: string): AsyncGenerator<T> {
      try {
        yield* inner.stream!<T>(sql);
      } catch (e) {
        throw clickhouseError(e, target);
      }
    },
  };
}

/**
 * Connects to `url` (credentials in it or in CLICKHOUSE_USER / CLICKHOUSE_PASSWORD) and checks
 * that `<database>.events` is there. Throws ClickHouseConfigError for a bad URL or database
 * name, ClickHouseError when the server cannot be used.
 */
export async function openClickHouse(url: string, database = 'daybook', options: { requestTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<OpenedClickHouse> {
  const target = clickhouseTarget(url, database, options.env);
  const client = connect(target, { requestTimeoutMs: options.requestTimeoutMs ?? 300_000 });
  const runner = checkedRunner(client, target);
  try {
    const [row] = await runner.rows<{ n: string | number }>(`SELECT count() AS n FROM system.tables WHERE database = ${str(database)} AND name = ${str(EVENTS_TABLE)}`);
    if (Number(row?.n ?? 0) === 0) throw clickhouseError(new Error('Code: 60'), target);
  } catch (e) {
    await client.close();
    throw e;
  }
  const query = async (sql: string) => {
    try {
      const rs = await client.query({ query: `${sql.trim().replace(/;$/, '')}`, format: 'JSON', clickhouse_settings: { readonly: '1' } });
      const r = await rs.json<Record<string, unknown>>();
      return { columns: (r.meta ?? []).map((m) => m.name), rows: r.data };
    } catch (e) {
      throw clickhouseError(e, target);
    }
  };
  return { target, runner, query, close: () => client.close() };
}

/** An analyzer over an opened connection. */
export const analyzerOf = (ch: OpenedClickHouse, options: Omit<ClickHouseAnalyzerOptions, 'database'> = {}): ClickHouseAnalyzer =>
  new ClickHouseAnalyzer(ch.runner, { ...options, database: ch.target.database });

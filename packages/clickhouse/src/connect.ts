import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';

// One way to reach ClickHouse for every command: credentials from the URL
// (`http://user:password@host:8123`) or CLICKHOUSE_USER / CLICKHOUSE_PASSWORD (the URL wins),
// `https:` for TLS. The credentials never appear in a message: `display` is the URL without
// them.

export class ClickHouseConfigError extends Error {
  readonly code = 'DAYBOOK_E_CLICKHOUSE_URL';
}

export interface ClickHouseTarget {
  /** The URL without credentials, path or query: safe to print. */
  readonly display: string;
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly database: string;
}

export function clickhouseTarget(url: string, database = 'daybook', env: NodeJS.ProcessEnv = process.env): ClickHouseTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClickHouseConfigError(`--clickhouse must be a URL such as http://127.0.0.1:8123 (got something that is not a URL)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ClickHouseConfigError(`--clickhouse must be an http: or https: URL (got ${u.protocol})`);
  if (!/^[A-Za-z0-9_]+$/.test(database)) throw new ClickHouseConfigError(`--database ${JSON.stringify(database)}: use letters, digits and _ only`);
  // An empty CLICKHOUSE_USER (exported but unset) is the default user, as clickhouse-client takes it.
  const username = u.username !== '' ? decodeURIComponent(u.username) : (env.CLICKHOUSE_USER || 'default');
  const password = u.password !== '' ? decodeURIComponent(u.password) : (env.CLICKHOUSE_PASSWORD ?? '');
  const display = `${u.protocol}//${u.host}`;
  return { display, url: display, username, password, database };
}

/**
 * A client for `target`; its errors name `target.display`, never the credentials. Readers
 * (`useDatabase`, the default) make the target's database the default, so that unqualified
 * names (a user's `daybook query`) are its; the shipper, which may have to create that
 * database, says false and qualifies every name.
 */
export function connect(target: ClickHouseTarget, options: { requestTimeoutMs?: number; useDatabase?: boolean } = {}): ClickHouseClient {
  return createClient({
    url: target.url,
    username: target.username,
    password: target.password,
    ...(options.useDatabase === false ? {} : { database: target.database }),
    request_timeout: options.requestTimeoutMs ?? 30_000,
    // The client's own error log would print what it was asked; daybook reports errors itself.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

import type { ClickHouseClient } from '@clickhouse/client';

// What the analyzer needs from ClickHouse: run one SELECT and get its rows as objects. The
// HTTP client implements it for a server; tests implement it over chdb (a current ClickHouse
// in-process) to run the same SQL there. Numbers of 64-bit types come back as strings from
// some servers and as numbers from others: readers convert with Number().

export interface QueryRunner {
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The rows of one SELECT as they arrive (bounded memory: the export); optional. */
  stream?<T = Record<string, unknown>>(sql: string): AsyncIterable<T>;
}

/** A runner over the official client (JSONEachRow, which 18.16 and current servers write alike). */
export function clientRunner(client: ClickHouseClient): QueryRunner {
  return {
    async rows<T>(sql: string): Promise<T[]> {
      const rs = await client.query({ query: sql, format: 'JSONEachRow' });
      return rs.json<T>();
    },
    async *stream<T>(sql: string): AsyncGenerator<T> {
      const rs = await client.query({ query: sql, format: 'JSONEachRow' });
      for await (const rows of rs.stream()) for (const row of rows) yield row.json<T>();
    },
  };
}

/** Rows of a JSONEachRow text (what chdb answers). */
export function parseJsonEachRow<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) if (line.trim() !== '') out.push(JSON.parse(line) as T);
  return out;
}

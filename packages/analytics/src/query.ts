import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalyticsError } from './codes.js';
import { eventsRelation, loadDuckDb, writeEvents, type ExportOptions } from './export.js';

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  bad_lines: Awaited<ReturnType<typeof writeEvents>>['bad_lines'];
}

/**
 * Runs SQL over the events of log directories with DuckDB (optional dependency). The table
 * `events` has the CSV export's columns (de-duplicated; `timestamp` a UTC TIMESTAMP, numbers
 * DOUBLE, metadata JSON text: use `metadata->>'$.status_code'`). The filters of ExportOptions
 * narrow what is loaded.
 */
export async function queryEvents(paths: readonly string[], sql: string, options: Omit<ExportOptions, 'format'> = {}): Promise<QueryResult> {
  const duck = await loadDuckDb('DAYBOOK_E_QUERY_ENGINE');
  const dir = await mkdtemp(join(tmpdir(), 'daybook-query-'));
  try {
    const tmp = join(dir, 'events.jsonl');
    const written = await writeEvents(paths, tmp, 'table', options);
    const instance = await duck.DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      await conn.run(`CREATE TABLE events AS ${eventsRelation(tmp)}`);
      let reader;
      try {
        reader = await conn.runAndReadAll(sql);
      } catch (e) {
        throw new AnalyticsError('DAYBOOK_E_QUERY_SQL', (e as Error).message, { cause: e });
      }
      return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Record<string, unknown>[], bad_lines: written.bad_lines };
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

import { AnalyticsError } from './codes.js';
import { withEvents, type writeEvents, type ExportOptions } from './export.js';

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
  return withEvents(paths, options, 'DAYBOOK_E_QUERY_ENGINE', async (conn, relation, written) => {
    await conn.run(`CREATE TABLE events AS ${relation}`);
    let reader;
    try {
      reader = await conn.runAndReadAll(sql);
    } catch (e) {
      throw new AnalyticsError('DAYBOOK_E_QUERY_SQL', (e as Error).message, { cause: e });
    }
    // Rows as objects by DuckDB's de-duplicated names (`SELECT 1 AS a, 2 AS a` gives a and
    // a:1), made with Object.fromEntries: a column named from the logs (a PIVOT on
    // strategy_name) may be `__proto__`, which assignment would take for the prototype.
    const columns = reader.deduplicatedColumnNames();
    const rows = reader.getRowsJson().map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i]])));
    return { columns, rows, bad_lines: written.bad_lines };
  });
}

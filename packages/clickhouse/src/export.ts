import { open, rm } from 'node:fs/promises';
import { AnalyticsError, csvRow, EXPORT_COLUMNS, type ExportFormat } from '@daybook/analytics';
import { eventOf, lineOf } from './event-row.js';
import type { ClickHouseEvents, EventQuery } from './events.js';

// `daybook export --clickhouse` and /audit/export_logs over ClickHouse: the events of a
// query, streamed from the server in the fleet's event order (events.ts) into a CSV or JSON
// Lines file as the file export writes them (analytics' csvRow, the lines as written). Memory:
// the client's stream and a megabyte of output at most. A failed export leaves no file. Parquet is refused: the file export
// writes it with DuckDB over a temporary JSON file of every row, which is the file path's
// business; a fleet that wants Parquet has ClickHouse's own `FORMAT Parquet` (19.x and later).

export interface FleetExportResult {
  file: string;
  format: ExportFormat;
  rows: number;
}

const FLUSH = 1 << 20;

/** Writes the events of `q` to `file` as `format` (csv or jsonl). */
export async function exportFleetEvents(events: ClickHouseEvents, file: string, format: ExportFormat, q: EventQuery): Promise<FleetExportResult> {
  if (format === 'parquet') {
    throw new AnalyticsError('DAYBOOK_E_EXPORT_FORMAT', 'Parquet is exported from log directories only; over ClickHouse export csv or jsonl (or use ClickHouse\'s own SELECT ... FORMAT Parquet on a 19.x or later server)');
  }
  let fh;
  try {
    fh = await open(file, 'w');
  } catch (e) {
    throw new AnalyticsError('DAYBOOK_E_EXPORT_WRITE', `cannot write ${file} (${(e as Error).message})`, { cause: e });
  }
  let rows = 0;
  let out = format === 'csv' ? EXPORT_COLUMNS.join(',') + '\n' : '';
  try {
    for await (const row of events.each(q)) {
      const event = eventOf(row);
      out += format === 'csv' ? csvRow(event) : lineOf(row, event) + '\n';
      rows++;
      if (out.length >= FLUSH) {
        await fh.write(out);
        out = '';
      }
    }
    await fh.write(out);
  } catch (e) {
    // ClickHouse gone mid-stream, a full disk: a partial file would pass for the export.
    await fh.close().catch(() => undefined);
    await rm(file, { force: true });
    throw e;
  }
  await fh.close();
  return { file, format, rows };
}

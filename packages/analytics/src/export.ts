import { open, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { emptyBadLines, badLinesReport, type BadLineCounts } from './bad-lines.js';
import { AnalyticsError } from './codes.js';
import { readLimits, type ReadLimits } from './limits.js';
import { inRange, isoOf, parseRange, type DateInput, type TimeRange } from './dates.js';
import { NAMED_CONFLICTS } from './conflicts.js';
import { ABSENT, IdSet } from './dedup.js';
import { CSV_HEADER, csvRow, EXPORT_COLUMNS, NUMERIC_COLUMNS, columnValue } from './export-csv.js';
import type { LineSink } from './lines.js';
import { eventFiles, foreignProblem, listLogs, readInto, type LogFileInfo, type ReadProblem } from './reader.js';
import { contentDigest } from './digest.js';
import { uuidWords } from './segment.js';

export type ExportFormat = 'csv' | 'jsonl' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'jsonl', 'parquet'];

export interface ExportOptions {
  /** Default: from the file's extension (.csv, .jsonl/.ndjson, .parquet), else csv. */
  format?: ExportFormat;
  start?: DateInput;
  end?: DateInput;
  /** Only these event types (exact); default all. */
  eventTypes?: readonly string[];
  symbols?: readonly string[];
  sessions?: readonly string[];
  /** Called as bytes are read (for a progress bar). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Bounds on hostile input (limits.ts; defaults DEFAULT_READ_LIMITS). */
  limits?: Partial<ReadLimits>;
}

export interface ExportResult {
  file: string;
  format: ExportFormat;
  rows: number;
  bad_lines: ReturnType<typeof badLinesReport>;
  read_problems: ReadProblem[];
}

export function formatOf(file: string, format?: string): ExportFormat {
  if (format !== undefined) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new AnalyticsError('DAYBOOK_E_EXPORT_FORMAT', `unknown export format "${format}"`);
    return format as ExportFormat;
  }
  const ext = extname(file).toLowerCase();
  return ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : ext === '.parquet' ? 'parquet' : 'csv';
}

/** Reads the files in order, de-duplicates, filters, and hands each kept event to `emit`. */
class FilterSink implements LineSink {
  readonly bad: BadLineCounts = emptyBadLines();
  private readonly ids = new IdSet();
  private readonly words = new Uint32Array(4);
  rows = 0;

  constructor(
    private readonly range: TimeRange,
    private readonly types: ReadonlySet<string> | undefined,
    private readonly symbols: ReadonlySet<string> | undefined,
    private readonly sessions: ReadonlySet<string> | undefined,
    private readonly emit: (o: Record<string, unknown>, ts: number, line: string) => void,
  ) {}

  wanted(o: Record<string, unknown>, ts: number): boolean {
    if (!inRange(this.range, ts)) return false;
    if (this.types !== undefined && !this.types.has(o.event_type as string)) return false;
    if (this.symbols !== undefined && !this.symbols.has(o.symbol as string)) return false;
    if (this.sessions !== undefined && !this.sessions.has(o.session_id as string)) return false;
    return true;
  }

  /** The file being read, for the problems that name it. */
  file = '';
  /** The first NAMED_CONFLICTS event_ids whose copies differ, with the files of the copies not written. */
  readonly conflicts = new Map<string, string[]>();

  add(o: Record<string, unknown>, ts: number, line: string, lineDigest?: number): void {
    if (!this.wanted(o, ts)) return;
    const id = o.event_id as string;
    const digest = lineDigest ?? contentDigest(line);
    const had = uuidWords(id, this.words, 0) ? this.ids.addWords(this.words, 0, digest) : this.ids.addText(id, digest);
    if (had === ABSENT) {
      this.rows++;
      this.emit(o, ts, line);
      return;
    }
    if (had === digest) return;
    this.conflicting++;
    let files = this.conflicts.get(id);
    if (files === undefined && this.conflicts.size < NAMED_CONFLICTS) this.conflicts.set(id, (files = []));
    if (files !== undefined && files.length < NAMED_CONFLICTS) files.push(this.file);
  }

  conflicting = 0;

  addAppLine(ts: number, _timestamp: string, app: string, level: string, message: string): void {
    const o = { timestamp: isoOf(ts), level: level.toUpperCase(), event_type: 'app_log', component: app, message, logger: app, metadata: {} };
    if (!this.wanted(o, ts)) return;
    this.rows++;
    this.emit(o, ts, JSON.stringify(o));
  }
}

/** Buffered writes to a file handle. */
class Out {
  private parts: string[] = [];
  private size = 0;
  private constructor(private readonly fh: Awaited<ReturnType<typeof open>>) {}

  static async create(file: string): Promise<Out> {
    try {
      return new Out(await open(file, 'w'));
    } catch (e) {
      throw new AnalyticsError('DAYBOOK_E_EXPORT_WRITE', `cannot write ${file} (${(e as Error).message})`, { cause: e });
    }
  }

  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
  }

  get full(): boolean {
    return this.size >= 1 << 20;
  }

  async drain(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await this.fh.write(text);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.fh.close();
  }
}

/** A Parquet/SQL-friendly row: the export columns, numbers as numbers, plus `ts_us` (epoch micro-seconds). */
export function tableRow(o: Record<string, unknown>, ts: number): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of EXPORT_COLUMNS) {
    const v = columnValue(o, c);
    row[c] = NUMERIC_COLUMNS.has(c) ? (typeof v === 'number' && Number.isFinite(v) ? v : null) : v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);
  }
  row.ts_us = Math.round(ts);
  return row;
}

/** Writes the selected events of `paths` as `format` lines (csv, jsonl, or the table rows used for Parquet/SQL). */
export async function writeEvents(paths: readonly string[], file: string, kind: 'csv' | 'jsonl' | 'table', options: ExportOptions): Promise<Omit<ExportResult, 'format' | 'file'>> {
  const range = parseRange(options.start, options.end);
  const set = (xs: readonly string[] | undefined) => (xs === undefined || xs.length === 0 ? undefined : new Set(xs));
  const listing = listLogs(paths);
  const files = eventFiles(listing.files);
  const limits = readLimits(options.limits);
  const out = await Out.create(file);
  if (kind === 'csv') out.push(CSV_HEADER);
  const emit =
    kind === 'csv' ? (o: Record<string, unknown>) => out.push(csvRow(o))
    : kind === 'jsonl' ? (_o: Record<string, unknown>, _ts: number, line: string) => out.push(line + '\n')
    : (o: Record<string, unknown>, ts: number) => out.push(JSON.stringify(tableRow(o, ts)) + '\n');
  const sink = new FilterSink(range, set(options.eventTypes), set(options.symbols), set(options.sessions), emit);
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  const problems: ReadProblem[] = [...listing.problems];
  try {
    for (const f of files) {
      // Streamed; written out whenever a megabyte is queued, so memory stays flat. Complete
      // lines only: an unterminated last line is not an event yet.
      sink.file = f.path;
      // A foreign file (reader.ts) gives its app text lines, not its events: counted, not written.
      let foreign = 0;
      const into = f.foreign === true ? { bad: sink.bad, add: () => void foreign++, addAppLine: sink.addAppLine.bind(sink) } : sink;
      const read = await readInto(f.path, f.gz, 0, into, limits);
      problems.push(...read.problems);
      if (foreign > 0) problems.push(foreignProblem(f.path, foreign));
      if (out.full) await out.drain();
      done += f.size;
      options.onProgress?.(done, total);
    }
  } finally {
    await out.close();
  }
  if (sink.conflicting > 0) problems.push(...(await conflictsOf(files, sink, limits)));
  return { rows: sink.rows, bad_lines: badLinesReport(sink.bad), read_problems: problems };
}

/**
 * The DAYBOOK_W_READ_ID_CONFLICT problems of an export (the first copy read is written): the
 * file of each written copy is found by reading the files again, which only an export with
 * conflicts pays (keeping every id's file would cost memory for every event).
 */
async function conflictsOf(files: readonly LogFileInfo[], sink: FilterSink, limits: ReadLimits): Promise<ReadProblem[]> {
  const first = new Map<string, string>();
  for (const f of files) {
    if (first.size === sink.conflicts.size) break;
    if (f.foreign === true) continue; // its events were not exported
    await readInto(f.path, f.gz, 0, {
      bad: emptyBadLines(),
      add: (o, ts) => {
        const id = o.event_id as string;
        if (sink.conflicts.has(id) && !first.has(id) && sink.wanted(o, ts)) first.set(id, f.path);
      },
      addAppLine: () => {},
    }, limits);
  }
  const problems: ReadProblem[] = [];
  for (const [id, others] of sink.conflicts) {
    for (const file of others) {
      problems.push({ file, code: 'DAYBOOK_W_READ_ID_CONFLICT', message: `event_id ${id}: the copy in ${file} differs from the one exported (in ${first.get(id) ?? 'an earlier file'}); it is not exported` });
    }
  }
  const named = [...sink.conflicts.values()].reduce((n, o) => n + o.length, 0);
  if (sink.conflicting > named) problems.push({ file: files[0]!.path, code: 'DAYBOOK_W_READ_ID_CONFLICT', message: `${sink.conflicting - named} more copies of event_ids differ from the copy exported (not exported)` });
  return problems;
}

/** Loads @duckdb/node-api (an optional dependency) or throws `code`. */
export async function loadDuckDb(code: 'DAYBOOK_E_EXPORT_PARQUET' | 'DAYBOOK_E_QUERY_ENGINE'): Promise<typeof import('@duckdb/node-api')> {
  try {
    return await import('@duckdb/node-api');
  } catch (e) {
    throw new AnalyticsError(code, `@duckdb/node-api could not be loaded (${(e as Error).message})`, { cause: e });
  }
}

/** DuckDB's read_json column list for the table rows. */
export function duckColumns(): string {
  const cols = EXPORT_COLUMNS.map((c) => `"${c}": '${NUMERIC_COLUMNS.has(c) ? 'DOUBLE' : 'VARCHAR'}'`);
  return `{${cols.join(', ')}, "ts_us": 'BIGINT'}`;
}

/** SQL that reads a table-rows file as the `events` relation (timestamp as a UTC TIMESTAMP). */
export function eventsRelation(jsonlPath: string): string {
  const cols = EXPORT_COLUMNS.map((c) => (c === 'timestamp' ? 'make_timestamp(ts_us) AS "timestamp"' : `"${c}"`));
  return `SELECT ${cols.join(', ')} FROM read_json('${jsonlPath.replaceAll("'", "''")}', format = 'newline_delimited', columns = ${duckColumns()})`;
}

type DuckConnection = import('@duckdb/node-api').DuckDBConnection;

/**
 * Loads the selected events of `paths` into DuckDB (the `events` relation over a temporary
 * JSON Lines file of table rows) and runs `use` with the connection and the relation's SQL.
 * Everything is closed and the temporary file removed afterwards.
 */
export async function withEvents<T>(
  paths: readonly string[], options: ExportOptions, code: 'DAYBOOK_E_EXPORT_PARQUET' | 'DAYBOOK_E_QUERY_ENGINE',
  use: (conn: DuckConnection, relation: string, written: Awaited<ReturnType<typeof writeEvents>>) => Promise<T>,
): Promise<T> {
  const duck = await loadDuckDb(code);
  const dir = await mkdtemp(join(tmpdir(), 'daybook-duckdb-'));
  try {
    const tmp = join(dir, 'events.jsonl');
    const written = await writeEvents(paths, tmp, 'table', options);
    const instance = await duck.DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      return await use(conn, eventsRelation(tmp), written);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Events of log directories to a CSV, JSON Lines or Parquet file. */
export async function exportEvents(paths: readonly string[], file: string, options: ExportOptions = {}): Promise<ExportResult> {
  const format = formatOf(file, options.format);
  if (format !== 'parquet') return { file, format, ...(await writeEvents(paths, file, format, options)) };
  return withEvents(paths, options, 'DAYBOOK_E_EXPORT_PARQUET', async (conn, relation, written) => {
    try {
      await conn.run(`COPY (${relation}) TO '${resolve(file).replaceAll("'", "''")}' (FORMAT parquet)`);
    } catch (e) {
      throw new AnalyticsError('DAYBOOK_E_EXPORT_WRITE', `cannot write ${file} (${(e as Error).message})`, { cause: e });
    }
    return { file, format, ...written };
  });
}

import { createReadStream } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BAD_LINE_KINDS, badLinesReport, exportEvents, formatOf, type BadLineCounts } from '@daybook/analytics';
import type { ServerContext } from './context.js';
import { ServerError } from './errors.js';
import { rangeOf } from './range.js';
import { EXPORT_BODY } from './schemas.js';
import type { FleetFilter } from './fleet.js';
import { fleetEventsOf } from './routes-events.js';

interface ExportBody extends FleetFilter {
  output_file?: string;
  start_date?: string;
  end_date?: string;
  event_types?: string[];
  symbols?: string[];
  sessions?: string[];
  format?: 'csv' | 'jsonl' | 'parquet';
}

const nonEmpty = (xs: string[] | undefined): string[] | undefined => (xs === undefined || xs.length === 0 ? undefined : xs);
const emptyBadLines = (): BadLineCounts => Object.fromEntries(BAD_LINE_KINDS.map((k) => [k, 0])) as unknown as BadLineCounts;

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const CONTENT_TYPE = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8', parquet: 'application/vnd.apache.parquet' } as const;

/**
 * The file name of `output_file`, or a 400: only a plain name, resolved inside `dir`. The
 * Python server wrote wherever the client said; here a path never leaves the export directory.
 */
export function exportName(outputFile: string | undefined, dir: string | undefined, ext: string): string {
  if (outputFile === undefined) return `daybook_export_${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}.${ext}`;
  if (!SAFE_NAME.test(outputFile) || outputFile.includes('..')) {
    throw new ServerError('DAYBOOK_E_SERVER_EXPORT_PATH', `output_file ${JSON.stringify(outputFile.slice(0, 80))} is not a plain file name`, { field: 'output_file' });
  }
  if (dir !== undefined && !resolve(dir, outputFile).startsWith(resolve(dir) + sep)) {
    throw new ServerError('DAYBOOK_E_SERVER_EXPORT_PATH', `output_file ${JSON.stringify(outputFile)} leaves the export directory`, { field: 'output_file' });
  }
  return outputFile;
}

const dirError = (name: string): ServerError =>
  new ServerError('DAYBOOK_E_SERVER_EXPORT_PATH', `output_file ${JSON.stringify(name)} names a directory in the export directory`, { field: 'output_file' });

/** A 400 when `path` is a directory: a file is replaced by the export, a directory cannot be. */
async function notADirectory(path: string, name: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (s?.isDirectory() === true) throw dirError(name);
}

/**
 * POST /audit/export_logs with the seed's body. With an export directory configured the file
 * is written there (under output_file's name) and the answer says how many rows; without one
 * the file comes back as the response (a download named output_file).
 */
export function exportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: ExportBody }>('/audit/export_logs', {
    schema: { tags: ['reports'], summary: 'Events of a range and types to CSV / JSON Lines / Parquet: written to the export directory, or returned as the response when the server has none', body: EXPORT_BODY },
  }, async (request, reply) => {
    const b = request.body ?? {};
    const range = rangeOf(b.start_date, b.end_date);
    const fleet = fleetEventsOf(ctx, b);
    const format = formatOf(b.output_file ?? '', b.format);
    const name = exportName(b.output_file, ctx.exportDir, format);
    if (ctx.exportDir !== undefined) await notADirectory(join(ctx.exportDir, name), name);
    const options = { format, start: b.start_date, end: b.end_date, eventTypes: b.event_types, symbols: b.symbols, sessions: b.sessions };
    const tmp = await mkdtemp(join(ctx.exportDir ?? tmpdir(), '.daybook-export-')).catch((e: unknown) => {
      throw new ServerError('DAYBOOK_E_SERVER_EXPORT_WRITE', `cannot write in the export directory (${(e as Error).message})`, { cause: e });
    });
    const file = join(tmp, name);
    try {
      // A fleet's export reads ClickHouse (no bad lines or read problems there: they stayed in the files).
      const result = fleet === undefined
        ? await exportEvents(ctx.dirs, file, options)
        : { ...(await fleet.export(file, format, { range, bot: b.bot, host: b.host, types: nonEmpty(b.event_types), symbols: nonEmpty(b.symbols), sessions: nonEmpty(b.sessions) })), bad_lines: badLinesReport(emptyBadLines()), read_problems: [] };
      if (ctx.exportDir !== undefined) {
        await rename(file, join(ctx.exportDir, name)).catch((e: unknown) => {
          // made a directory meanwhile: the same 400 as the check above
          if ((e as NodeJS.ErrnoException).code === 'EISDIR' || (e as NodeJS.ErrnoException).code === 'ENOTEMPTY') throw dirError(name);
          throw e;
        });
        await rm(tmp, { recursive: true, force: true });
        return { output_file: name, format, rows: result.rows, bad_lines: result.bad_lines, read_problems: result.read_problems };
      }
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    const stream = createReadStream(file);
    const cleanup = () => void rm(tmp, { recursive: true, force: true });
    stream.once('close', cleanup);
    return reply
      .type(CONTENT_TYPE[format])
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(stream);
  });
}

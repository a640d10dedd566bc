import { Worker } from 'node:worker_threads';
import { BAD_LINE_KINDS, type BadLineCounts, type LineSink } from '@daybook/analytics';
import { appLineId, appRowOf, chainLink, rowOf } from '../row.js';
import { classifyLine } from './file-lines.js';
import { NativeBatch } from './native.js';

// Lines to rows, off the main thread. Parsing a line (analytics' readLine: JSON.parse) and
// encoding its row are nine tenths of the shipper's CPU; the main thread reads the files,
// keeps the positions and talks to ClickHouse, and hands each chunk of lines (about 1 MiB) to
// one of a few worker threads, which return it as one Native block. Chunks are applied in
// the order they were read, so a position never covers a line whose row is not in the batch.
// A worker that fails (or none: `encoders: 0`) is replaced by the same code on the main
// thread: the rows are the same either way.

/** Complete lines of one file, copied out of the read buffer (the worker gets its own copy). */
export interface LineChunk {
  /** The lines' bytes, back to back (no newlines). */
  data: Uint8Array;
  /** Where each line ends in `data`. */
  ends: Uint32Array;
  /** Each line's byte offset in the file (uncompressed). */
  offsets: Float64Array;
  /** Lines in the chunk. */
  count: number;
}

export interface ChunkSource {
  bot: string;
  host: string;
  file: string;
  /** The file's identity (its first line's hash): with a line's offset, an app line's stable id. */
  fileId: string;
  /** A file whose JSON events the file reports do not count (an app's log): only its app text lines are shipped. */
  foreign: boolean;
}

export interface EncodedChunk {
  rows: number;
  /** One Native block of the chunk's rows (empty when it has none). */
  block: Uint8Array;
  /** Lines counted bad by the file analyzer's rules, by kind: not shipped. */
  bad: BadLineCounts;
  /** App text lines, shipped as app_log rows (counted in `rows` too). */
  appLines: number;
}

export class LineChunkBuilder {
  private data = new Uint8Array(1 << 20);
  private size = 0;
  private ends = new Uint32Array(1024);
  private offsets = new Float64Array(1024);
  count = 0;

  add(line: Uint8Array, offset: number): void {
    if (this.count === this.ends.length) {
      const ends = new Uint32Array(this.count * 2);
      ends.set(this.ends);
      this.ends = ends;
      const offsets = new Float64Array(this.count * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
    }
    if (this.size + line.length > this.data.length) {
      const data = new Uint8Array(Math.max(this.data.length * 2, this.size + line.length));
      data.set(this.data.subarray(0, this.size));
      this.data = data;
    }
    this.data.set(line, this.size);
    this.size += line.length;
    this.ends[this.count] = this.size;
    this.offsets[this.count++] = offset;
  }

  /** The chunk (exactly sized copies) and a fresh builder state. */
  take(): LineChunk {
    const chunk = { data: this.data.slice(0, this.size), ends: this.ends.slice(0, this.count), offsets: this.offsets.slice(0, this.count), count: this.count };
    this.size = 0;
    this.count = 0;
    return chunk;
  }
}

const emptyBad = (): BadLineCounts => Object.fromEntries(BAD_LINE_KINDS.map((k) => [k, 0])) as unknown as BadLineCounts;

/** Adds the rows of `chunk`'s lines to `batch` (the file analyzer's reading of each line); returns the bad lines (not shipped) and the app lines. */
function encodeInto(batch: NativeBatch, chunk: LineChunk, source: ChunkSource): { bad: BadLineCounts; appLines: number } {
  const src = { bot: source.bot, host: source.host, file: source.file, offset: 0 };
  let appLines = 0;
  const sink: LineSink = {
    bad: emptyBad(),
    add: (o, ts, line) => {
      if (source.foreign) return; // its JSON events do not count in the file reports either
      const row = rowOf(o, ts, src);
      if (row.hash === '') row.hash = chainLink(line);
      batch.add(row);
    },
    addAppLine: (ts, timestamp, app, level, message) => {
      appLines++;
      batch.add(appRowOf(ts, timestamp, app, level, message, src, appLineId(source.fileId, src.offset)));
    },
  };
  const data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
  let start = 0;
  for (let i = 0; i < chunk.count; i++) {
    const end = chunk.ends[i]!;
    src.offset = chunk.offsets[i]!;
    classifyLine(data.subarray(start, end), sink, src.offset === 0);
    start = end;
  }
  return { bad: sink.bad, appLines };
}

/** The chunk as one Native block. */
export function encodeChunk(chunk: LineChunk, source: ChunkSource): EncodedChunk {
  const batch = new NativeBatch();
  const rest = encodeInto(batch, chunk, source);
  // One fresh ArrayBuffer (not Buffer's shared pool): a worker transfers it.
  const parts = batch.rows === 0 ? [] : batch.block(0, batch.rows);
  const block = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of parts) {
    block.set(b, at);
    at += b.length;
  }
  return { rows: batch.rows, block, ...rest };
}

/**
 * The rows of a batch as encoded blocks, one per chunk, and the chunks themselves: a batch
 * the server refuses is encoded again row by row on the main thread (NativeBatch) so that it
 * can be halved until the refused line is found.
 */
export class EncodedBatch {
  private readonly blocks: Buffer[] = [];
  private readonly chunks: { chunk: LineChunk; source: ChunkSource }[] = [];
  private native: NativeBatch | undefined;
  rows = 0;
  bytes = 0;

  add(chunk: LineChunk, source: ChunkSource, encoded: EncodedChunk): void {
    this.chunks.push({ chunk, source });
    this.bytes += encoded.block.byteLength; // the bound is the block's (the lines kept beside it take about as much again)
    if (encoded.rows === 0) return;
    this.blocks.push(Buffer.from(encoded.block.buffer, encoded.block.byteOffset, encoded.block.byteLength));
    this.rows += encoded.rows;
  }

  private rowByRow(): NativeBatch {
    if (this.native === undefined) {
      this.native = new NativeBatch();
      for (const { chunk, source } of this.chunks) encodeInto(this.native, chunk, source);
    }
    return this.native;
  }

  /** Rows [from, to) as Native blocks. */
  block(from: number, to: number): Buffer[] {
    return from === 0 && to === this.rows ? this.blocks : this.rowByRow().block(from, to);
  }

  row(r: number): ReturnType<NativeBatch['row']> {
    return this.rowByRow().row(r);
  }
}

interface Job {
  resolve: (e: EncodedChunk) => void;
  reject: (e: Error) => void;
}

/** Worker threads that encode chunks; `encode` falls back to the main thread when there are none or one failed. */
export class EncoderPool {
  private readonly workers: { worker: Worker; jobs: Map<number, Job> }[] = [];
  private nextId = 0;
  private broken = false;

  /** `size` workers; chunks under `minChunk` bytes are encoded on the main thread. */
  constructor(private readonly size: number, private readonly minChunk: number) {}

  /** Starts the workers (loading their modules takes a while on a busy machine: before the first chunk, not after it). */
  start(): void {
    try {
      while (!this.broken && this.workers.length < this.size) this.spawn();
    } catch {
      this.broken = true;
    }
  }

  /** `threads` false: on the main thread (a follower keeping up with a bot, see Shipper). */
  encode(chunk: LineChunk, source: ChunkSource, threads = true): Promise<EncodedChunk> {
    // A few lines are encoded at once: a round trip to a thread, which a busy machine may
    // schedule late, would only add to the lag.
    if (!threads || this.size === 0 || this.broken || chunk.data.byteLength < this.minChunk) return Promise.resolve(encodeChunk(chunk, source));
    this.start();
    if (this.broken) return Promise.resolve(encodeChunk(chunk, source));
    const w = this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    const id = this.nextId++;
    return new Promise<EncodedChunk>((resolve, reject) => {
      w.jobs.set(id, { resolve, reject });
      w.worker.ref(); // a job under way keeps the process alive until its answer
      w.worker.postMessage({ id, chunk, source });
    }).catch(() => encodeChunk(chunk, source));
  }

  private spawn(): void {
    const worker = new Worker(new URL('./encode-worker.js', import.meta.url));
    const entry = { worker, jobs: new Map<number, Job>() };
    const fail = (e: Error) => {
      // Its chunks are encoded on the main thread instead (encode's catch), and no more go to workers.
      this.broken = true;
      for (const job of entry.jobs.values()) job.reject(e);
      entry.jobs.clear();
    };
    worker.on('message', (m: { id: number } & EncodedChunk) => {
      const job = entry.jobs.get(m.id);
      entry.jobs.delete(m.id);
      if (entry.jobs.size === 0) worker.unref();
      job?.resolve(m);
    });
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('encoder worker exited')));
    // An idle worker never keeps a process alive (a library's once() without close()); a busy
    // one does (encode). After the listeners: adding a 'message' listener refs the port again.
    worker.unref();
    this.workers.push(entry);
  }

  async close(): Promise<void> {
    const all = this.workers.splice(0);
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}

import { EventEmitter } from 'node:events';
import { availableParallelism, hostname } from 'node:os';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { BAD_LINE_KINDS, DEFAULT_READ_LIMITS, eventFiles, listLogs, type BadLineCounts, type LogFileInfo } from '@daybook/analytics';
import { connect, type ClickHouseTarget } from '../connect.js';
import { eventsTable } from '../sql.js';
import { closeLog, fileHead, openLog, readLines, type OpenLog } from './file-lines.js';
import { causeOf, describe, failureMessage, SHIP_ERROR_CODES, ShipError, type FailureCause } from './failure.js';
import { ShipMetrics } from './metrics.js';
import { EncodedBatch, EncoderPool, LineChunkBuilder } from './encode.js';
import { INSERT_COLUMNS } from './native.js';
import { loadPositions, positionPath, savePositions, type FilePosition } from './positions.js';
import { checkSchema, ensureTable } from './table.js';

// The shipper: follows log directories and inserts their event lines into ClickHouse.
//
// The files are the buffer. A pass lists each directory (analytics' listLogs + eventFiles:
// the files the file analyzer reads), knows each file by its first line (fileHead: a rotation
// or a gzip keeps it), and reads it from the position saved for that head, through
// analytics' readLine (exactly the lines the analyzer counts; bad lines are counted, not
// shipped). Rows gather in one batch, bounded in rows and bytes: when it is full the reading
// waits for the insert (backpressure); in follow mode a batch is also sent once its oldest
// row has waited `flushMs`. Only after ClickHouse acknowledged a batch are the positions it
// advanced saved (positions.ts), so a crash re-sends at most one batch, which the
// ReplacingMergeTree keyed by event_id (and FINAL in every query) counts once.
// Failures never end a follower: each prints one stderr line, increments
// daybook_ship_failures_total{cause}, and is retried with exponential backoff.

export interface ShipperOptions {
  /** Log directories to follow. */
  dirs: readonly string[];
  target: ClickHouseTarget;
  /** The `bot` column; default: each directory's name. */
  bot?: string;
  /** The `host` column; default: this machine's host name. */
  host?: string;
  /** A cluster of the servers' remote_servers: `events` is Distributed over per-shard `events_local`. */
  cluster?: string;
  /** TTL of the table when the shipper creates it (ClickHouse 19.6+). */
  ttlDays?: number;
  /** Rows per insert at most (default 100,000). */
  batchRows?: number;
  /** Bytes of Native block per insert at most (default 32 MiB): with batchRows, the memory bound. */
  batchBytes?: number;
  /** Following: a batch is sent once its oldest row waited this long (default 1000 ms). */
  flushMs?: number;
  /** Following: how often the directories are listed (default 200 ms). */
  pollMs?: number;
  /** Backoff between retries: first wait, and the most (defaults 250 ms, 30 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** once(): give up (ShipError) when failures last this long (default 5 min); auth and schema failures give up at once. */
  giveUpMs?: number;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** Worker threads that parse lines and encode rows (default 2, at most the cores; 0: on the main thread). */
  encoders?: number;
  /** Chunks of lines smaller than this are encoded on the main thread (default 256 KiB: a follower keeping up with a bot does not wait for a thread). */
  encoderMinChunk?: number;
  /** Metrics registry owner; default a new one (ShipMetrics.registry). */
  metrics?: ShipMetrics;
  /** Where the failure lines go (default stderr). */
  log?: (line: string) => void;
}

export interface ShipSummary {
  /** Event lines acknowledged by ClickHouse. */
  events: number;
  inserts: number;
  /** Lines ClickHouse refused (each named on stderr). */
  rejected: number;
  /** Lines the file analyzer counts as bad (not shipped). */
  bad: BadLineCounts;
  /** App text lines (Drift format) read, shipped as app_log rows (counted in `events` once acknowledged). */
  appLines: number;
}

export interface ShipperEvents {
  /** A batch acknowledged, its positions saved. */
  batch: [{ rows: number; bytes: number; ms: number }];
  /** One failure, as printed on stderr. */
  failure: [{ cause: FailureCause; code: string; message: string }];
}

interface DirState {
  dir: string;
  bot: string;
  posPath: string;
  positions: Map<string, FilePosition>;
  /** A gzip backup's `dev:ino:size:mtime` → its head (inflating its start once). */
  heads: Map<string, string>;
  /** head → the pass that last listed it (positions of files gone for a while are forgotten). */
  seen: Map<string, number>;
  bad: BadLineCounts;
  appLines: number;
}

/** Thrown inside when close() interrupts a wait. */
class Closed extends Error {}

const emptyBad = (): BadLineCounts => ({ blank: 0, invalid_utf8: 0, invalid_json: 0, not_object: 0, missing_event_id: 0, invalid_timestamp: 0, too_long: 0 });
/** Unread bytes of a file beyond which a follower is catching up (and uses the encoder threads). */
const FOLLOW_BACKLOG = 16 * 1024 * 1024;
/** Passes a position survives without its file being listed (a file renamed between readdir and stat is missing from one pass). */
const FORGET_AFTER_PASSES = 50;

export class Shipper {
  readonly metrics: ShipMetrics;
  /** 'batch' and 'failure' (ShipperEvents): progress for a library user. */
  readonly events = new EventEmitter<ShipperEvents>();
  private readonly client: ClickHouseClient;
  private readonly encoders: EncoderPool;
  private readonly encoderCount: number;
  private readonly dirs: DirState[];
  private readonly host: string;
  private readonly o: Required<Pick<ShipperOptions, 'batchRows' | 'batchBytes' | 'flushMs' | 'pollMs' | 'retryMinMs' | 'retryMaxMs' | 'giveUpMs'>>;
  private readonly log: (line: string) => void;
  private readonly insertQuery: string;
  private readonly maxLineBytes = DEFAULT_READ_LIMITS.maxLineBytes;
  private mode: 'once' | 'follow' = 'once';
  private closing = false;
  private closed: Promise<void> | undefined;
  /** Sleeps that close() cuts short (the poll loop's, and a retry's in the insert in flight). */
  private readonly wakers = new Set<() => void>();
  private running: Promise<unknown> | undefined;
  private passNo = 0;
  private readonly summary: ShipSummary = { events: 0, inserts: 0, rejected: 0, bad: emptyBad(), appLines: 0 };
  // The batch being gathered.
  private batch = new EncodedBatch();
  private firstAt = 0;
  private gen = 0;
  private pending = new Map<DirState, Map<string, FilePosition>>();
  /** The insert in flight, and the positions it will save once acknowledged. */
  private inflight: Promise<void> | undefined;
  private sending: Map<DirState, Map<string, FilePosition>> | undefined;
  /** Problems printed once per distinct text (a file that cannot be read is retried every pass). */
  private readonly told = new Set<string>();

  constructor(private readonly options: ShipperOptions) {
    this.metrics = options.metrics ?? new ShipMetrics();
    this.client = connect(options.target, { useDatabase: false, ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }) });
    this.host = options.host ?? hostname();
    this.encoderCount = options.encoders ?? Math.min(2, availableParallelism());
    this.encoders = new EncoderPool(this.encoderCount, options.encoderMinChunk ?? 256 * 1024);
    this.log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    this.o = {
      batchRows: options.batchRows ?? 100_000,
      batchBytes: options.batchBytes ?? 32 * 1024 * 1024,
      flushMs: options.flushMs ?? 1000,
      pollMs: options.pollMs ?? 200,
      retryMinMs: options.retryMinMs ?? 250,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      giveUpMs: options.giveUpMs ?? 5 * 60_000,
    };
    const t = options.target;
    this.insertQuery = `INSERT INTO ${eventsTable(t.database)} ${INSERT_COLUMNS} FORMAT Native`;
    this.dirs = [...new Set(options.dirs.map((d) => resolve(d)))].map((dir) => {
      const posPath = positionPath(dir, t.display, t.database);
      const positions = loadPositions(posPath);
      return { dir, bot: options.bot ?? basename(dir), posPath, positions, heads: new Map(), seen: new Map([...positions.keys()].map((h) => [h, 0])), bad: emptyBad(), appLines: 0 };
    });
  }

  /** Creates the database and table if missing and checks the schema (only that: `--create-only`). */
  async init(): Promise<void> {
    this.mode = 'once';
    await this.retrying(() => this.setup(false));
  }

  /** Ships what is on disk, waits until ClickHouse acknowledged it, and resolves; rejects with a ShipError when it cannot. */
  async once(): Promise<ShipSummary> {
    this.mode = 'once';
    const run = (async () => {
      await this.retrying(() => this.setup());
      // A bot may keep writing and rotating: read until a pass finds nothing new (a few at most).
      for (let i = 0; i < 5; i++) if ((await this.pass()) === 0) break;
      await this.flush();
      await this.settle();
      return { ...this.summary, bad: { ...this.summary.bad } };
    })();
    this.running = run.catch(() => undefined);
    try {
      return await run;
    } catch (e) {
      if (e instanceof Closed) throw new ShipError('server', 'the shipper was closed before it finished');
      throw e;
    }
  }

  /** Follows the directories until close(). Never rejects for a failure of ClickHouse or of a file. */
  async run(): Promise<void> {
    this.mode = 'follow';
    const run = (async () => {
      try {
        await this.retrying(() => this.setup());
        while (!this.closing) {
          await this.pass();
          const due = this.batch.rows > 0 || this.pending.size > 0 ? this.firstAt + this.o.flushMs - Date.now() : Infinity;
          if (due <= 0) await this.flush();
          else await this.sleep(Math.min(this.o.pollMs, due));
        }
      } catch (e) {
        if (!(e instanceof Closed)) throw e;
      }
    })();
    this.running = run.catch(() => undefined);
    await run;
  }

  /** Stops following (what is not yet acknowledged is read again next time: nothing is lost) and closes the client. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      for (const wake of [...this.wakers]) wake();
      await this.running;
      await this.inflight?.catch(() => undefined);
      await this.encoders.close();
      await this.client.close();
    })();
    return this.closed;
  }

  // --- ClickHouse --------------------------------------------------------------------------

  private async setup(allShards = true): Promise<void> {
    if (allShards) this.encoders.start(); // not for --create-only
    const t = this.options.target;
    await ensureTable(this.client, {
      database: t.database, display: t.display, allShards,
      ...(this.options.cluster === undefined ? {} : { cluster: this.options.cluster }),
      ...(this.options.ttlDays === undefined ? {} : { ttlDays: this.options.ttlDays }),
    });
  }

  private async insert(body: Buffer[]): Promise<void> {
    const settings = this.options.cluster === undefined ? {} : { insert_distributed_sync: 1 as const };
    const res = await this.client.exec({ query: this.insertQuery, values: Readable.from(body), clickhouse_settings: settings });
    // The answer to an INSERT is empty; read it so that the socket goes back to the pool.
    for await (const _ of res.stream) void _;
  }

  /**
   * Runs `task` until it succeeds: each failure printed and counted, then a backoff. Gives up
   * (rethrows a ShipError) only in once mode: at once for auth and schema, after giveUpMs for
   * the rest.
   */
  private async retrying(task: () => Promise<void>): Promise<void> {
    const since = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (this.closing) throw new Closed();
      let cause: FailureCause;
      let message: string;
      try {
        await task();
        return;
      } catch (e) {
        if (e instanceof Closed) throw e;
        if (e instanceof ShipError) {
          cause = e.reason;
          message = e.message;
        } else {
          cause = causeOf(e);
          message = failureMessage(cause, this.options.target.display, describe(e, this.options.target.password));
        }
      }
      const giveUp = this.mode === 'once' && (cause === 'auth' || cause === 'schema' || Date.now() - since >= this.o.giveUpMs);
      const wait = Math.min(this.o.retryMaxMs, this.o.retryMinMs * 2 ** Math.min(attempt, 20)) * (0.75 + Math.random() / 4);
      this.fail(cause, message, giveUp ? '' : `; retrying in ${wait < 1000 ? `${Math.round(wait)} ms` : `${(wait / 1000).toFixed(1)} s`}`);
      if (giveUp) throw new ShipError(cause, message);
      await this.sleep(wait);
    }
  }

  /** Inserts rows; a batch the server refuses for its data is halved until the refused line is found and left out. Returns the rows inserted. */
  private async deliver(batch: EncodedBatch, from: number, to: number): Promise<number> {
    let refused: unknown;
    await this.retrying(async () => {
      refused = undefined;
      try {
        await this.insert(batch.block(from, to));
      } catch (e) {
        const cause = causeOf(e);
        if (cause === 'schema') {
          // A table dropped or replaced while shipping: create it again, or say what differs.
          await this.setup();
          throw e;
        }
        if (cause !== 'rejected') throw e;
        // The data, or the table? A table of another schema refuses every line: no bisecting then.
        await checkSchema(this.client, this.options.target.database, this.options.target.display);
        refused = e;
      }
    });
    if (refused === undefined) return to - from;
    if (to - from > 1) {
      const mid = from + ((to - from) >>> 1);
      return (await this.deliver(batch, from, mid)) + (await this.deliver(batch, mid, to));
    }
    const r = batch.row(from);
    const where = `${r.file} at byte ${r.offset} (bot ${r.bot}, event_id ${r.event_id})`;
    this.summary.rejected++;
    this.metrics.rejected.inc();
    this.fail('rejected', `ClickHouse at ${this.options.target.display} rejected ${where}: ${describe(refused, this.options.target.password)}; that line is not shipped, the others are`, '');
    return 0;
  }

  private fail(cause: FailureCause, message: string, retry: string): void {
    const code = SHIP_ERROR_CODES[cause];
    this.metrics.failures.inc({ cause });
    this.log(`daybook ship: ${code}: ${message}${retry}`);
    this.events.emit('failure', { cause, code, message });
  }

  /** A file problem: counted every time, printed once per distinct text. */
  private fileProblem(text: string): void {
    this.metrics.failures.inc({ cause: 'file' });
    if (this.told.has(text)) return;
    if (this.told.size > 1000) this.told.clear();
    this.told.add(text);
    this.log(`daybook ship: ${SHIP_ERROR_CODES.file}: ${text}`);
    this.events.emit('failure', { cause: 'file', code: SHIP_ERROR_CODES.file, message: text });
  }

  private sleep(ms: number): Promise<void> {
    if (this.closing) return Promise.reject(new Closed());
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        reject(new Closed());
      };
      const timer = setTimeout(() => {
        this.wakers.delete(wake);
        resolve();
      }, ms);
      this.wakers.add(wake);
    });
  }


  // --- the batch ---------------------------------------------------------------------------

  /**
   * Hands the batch to the inserter and returns: reading goes on while ClickHouse parses the
   * insert (the two cores of a small machine both work). At most one insert is in flight:
   * with one already sent, this waits for it first (backpressure; memory holds two batches).
   */
  private async flush(): Promise<void> {
    await this.settle();
    if (this.batch.rows === 0 && this.pending.size === 0) return;
    const batch = this.batch;
    // The positions as they are now: reading goes on and moves the live ones.
    const positions = new Map([...this.pending].map(([d, files]) => [d, new Map([...files].map(([h, p]) => [h, { ...p }]))]));
    const firstAt = this.firstAt;
    this.batch = new EncodedBatch();
    this.pending = new Map();
    this.gen++;
    this.sending = positions;
    const p = this.send(batch, positions, firstAt);
    p.catch(() => undefined); // observed by settle()
    this.inflight = p;
  }

  /** Waits for the insert in flight (if any); rethrows what ended it (once mode, or close). */
  private async settle(): Promise<void> {
    const p = this.inflight;
    if (p === undefined) return;
    try {
      await p;
    } finally {
      if (this.inflight === p) {
        this.inflight = undefined;
        this.sending = undefined;
      }
    }
  }

  /** Inserts one batch and, once ClickHouse acknowledged it, saves the positions it advanced. */
  private async send(batch: EncodedBatch, positions: Map<DirState, Map<string, FilePosition>>, firstAt: number): Promise<void> {
    const bytes = batch.bytes;
    const started = Date.now();
    let inserted = 0;
    if (batch.rows > 0) {
      inserted = await this.deliver(batch, 0, batch.rows);
      this.summary.events += inserted;
      this.summary.inserts++;
      this.metrics.inserts.inc();
      this.metrics.insertedBytes.inc(bytes);
      this.metrics.events.inc(inserted);
      this.metrics.lagSeconds.set((Date.now() - firstAt) / 1000);
    }
    for (const [d, files] of positions) {
      for (const [head, p] of files) d.positions.set(head, p);
      for (const [head, pass] of d.seen) {
        if (this.passNo - pass > FORGET_AFTER_PASSES) {
          d.seen.delete(head);
          d.positions.delete(head);
        }
      }
      try {
        savePositions(d.posPath, this.options.target.display, this.options.target.database, d.positions);
      } catch (e) {
        this.fileProblem(`cannot save the shipper's position in ${d.posPath} (${(e as Error).message}): shipping goes on; after a restart the lines since the last save are sent again (counted once)`);
      }
    }
    if (batch.rows > 0) this.events.emit('batch', { rows: inserted, bytes, ms: Date.now() - started });
  }

  private full(): boolean {
    return this.batch.rows >= this.o.batchRows || this.batch.bytes >= this.o.batchBytes;
  }

  // --- reading -----------------------------------------------------------------------------

  /** One pass over every directory; returns how many lines were read. */
  private async pass(): Promise<number> {
    this.passNo++;
    let lines = 0;
    for (const d of this.dirs) {
      if (this.closing) throw new Closed();
      let files: LogFileInfo[];
      try {
        // A foreign file (an app's `<app>.log` beside audit.log, analytics' reader.ts) is read for its app text lines only.
        files = eventFiles(listLogs([d.dir]).files);
      } catch (e) {
        this.fileProblem(`cannot list ${d.dir} (${(e as Error).message})`);
        continue;
      }
      const live = new Set<string>();
      for (const f of files) {
        try {
          lines += await this.shipFile(d, f, live);
        } catch (e) {
          if (e instanceof Closed || e instanceof ShipError) throw e;
          // Renamed or removed between the listing and the read (a rotation): the next pass finds it under its new name.
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
          this.fileProblem(`cannot read ${f.path} (${(e as Error).message}): retried on the next pass`);
        }
      }
      for (const key of d.heads.keys()) if (!live.has(key)) d.heads.delete(key);
    }
    return lines;
  }

  private async shipFile(d: DirState, f: LogFileInfo, live: Set<string>): Promise<number> {
    const file = await openLog(f.path, f.gz);
    try {
      return await this.shipOpen(d, f, file, live);
    } finally {
      await closeLog(file);
    }
  }

  private async shipOpen(d: DirState, f: LogFileInfo, file: OpenLog, live: Set<string>): Promise<number> {
    // A gzip backup never changes: its head is computed once (an inode reused by a new file
    // has another size or time). A plain file's first line is read again each time: cheap,
    // and an inode freed by a gzipped backup is soon a new audit.log's.
    let head: string | undefined;
    if (f.gz) {
      const key = `${file.dev}:${file.ino}:${file.size}:${file.mtimeMs}`;
      live.add(key);
      head = d.heads.get(key);
      if (head === undefined) {
        head = await fileHead(file, this.maxLineBytes);
        if (head !== undefined) d.heads.set(key, head);
      }
    } else {
      head = await fileHead(file, this.maxLineBytes);
    }
    if (head === undefined) return 0; // no complete line yet
    d.seen.set(head, this.passNo);
    const name = basename(f.path);
    const known = this.pending.get(d)?.get(head) ?? this.sending?.get(d)?.get(head) ?? d.positions.get(head);
    if (known?.done === true) return 0;
    if (!f.gz && known !== undefined && file.size <= known.bytes) return 0;
    const pos: FilePosition = { bytes: known?.bytes ?? 0, lines: known?.lines ?? 0, name };
    // foreign: an app's `<app>.log` beside audit.log, read for its app text lines only (as the file reports read it).
    const source = { bot: d.bot, host: this.host, file: name, fileId: head, foreign: f.foreign === true };
    const bad = d.bad;
    let read = 0;
    const badBefore = { ...bad };
    const appBefore = d.appLines;
    let gen = -1;
    const register = () => {
      let m = this.pending.get(d);
      if (m === undefined) this.pending.set(d, (m = new Map()));
      m.set(head, pos);
      if (this.pending.size === 1 && m.size === 1 && this.batch.rows === 0) this.firstAt = Date.now();
      gen = this.gen;
    };
    // Chunks being encoded, in read order; each applied (rows into the batch, then the
    // position moved past its lines) only after every earlier one.
    const queue: Promise<() => Promise<void>>[] = [];
    const apply = async () => {
      await (await queue.shift()!)();
    };
    // The threads are for catching up (--once, a backlog, gzipped backups). A follower keeping
    // up with a bot encodes on the main thread: measured at 10,000 events/s on the loaded
    // 2-core machine, threads took the cores from the bot writing the lines and doubled the lag.
    const threads = this.mode === 'once' || f.gz || file.size - pos.bytes > FOLLOW_BACKLOG;
    let lines = new LineChunkBuilder();
    let seen = 0;
    let end = pos.bytes;
    try {
      await readLines(file, pos.bytes, this.maxLineBytes, (line, offset, after) => {
        if (line === null) bad.too_long++;
        else lines.add(line, offset);
        seen++;
        end = after;
      }, async () => {
        if (seen === 0) return;
        const chunk = lines.take();
        const chunkLines = seen;
        const chunkEnd = end;
        seen = 0;
        const encoded = this.encoders.encode(chunk, source, threads);
        const job = encoded.then((e) => async () => {
          if (e.rows > 0 && this.batch.rows === 0) this.firstAt = Date.now();
          this.batch.add(chunk, source, e);
          for (const k of BAD_LINE_KINDS) bad[k] += e.bad[k];
          d.appLines += e.appLines;
          pos.bytes = chunkEnd;
          pos.lines += chunkLines;
          read += chunkLines;
          if (gen !== this.gen) register();
          if (this.full()) await this.flush();
        });
        job.catch(() => undefined); // a chunk left behind by an error is read again next pass
        queue.push(job);
        // Enough chunks ahead to keep every encoder busy; memory: a few chunks beyond the batch.
        while (queue.length > this.encoderCount + 1) await apply();
      });
      while (queue.length > 0) await apply();
      if (f.gz) {
        pos.done = true;
        register();
      }
    } finally {
      for (const k of BAD_LINE_KINDS) {
        const n = bad[k] - badBefore[k];
        if (n > 0) {
          this.metrics.badLines.inc({ dir: d.dir, kind: k }, n);
          this.summary.bad[k] += n;
        }
      }
      const apps = d.appLines - appBefore;
      if (apps > 0) {
        this.metrics.appLines.inc({ dir: d.dir }, apps);
        this.summary.appLines += apps;
      }
    }
    return read;
  }
}

import type { KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import { GENESIS, Linker, sha256hex, splitLink } from './chain.js';
import { CHAIN_DIR, ChainLog, toPrivateKey } from './checkpoint.js';
import { recoverBackups, type Exclusive } from './compress.js';
import { hurry } from './gzip-thread.js';
import { CodedError } from './errors.js';
import { registerForExit, unregisterForExit, type ExitParticipant } from './exit.js';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { LineQueue } from './line-queue.js';
import { acquireLock, type FileLock } from './lock.js';
import { applyRetention, type RetentionPolicy } from './retention.js';
import { backupName, listBackups, shiftAndRename } from './rotation.js';
import { RESOLVED_FALSE, type Durability, type Sink } from './sink.js';
import { firstLink } from './verify-read.js';

/** What the background maintenance was doing, in the fault lines and for recovered(). */
const MAINTAINING = 'compressing or pruning backups of';
const COMPACTING = 'compacting the checkpoints of';

const NONE = 0;
const BATCH = 1;
const SYNC = 2;
const NEED: Readonly<Record<Durability, number>> = { none: NONE, batch: BATCH, sync: SYNC };

/** Bytes a link adds to a line (`,"hash":"…"` or a tab and 64 hex digits), plus the newline. */
const LINK_BYTES = 76;
/** Output built per write: large enough for one syscall to carry a burst, small enough that hashing it never holds the event loop for long. */
const CHUNK_BYTES = 1024 * 1024;
/** What an idle queue keeps of the memory a burst made it take. */
const IDLE_QUEUE_BYTES = 256 * 1024;

/**
 * Lines queued between two passes of the write loop share one promise: one allocation per
 * batch, not per line. Resolved by position: `end` is the sequence number after its last line.
 */
interface Group {
  promise: Promise<boolean>;
  resolve: (ok: boolean) => void;
  start: number;
  end: number;
  need: number;
  /** Date.now() when its first line was queued: past ackTimeoutMs it resolves false. */
  born: number;
}

interface Chunk {
  data: Buffer;
  pos: number;
  lines: number;
  /** Written by flushSync while the async write was in flight: the async side must not count it again. */
  done: boolean;
}

export interface FileSinkOptions {
  path: string;
  driver?: FileDriver;
  /** Bytes queued before droppable lines are discarded. Default 8 MiB. */
  bufferSize?: number;
  /** `batch` durability: fdatasync at most this often. Default 50 ms. */
  batchIntervalMs?: number;
  /** Rotate before the file would exceed this many bytes. Default: never. */
  maxFileSize?: number;
  /** Rotated files kept. Default 10. */
  backupCount?: number;
  /** Gzip rotated files. Default true. */
  compress?: boolean;
  /** Delete rotated files older than this. Default: kept until backupCount pushes them out. */
  retentionDays?: number;
  /** Chain every line (chain.ts) and write checkpoints. Default true. */
  chain?: boolean;
  /** A checkpoint after this many lines... Default 10,000. */
  checkpointLines?: number;
  /** ...or this long after the previous one, whichever comes first. Default 10 s. */
  checkpointMs?: number;
  /** Ed25519 private key that signs checkpoints. */
  signingKey?: KeyObject | string | Buffer;
  /** A write, sync or rename failed (the sink retries with backoff). Called once per fault, not per retry. */
  onError?: (err: Error) => void;
  /** Space returned after `count` droppable lines were discarded. */
  onDropped?: (count: number) => void;
  /**
   * A write's promise resolves false once it has waited this long (ms) for its line to be
   * written (and synced, as asked); the line stays queued and is written when the disk allows.
   * Default 30,000 (a healthy fdatasync takes milliseconds; a backlog on a slow disk can take seconds, and a false ack there would be a false alarm).
   */
  ackTimeoutMs?: number;
  /** close() returns after this long (ms) even if lines are still unwritten, and says how many. Default 30,000. */
  closeTimeoutMs?: number;
  /** The one line per fault (and its recovery) for a human. Default process.stderr. */
  stderr?: (line: string) => void;
}

/** The storage options loggers pass through to their sinks. */
export function storageOptions(
  o: Pick<FileSinkOptions, 'bufferSize' | 'batchIntervalMs' | 'compress' | 'retentionDays' | 'chain' | 'checkpointLines' | 'checkpointMs' | 'signingKey' | 'ackTimeoutMs' | 'closeTimeoutMs'>,
  maxFileSize: number,
  backupCount: number,
): Partial<FileSinkOptions> {
  return {
    maxFileSize, backupCount, bufferSize: o.bufferSize, batchIntervalMs: o.batchIntervalMs, compress: o.compress, retentionDays: o.retentionDays,
    chain: o.chain, checkpointLines: o.checkpointLines, checkpointMs: o.checkpointMs, signingKey: o.signingKey,
    ackTimeoutMs: o.ackTimeoutMs, closeTimeoutMs: o.closeTimeoutMs,
  };
}

/** Writers open in this process, by path: a second sink of the same file shares the writer. */
const open = new Map<string, FileWriter>();

/**
 * Appends lines to one file off the caller's path. `write` pushes onto an array and returns;
 * a loop started with setImmediate hashes everything queued into the chain, builds one
 * buffer and hands it to one positional async write (the libuv pool), so a burst costs one
 * syscall. fdatasync is group commit: one call covers every line written before it, runs
 * beside the next write rather than in front of it, and resolves all their promises.
 *
 * The same loop rotates (sync, checkpoint, rename, reopen), and rotated files are compressed
 * and pruned in the background. Faults are retried with backoff forever; droppable lines are
 * discarded while the buffer is full, so memory stays bounded while the disk is away.
 */
class FileWriter implements ExitParticipant {
  /** The sinks writing through this writer; its callbacks are the newest one's. */
  readonly handles = new Set<FileSink>();
  readonly path: string;
  private readonly dir: string;
  private readonly base: string;
  private readonly driver: FileDriver;
  private readonly bufferSize: number;
  private readonly batchIntervalMs: number;
  private readonly maxFileSize: number;
  private readonly backupCount: number;
  private readonly compress: boolean;
  private readonly retentionDays: number | undefined;
  private readonly checkpointLines: number;
  private readonly checkpointMs: number;
  private readonly ackTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  /** Armed while groups wait: resolves false those older than ackTimeoutMs. */
  private ackTimer: NodeJS.Timeout | undefined;
  /** Acks that timed out since the last one that resolved true, and the fault then: one stderr line per outage. */
  private ackTimeouts = 0;
  private ackFault: string | undefined;
  onError: (err: Error) => void;
  onDropped: (count: number) => void;
  private readonly stderr: (line: string) => void;
  private readonly chain: ChainLog | undefined;
  private readonly lock: FileLock;

  private fd: number;
  /** Where the next byte goes. */
  private pos: number;
  private readonly queue: LineQueue;
  private groups: Group[] = [];
  private openGroup: Group | undefined;
  /** Sequence numbers: lines accepted, written, fdatasync'ed. */
  private enqueued = 0;
  private written = 0;
  private synced = 0;
  /** Sequence number after the last line that asked for durability. */
  private durableEnd = 0;
  private inflight: Chunk | undefined;
  private out = Buffer.allocUnsafe(64 * 1024);
  private loop: Promise<void> | undefined;
  private scheduled = false;
  private syncing: Promise<void> | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private dropped = 0;
  private closing = false;
  private closed = false;
  private finalized = false;
  private fault: string | undefined;
  /** What was being done when the fault began: only success at that clears it. */
  private faultOp = '';
  private faultSince = 0;
  /** Every failed write, sync or rename: flush() reports whether any happened while it waited. */
  private failures = 0;

  // chain state of the current file
  private gen = 0;
  private lineNo = 0;
  /** Links lines into the chain; undefined when the chain is off. */
  private linker: Linker | undefined;
  private get head(): string {
    return this.linker?.head ?? GENESIS;
  }
  private set head(h: string) {
    if (this.linker !== undefined) this.linker.head = h;
  }
  private first: string | undefined;
  private linesSinceCheckpoint = 0;
  private checkpointDue = false;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private rotateAfter = 0;
  private maintenance: Promise<void> = Promise.resolve();
  private maintaining = false;
  private maintenanceWaiting = false;
  /** Set while this writer has the compressor at normal priority (gzip-thread.ts hurry). */
  private calm: (() => void) | undefined;
  /** The lock of exclusive(). */
  private naming: Promise<unknown> = Promise.resolve();
  private checkpointing: Promise<void> = Promise.resolve();

  /** Bytes in the current file. */
  get size(): number {
    return this.pos;
  }

  constructor(options: FileSinkOptions) {
    this.path = options.path;
    this.dir = dirname(this.path);
    this.base = basename(this.path);
    this.driver = options.driver ?? nodeFileDriver;
    this.bufferSize = options.bufferSize ?? 8 * 1024 * 1024;
    this.batchIntervalMs = options.batchIntervalMs ?? 50;
    this.maxFileSize = options.maxFileSize ?? Infinity;
    this.backupCount = options.backupCount ?? 10;
    this.compress = options.compress ?? true;
    this.retentionDays = options.retentionDays;
    this.checkpointLines = options.checkpointLines ?? 10_000;
    this.checkpointMs = options.checkpointMs ?? 10_000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
    this.onError = options.onError ?? (() => {});
    this.onDropped = options.onDropped ?? (() => {});
    this.stderr = options.stderr ?? ((line) => void process.stderr.write(line + '\n'));
    const signingKey = options.signingKey === undefined ? undefined : toPrivateKey(options.signingKey);

    // Opened synchronously on purpose: a file that cannot be written, or is held by another
    // process, must fail at initialization, where the bot's author sees it, not on the first trade.
    const meta = join(this.dir, CHAIN_DIR);
    this.driver.mkdirSync(meta);
    this.lock = acquireLock(this.driver, join(meta, this.base + '.lock'), this.path);
    try {
      const report = (e: Error): void => this.report(e, 'writing checkpoints of');
      this.chain = options.chain === false ? undefined : new ChainLog(join(meta, this.base + '.chain'), this.driver, signingKey, report);
      if (this.chain !== undefined) this.linker = new Linker(GENESIS);
      this.queue = new LineQueue(this.chain === undefined ? 0 : Linker.GAP);
      this.fd = this.driver.openWrite(this.path);
      this.pos = this.recover();
    } catch (e) {
      this.lock.release();
      throw e;
    }
    open.set(this.path, this);
    registerForExit(this);
    if (this.chain !== undefined) {
      this.checkpointTimer = setInterval(() => {
        if (this.linesSinceCheckpoint > 0) {
          this.checkpointDue = true;
          this.kick();
        }
      }, this.checkpointMs).unref();
    }
    this.maintenance = this.maintain();
  }

  /**
   * Reads the current file once at open: removes a torn last line (a crash mid-write; it was
   * never acknowledged), and finds the chain head, the line count and the generation.
   * Returns the file size.
   */
  private recover(): number {
    const buf = this.driver.readFileSync(this.path);
    let end = buf.lastIndexOf(10) + 1;
    const torn = buf.length - end;
    if (torn > 0) this.driver.truncateSync(this.fd, end);
    if (this.chain === undefined) return end;
    let lines = 0;
    for (let i = buf.indexOf(10); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) lines++;
    const text = buf.toString('utf8', 0, end);
    const firstLine = text.slice(0, text.indexOf('\n'));
    const lastLine = text.slice(text.lastIndexOf('\n', end - 2) + 1, -1);
    const last = this.chain.last;
    if (lines > 0) {
      const l = splitLink(lastLine);
      if (l === undefined) {
        // Lines from before daybook chained them: they stay as they are, in a backup of
        // their own, and the chain starts in a new file.
        this.head = last?.hash ?? GENESIS;
        this.lineNo = lines;
        this.first = undefined;
        this.gen = last === undefined ? 0 : last.gen + 1;
        this.forceRotate = true;
      } else {
        this.head = l.hash;
        this.first = splitLink(firstLine)?.hash;
        this.lineNo = lines;
        this.gen = last === undefined ? 0 : last.kind === 'rotate' && last.first !== this.first ? last.gen + 1 : last.gen;
      }
    } else {
      const newest = this.newestBackup();
      this.head = newest?.last ?? last?.hash ?? GENESIS;
      // The file of the last record was renamed away (rotate, or a crash during one) unless
      // the record was about this empty file.
      this.gen = last === undefined ? 0 : last.kind === 'rotate' || last.line > 0 ? last.gen + 1 : last.gen;
      if (last?.kind === 'rotate' && newest !== undefined && newest.first === last.first && newest.lines > last.line && newest.last !== undefined) {
        // The exit path wrote queued lines into the file its rotation had just renamed, and the
        // process was killed before the close record that counts them (CHAIN.md, Crashes):
        // vouched for now, or once that backup is pruned no record would name the link the
        // next file continues from.
        this.chain.appendSync({ kind: 'checkpoint', stream: this.base, gen: last.gen, line: newest.lines, hash: newest.last });
      }
    }
    if (lines > 0) this.driver.fdatasyncSync(this.fd);
    // Unchained lines are vouched for by nothing: the record then speaks of no line.
    const line = this.forceRotate ? 0 : this.lineNo;
    // The unchained file about to be moved aside, by its bytes: verify accepts this file, and
    // only this one, without links (a copy of real events beside the chain would otherwise
    // pass as "written before daybook"). Written again if a crash comes before the rotation.
    // Before the start record, which stays the last one as it was (readers take the last record's line as the vouched count).
    if (this.forceRotate) this.chain.appendSync({ kind: 'legacy', stream: this.base, gen: this.gen, line: 0, hash: this.head, bytes: end, sha256: sha256hex(buf.subarray(0, end)) });
    this.chain.appendSync({ kind: 'start', stream: this.base, gen: this.gen, line, hash: this.head, repaired: torn > 0 ? torn : undefined });
    return end;
  }

  private forceRotate = false;

  /** The newest backup's first and last links and its lines: the chain continues from it into an empty file. */
  private newestBackup(): { first: string | undefined; last: string | undefined; lines: number } | undefined {
    const b = listBackups(this.driver.readdirSync(this.dir), this.base).find((x) => x.plain || x.gz);
    if (b === undefined) return undefined;
    try {
      const raw = this.driver.readFileSync(join(this.dir, backupName(this.base, b)));
      const text = (b.gz ? gunzipSync(raw) : raw).toString('utf8');
      const end = text.lastIndexOf('\n');
      let lines = 0;
      for (let i = text.indexOf('\n'); i >= 0 && i <= end; i = text.indexOf('\n', i + 1)) lines++;
      return { first: splitLink(text.slice(0, text.indexOf('\n')))?.hash, last: splitLink(text.slice(text.lastIndexOf('\n', end - 1) + 1, end))?.hash, lines };
    } catch {
      return undefined;
    }
  }

  // ---- the caller's side --------------------------------------------------------------------

  write(line: string, durability: Durability, droppable: boolean): Promise<boolean> {
    if (this.closing) return RESOLVED_FALSE;
    if (droppable && this.queue.bytes >= this.bufferSize) {
      this.dropped++;
      return RESOLVED_FALSE;
    }
    this.queue.push(line);
    const seq = ++this.enqueued;
    const need = NEED[durability];
    if (need > NONE) this.durableEnd = seq;
    let g = this.openGroup;
    if (g === undefined) {
      let resolve!: (ok: boolean) => void;
      const promise = new Promise<boolean>((r) => (resolve = r));
      g = this.openGroup = { promise, resolve, start: seq - 1, end: seq, need, born: Date.now() };
      this.groups.push(g);
      // Unref'd: the writes and retries keep the process up while lines wait, this need not.
      this.ackTimer ??= setTimeout(this.expireAcks, this.ackTimeoutMs).unref();
    } else {
      g.end = seq;
      if (need > g.need) g.need = need;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.kick);
    }
    return g.promise;
  }

  private readonly kick = (): void => {
    this.scheduled = false;
    this.loop ??= this.drain().finally(() => (this.loop = undefined));
  };

  // ---- the write loop -------------------------------------------------------------------------

  private async drain(): Promise<void> {
    while (!this.closed && (this.queue.length > 0 || this.checkpointDue)) {
      if (this.queue.length > 0) {
        if (this.needsRotation()) await this.rotate();
        const chunk = this.take(this.maxFileSize - this.pos, true);
        this.inflight = chunk;
        await this.writeChunk(chunk);
        this.inflight = undefined;
        if (!chunk.done) this.wrote(chunk);
        this.settle();
        if (this.durableEnd > this.synced) {
          if (this.needsSyncNow()) void this.syncTo(this.written);
          // Not unref'd: a caller may be awaiting this ack with nothing else keeping the process up.
          else this.syncTimer ??= setTimeout(() => void this.syncTo(this.written), this.batchIntervalMs);
        }
      }
      if (this.chain !== undefined && (this.checkpointDue || this.linesSinceCheckpoint >= this.checkpointLines)) void this.checkpoint('checkpoint');
      if (this.dropped > 0 && this.queue.bytes < this.bufferSize / 2) {
        const n = this.dropped;
        this.dropped = 0;
        // Closing, the logger can no longer write the count as an event: stderr says it.
        if (this.closing) this.stderr(`daybook: ${n} lines below WARNING were dropped from ${this.path} while its buffer was full [DAYBOOK_E_BUFFER_FULL]`);
        else this.onDropped(n);
      }
    }
  }

  private needsSyncNow(): boolean {
    for (const g of this.groups) if (g.need === SYNC && g.start < this.written) return true;
    return false;
  }

  private needsRotation(): boolean {
    if (this.forceRotate) return true;
    if (this.lineNo === 0 || this.maxFileSize === Infinity || Date.now() < this.rotateAfter) return false;
    return this.pos + this.queue.lineBytes(0) + LINK_BYTES > this.maxFileSize;
  }

  /** Links the queued lines into the chain and builds the bytes of one write. */
  private take(room: number, reuse: boolean): Chunk {
    this.openGroup = undefined;
    const q = this.queue;
    let lines = 0;
    let bound = 0;
    for (const max = q.length; lines < max; lines++) {
      const c = q.lineBytes(lines) + LINK_BYTES;
      if (lines > 0 && (bound + c > CHUNK_BYTES || bound + c > room)) break;
      bound += c;
    }
    // One output buffer per writer, reused: a fresh multi-megabyte buffer per chunk is
    // external memory that drives the garbage collector. Only flushSync, which may run while
    // the async write still reads this buffer, gets its own.
    let out = reuse ? this.out : Buffer.allocUnsafe(bound);
    if (out.length < bound) out = this.out = Buffer.allocUnsafe(Math.max(bound, 2 * out.length));
    let off = 0;
    const linker = this.linker;
    if (linker !== undefined) {
      q.shift(lines, (src, start, end) => {
        off = linker.append(out, off, src, start, end);
        this.first ??= linker.head;
      });
    } else {
      q.shift(lines, (src, start, end) => {
        off += src.copy(out, off, start, end);
        out[off++] = 10;
      });
    }
    q.trim(IDLE_QUEUE_BYTES);
    return { data: out.subarray(0, off), pos: this.pos, lines, done: false };
  }

  private wrote(chunk: Chunk): void {
    this.pos = chunk.pos + chunk.data.length;
    this.written += chunk.lines;
    this.lineNo += chunk.lines;
    this.linesSinceCheckpoint += chunk.lines;
  }

  /** Writes all of the chunk, retrying with backoff until it is written or the sink is closed. */
  private async writeChunk(chunk: Chunk): Promise<void> {
    let off = 0;
    let delay = 10;
    let failed = false;
    while (off < chunk.data.length && !chunk.done) {
      try {
        off += await this.driver.write(this.fd, off === 0 ? chunk.data : chunk.data.subarray(off), chunk.pos + off);
      } catch (e) {
        this.report(e as Error, 'writing');
        if (!failed) {
          failed = true;
          // The callers learn now that these lines are not on disk; the bytes stay and are
          // written when the fault clears.
          this.fail(this.written + chunk.lines);
        }
        if (this.finalized) return;
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
    this.recovered('writing');
  }

  /** Resolves the groups whose lines are as durable as they asked. */
  private settle(): void {
    let keep = 0;
    const gs = this.groups;
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      if (g !== this.openGroup && (g.need === NONE ? g.end <= this.written : g.end <= this.synced)) g.resolve(true);
      else gs[keep++] = g;
    }
    if (keep < gs.length) this.ackTimeouts = 0;
    gs.length = keep;
  }

  /**
   * Resolves false the groups that have waited ackTimeoutMs: a caller awaiting its ack during
   * a disk outage learns it in bounded time, not when the disk returns. Their lines stay
   * queued, in order, and are written (and chained) when it does; only the promise is settled.
   */
  private readonly expireAcks = (): void => {
    this.ackTimer = undefined;
    const now = Date.now();
    const gs = this.groups;
    let keep = 0;
    let expired = 0;
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      if (now - g.born >= this.ackTimeoutMs) {
        g.resolve(false);
        expired += g.end - g.start;
        // Lines queued from now on wait their own ackTimeoutMs in a new group.
        if (g === this.openGroup) this.openGroup = undefined;
      } else gs[keep++] = g;
    }
    gs.length = keep;
    if (expired > 0) {
      if (this.ackTimeouts === 0 || this.ackFault !== this.fault) {
        this.ackFault = this.fault;
        this.stderr(`daybook: ${expired} lines of ${this.path} were not written within ackTimeoutMs (${this.ackTimeoutMs} ms)${this.fault === undefined ? '' : ` (${this.fault})`}; their log calls resolved false. The lines are kept and written when the disk allows [DAYBOOK_W_ACK_TIMEOUT]`);
      }
      this.ackTimeouts += expired;
    }
    // Groups are in order of birth: the first left is the next to expire.
    if (keep > 0) this.ackTimer = setTimeout(this.expireAcks, Math.max(1, gs[0]!.born + this.ackTimeoutMs - now)).unref();
  };

  /** Resolves false every group with a line before sequence number `end`. */
  private fail(end: number): void {
    let keep = 0;
    const gs = this.groups;
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      if (g.start < end) {
        g.resolve(false);
        if (g === this.openGroup) this.openGroup = undefined;
      } else gs[keep++] = g;
    }
    gs.length = keep;
  }

  /** Group commit: returns once one fdatasync that started after line `target` was written has succeeded. */
  private async syncTo(target: number): Promise<void> {
    if (this.syncTimer !== undefined) {
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
    }
    let delay = 10;
    let failed = false;
    while (this.synced < target && !this.finalized) {
      if (this.syncing !== undefined) {
        await this.syncing;
        continue;
      }
      const upTo = this.written;
      const fd = this.fd;
      let ok = true;
      this.syncing = this.driver.fdatasync(fd).then(
        () => {
          if (upTo > this.synced) this.synced = upTo;
          this.recovered('syncing');
        },
        (e: Error) => {
          ok = false;
          this.report(e, 'syncing');
          if (!failed) this.fail(upTo);
          failed = true;
        },
      ).finally(() => (this.syncing = undefined));
      await this.syncing;
      if (!ok) {
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
    this.settle();
  }

  /** Records the head once the lines it covers are on disk (a checkpoint must never vouch for lines a crash can take). */
  /**
   * Records the head once the lines it covers are on disk. Periodic checkpoints run beside
   * the writes (their two fdatasyncs would otherwise stall every `sync` ack behind them);
   * they are queued in order, so a rotate or close record, which is awaited, follows them.
   */
  private checkpoint(kind: 'checkpoint' | 'rotate' | 'close'): Promise<void> {
    this.checkpointDue = false;
    const chain = this.chain;
    // A file whose lines were never chained (written before daybook) gets no record.
    if (chain === undefined || (kind === 'rotate' && this.first === undefined)) return this.checkpointing;
    const rec = { kind, stream: this.base, gen: this.gen, line: this.lineNo, hash: this.head, first: kind === 'rotate' ? this.first : undefined };
    const target = this.written;
    this.linesSinceCheckpoint = 0;
    this.checkpointing = this.checkpointing.then(() => this.syncTo(target)).then(() => chain.append(rec));
    return this.checkpointing;
  }

  private async rotate(): Promise<void> {
    this.forceRotate = false;
    await this.syncTo(this.written);
    try {
      await this.checkpoint('rotate');
      // Not behind the compression of the previous backup: only behind the steps of the
      // maintenance that name files (compress.ts).
      await this.exclusive(async () => {
        // The backup this rename would make one too many goes first, so that no moment (and so
        // no crash) leaves more than backupCount: pruned after the rename, in the maintenance, a
        // kill between the two left backupCount + 1, and one at every start that outran its
        // maintenance. A failure here is the maintenance's, retried there; the rotation goes on.
        if (this.backupCount > 0) await this.pruneBackups({ backupCount: this.backupCount - 1 }).catch((e: Error) => this.report(e, MAINTAINING));
        await shiftAndRename(this.driver, this.dir, this.base);
      });
      const fd = this.driver.openWrite(this.path);
      const old = this.fd;
      this.fd = fd;
      this.pos = this.driver.size(fd);
      void this.driver.close(old).catch(() => {});
    } catch (e) {
      this.report(e as Error, 'rotating');
      // Keep writing to the current file, over its size, and try again later.
      this.rotateAfter = Date.now() + 5000;
      return;
    }
    this.gen++;
    this.lineNo = 0;
    this.first = undefined;
    this.recovered('rotating');
    this.scheduleMaintenance();
  }

  /**
   * One maintenance after another, and at most one waiting: it compresses every backup still
   * plain. One already waiting means the compressor is a whole backup behind the writes: it
   * runs at normal priority until it has caught up (gzip-thread.ts hurry).
   */
  private scheduleMaintenance(): void {
    if (this.maintenanceWaiting) {
      this.calm ??= hurry();
      return;
    }
    this.maintenanceWaiting = true;
    this.maintenance = this.maintenance.then(() => {
      this.maintenanceWaiting = false;
      return this.maintain();
    });
  }

  /** Runs `task` while nothing else renames or deletes this stream's files. */
  private readonly exclusive: Exclusive = (task) => {
    const run = this.naming.then(task);
    this.naming = run.catch(() => {});
    return run;
  };

  /** Under exclusive(): the backups' numbers, which retention and compaction go by, must hold still. */
  private async prune(): Promise<void> {
    await this.pruneBackups({ backupCount: this.backupCount, retentionDays: this.retentionDays });
    // The checkpoint file shrinks with the backups: a failure leaves it whole until the next rotation.
    await this.compactChain().then(
      () => this.recovered(COMPACTING),
      (e: Error) => this.report(e, COMPACTING),
    );
  }

  /** Under exclusive(): deletes what `policy` does not keep, each after its `prune` record. */
  private async pruneBackups(policy: RetentionPolicy): Promise<void> {
    await applyRetention(this.driver, this.dir, this.base, policy, async (p) => {
      await this.chain?.append({ kind: 'prune', stream: this.base, gen: this.gen, line: 0, hash: GENESIS, pruned: this.gen - p.rank });
    });
  }

  /** Drops the checkpoints of the generations retention has deleted (CHAIN.md, Compaction). */
  private async compactChain(): Promise<void> {
    if (this.chain === undefined) return;
    const oldest = listBackups(await this.driver.readdir(this.dir), this.base).filter((b) => b.plain || b.gz).pop();
    if (oldest === undefined) return this.chain.compact({ gen: this.gen });
    // A backup's number shifts at every rotation; the link of its first line names its generation.
    const fd = this.driver.openRead(join(this.dir, backupName(this.base, oldest)));
    const first = await firstLink(this.driver, fd, oldest.gz).finally(() => this.driver.close(fd).catch(() => {}));
    if (first !== undefined) await this.chain.compact({ first });
  }

  /**
   * Applies retention, then compresses what is still plain, beside the writes (at open and
   * after each rotation); a failure is reported and retried at the next rotation. The rotation
   * itself already pruned by count; retention here deletes by age, and what a failed prune or
   * an older writer left beyond backupCount. Retention first: a compressor that fell behind
   * the writes would otherwise gzip backups that retention deletes right after. Each step runs whether the other failed or not: a backup
   * that cannot be deleted must not keep the others plain.
   */
  private maintain(): Promise<void> {
    this.maintaining = true;
    let ok = true;
    const step = (task: () => Promise<void>) => (): Promise<void> =>
      task().catch((e: Error) => {
        ok = false;
        this.report(e, MAINTAINING);
      });
    return this.exclusive(step(() => this.prune()))
      .then(step(() => recoverBackups(this.driver, this.dir, this.base, this.compress, this.exclusive)))
      .then(() => {
        if (ok) this.recovered(MAINTAINING);
      })
      .finally(() => {
        this.maintaining = false;
        // Caught up: the compressor may go back to what the bot leaves idle.
        if (!this.maintenanceWaiting && this.calm !== undefined) {
          this.calm();
          this.calm = undefined;
        }
      });
  }

  // ---- faults -------------------------------------------------------------------------------

  /** One `error` and one stderr line per fault, not per retry; another line when it clears. */
  private report(e: Error, doing: string): void {
    const code = (e as NodeJS.ErrnoException).code ?? e.name;
    this.failures++;
    if (this.fault === code) return;
    if (this.fault === undefined) this.faultSince = Date.now();
    this.fault = code;
    this.faultOp = doing;
    // daybook's own errors say what to do and carry their code; a system error gets the write hint.
    this.stderr(e instanceof CodedError
      ? `daybook: ${doing} ${this.path} failed: ${e.message}`
      : `daybook: ${doing} ${this.path} failed (${e.message}); ${this.queue.length} lines kept in memory, retrying with backoff. Free disk space or fix permissions. [DAYBOOK_E_WRITE]`);
    try {
      this.onError(e);
    } catch {
      // A throwing listener must not stop the retries.
    }
  }

  /** The operation that failed succeeded: the fault is over (else flush() would say false, and the same code failing elsewhere would go unreported). */
  private recovered(doing: string): void {
    if (this.fault === undefined || this.faultOp !== doing) return;
    const what = doing === MAINTAINING || doing === COMPACTING ? `${doing} ${this.path} works again` : `${this.path} is being written again`;
    this.stderr(`daybook: ${what} after ${((Date.now() - this.faultSince) / 1000).toFixed(1)} s of ${this.fault}`);
    this.fault = undefined;
  }

  // ---- flushing and closing -------------------------------------------------------------------

  async flush(): Promise<boolean> {
    const failures = this.failures;
    while (this.queue.length > 0 || this.loop !== undefined) {
      this.kick();
      await this.loop;
    }
    if (this.durableEnd > this.synced) await this.syncTo(this.durableEnd);
    return this.fault === undefined && failures === this.failures;
  }

  flushSync(): void {
    if (this.closed) return;
    try {
      // The chunk in the thread pool may or may not have landed: writing it again at its
      // position is idempotent, and the async side will not count it twice.
      const c = this.inflight;
      if (c !== undefined && !c.done) {
        c.done = true;
        this.writeSyncAll(c);
        this.wrote(c);
      }
      // No rotation on the way out: everything goes to the current file.
      while (this.queue.length > 0) {
        const chunk = this.take(Infinity, false);
        this.writeSyncAll(chunk);
        this.wrote(chunk);
      }
      if (this.synced < this.written) {
        this.driver.fdatasyncSync(this.fd);
        this.synced = this.written;
      }
      this.settle();
    } catch (e) {
      this.report(e as Error, 'writing');
      this.fail(this.enqueued + 1);
    }
  }

  private writeSyncAll(c: Chunk): void {
    let off = 0;
    while (off < c.data.length) off += this.driver.writeSync(this.fd, c.data.subarray(off), c.pos + off);
  }

  finalizeSync(): void {
    if (this.finalized) return;
    this.flushSync();
    this.finalized = true;
    this.closing = true;
    this.closed = true;
    this.stopTimers();
    if (this.chain !== undefined) {
      this.chain.appendSync({ kind: 'close', stream: this.base, gen: this.gen, line: this.lineNo, hash: this.head });
      this.chain.closeSync();
    }
    try {
      this.driver.closeSync(this.fd);
    } catch {
      // Closing is the last step; the data is already synced.
    }
    this.release();
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Lines accepted and not yet written (queued, or in a write that has not completed). */
  get unwritten(): { lines: number; bytes: number } {
    const c = this.inflight !== undefined && !this.inflight.done ? this.inflight : undefined;
    return { lines: this.queue.length + (c?.lines ?? 0), bytes: this.queue.bytes + (c?.data.length ?? 0) };
  }

  /**
   * Flushes, writes the closing checkpoint and closes the file. The writing (lines and the
   * closing checkpoint) is waited for at most closeTimeoutMs: past it (a disk still full), it
   * says on stderr what is unwritten and returns, and the close goes on behind it, so the
   * lines are written if the disk returns while the process runs (and exit makes one last
   * synchronous attempt, exit.ts). The compression of backups that follows is waited for
   * whole, as before: it ends on its own, and a failure in it is reported, not retried.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const written = this.writeOut();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      written.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return this.finish();
    const u = this.unwritten;
    this.stderr(`daybook: close() of ${this.path} returned after closeTimeoutMs (${this.closeTimeoutMs} ms) with ${u.lines} lines (${u.bytes} bytes) not written${this.fault === undefined ? '' : ` (${this.fault})`}; they stay in memory and are retried while the process runs, and written on exit if the disk allows [DAYBOOK_E_CLOSE_TIMEOUT]`);
    void written.then(() => this.finish());
  }

  /** Every line written and synced, and the closing checkpoint after them. */
  private async writeOut(): Promise<void> {
    await this.flush();
    if (this.finalized) return;
    this.stopTimers();
    if (this.chain !== undefined) await this.checkpoint('close');
  }

  private async finish(): Promise<void> {
    if (this.finalized) return;
    if (this.maintaining || this.maintenanceWaiting) this.calm ??= hurry();
    await this.maintenance;
    if (this.finalized) return;
    this.closed = true;
    this.finalized = true;
    await this.chain?.close();
    await this.driver.close(this.fd).catch((e: Error) => this.report(e, 'closing'));
    this.release();
  }

  private stopTimers(): void {
    clearTimeout(this.syncTimer);
    clearTimeout(this.ackTimer);
    clearInterval(this.checkpointTimer);
  }

  private release(): void {
    this.lock.release();
    if (open.get(this.path) === this) open.delete(this.path);
    unregisterForExit(this);
  }
}

// Not unref'd: while lines wait for a fault to clear, the process stays up to write them
// (on exit, flushSync makes one last attempt either way).
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A Sink over one file. Sinks of the same path in one process share its writer (one queue,
 * one chain, one lock), so a logger re-created over the same directory, as
 * initializeAuditLogger does before closing the old one, interleaves nothing and loses
 * nothing; the file is closed with its last sink.
 */
export class FileSink implements Sink {
  readonly path: string;
  private readonly w: FileWriter;
  private readonly onError: ((err: Error) => void) | undefined;
  private readonly onDropped: ((count: number) => void) | undefined;
  private closed = false;

  constructor(options: FileSinkOptions) {
    this.path = options.path;
    const existing = open.get(options.path);
    this.w = existing !== undefined && !existing.isClosing ? existing : new FileWriter(options);
    this.onError = options.onError;
    this.onDropped = options.onDropped;
    this.w.handles.add(this);
    this.adopt();
  }

  /** Bytes in the current file. */
  get size(): number {
    return this.w.size;
  }

  private adopt(): void {
    this.w.onError = this.onError ?? (() => {});
    this.w.onDropped = this.onDropped ?? (() => {});
  }

  write(line: string, durability: Durability, droppable: boolean): Promise<boolean> {
    return this.closed ? RESOLVED_FALSE : this.w.write(line, durability, droppable);
  }

  flush(): Promise<boolean> {
    return this.w.flush();
  }

  /** Lines accepted by this file's writer and not yet written (after a close that timed out, what it left). */
  get unwritten(): { lines: number; bytes: number } {
    return this.w.unwritten;
  }

  flushSync(): void {
    this.w.flushSync();
  }

  /** Writes, syncs and closes the file now, for every sink sharing it (exit, failed setup). */
  finalizeSync(): void {
    this.closed = true;
    this.w.finalizeSync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.w.handles.delete(this);
    const next = [...this.w.handles].pop();
    if (next === undefined) return this.w.close();
    next.adopt();
    await this.w.flush();
  }
}

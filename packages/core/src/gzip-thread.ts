import { constants } from 'node:os';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { crc32, deflatePiece, PIECE_OPTIONS } from './gzip-pieces.js';
import { LeadingTimeScanner } from './leading-time.js';
import { setThreadPriority } from './thread-priority.js';

// Compressing a rotated file is a third of a second of CPU per 50 MB, and audit.log and its
// category file rotate together: two gzips at once in libuv's pool took both cores of a small
// machine from the bot and from the writes and fdatasyncs its trade acks wait for (p99 of
// `sync` acks at 50k/s: 21 ms with compression against 9 ms without). So backups are
// compressed one piece at a time, in one worker thread at the lowest CPU priority: it runs on
// what the bot leaves idle. A backup waits longer to be compressed; nothing else does.

interface Piece {
  id: number;
  data: Uint8Array;
  crc: number;
  /** The file the piece belongs to, whose lines' leading timestamps are read as it goes. */
  job: number;
}

/** Asks for a job's latest leading timestamp, and forgets the job. */
interface Finish {
  id: number;
  finish: number;
}

let worker: Worker | undefined;
let failed = false;
/** Writers waiting for the compressor (hurry()): while any is, it runs at normal priority. */
let hurrying = 0;
let nextId = 0;
let nextJob = 0;
type Reply = { data: Buffer; crc: number } | { latest: string | undefined };
const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
/** Where each job's pieces went: the thread, or this thread's scanner (libuv's pool deflated them); both: the scan is lost. */
const jobs = new Map<number, { thread: boolean; here: LeadingTimeScanner | undefined }>();
const poolDeflate = promisify<zlib.InputType, zlib.ZlibOptions, Buffer>(zlib.deflateRaw);

function start(): Worker | undefined {
  if (worker !== undefined || failed) return worker;
  try {
    const w = new Worker(new URL(import.meta.url), { workerData: { daybookGzip: true } });
    // An idle compressor never keeps a process alive; a backup left plain at exit is
    // compressed by the next start (compress.ts recoverBackups).
    w.unref();
    w.on('message', (m: { id: number; data?: Uint8Array; crc?: number; latest?: string | null; error?: string }) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if (m.data !== undefined) p?.resolve({ data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), crc: m.crc! });
      else if (m.latest !== undefined) p?.resolve({ latest: m.latest ?? undefined });
      else p?.reject(new Error(m.error));
    });
    w.on('error', (e) => stop(e));
    w.on('exit', (code) => stop(new Error(`the gzip worker stopped (exit code ${code})`)));
    worker = w;
    if (hurrying > 0) prioritize();
  } catch {
    failed = true;
  }
  return worker;
}

function stop(e: Error): void {
  worker = undefined;
  failed = true;
  for (const p of waiting.values()) p.reject(e);
  waiting.clear();
}

/**
 * A writer is waiting for the compressor (a whole backup behind, or closing): it runs at
 * normal priority until every writer that asked has called the function this returns. At the
 * lowest priority it gets about 1.5% of a core the bot keeps busy (CFS weights 15 against
 * 1024): 25 s for a 50 MB backup.
 */
export function hurry(): () => void {
  if (hurrying++ === 0) prioritize();
  let calmed = false;
  return () => {
    if (calmed) return;
    calmed = true;
    if (--hurrying === 0) prioritize();
  };
}

function prioritize(): void {
  worker?.postMessage({ priority: hurrying > 0 ? constants.priority.PRIORITY_NORMAL : constants.priority.PRIORITY_LOW });
}

/** The compressor thread if one runs: for tests, to stop it as a crash would. */
export function compressorThread(): Worker | undefined {
  return worker;
}

/** A new gzip member's job number, for deflateInBackground and finishJob. */
export function newJob(): number {
  const job = nextJob++;
  jobs.set(job, { thread: false, here: undefined });
  return job;
}

/**
 * Deflates one piece of a gzip member in the low-priority worker (in libuv's pool when no
 * worker can run), carries the member's CRC-32 on over it, and reads the leading timestamps
 * of its lines for `job` (pieces in file order): off the bot's thread, like the deflate. A
 * piece in a SharedArrayBuffer is read where it is (refill it only once this settles): 50
 * pieces of a backup copied into the worker were 50 MB of garbage there before its next
 * collection. Any other piece is copied, and its buffer may be refilled at once.
 */
export function deflateInBackground(data: Uint8Array, crc: number, job = -1): Promise<{ data: Buffer; crc: number }> {
  const w = start();
  const j = jobs.get(job);
  if (w === undefined) {
    const own = data.buffer instanceof SharedArrayBuffer ? data : Buffer.from(data);
    if (j !== undefined) {
      j.here ??= new LeadingTimeScanner();
      j.here.push(Buffer.from(own.buffer, own.byteOffset, own.byteLength));
    }
    return poolDeflate(own, PIECE_OPTIONS).then((out) => ({ data: out, crc: crc32(own, crc) }));
  }
  if (j !== undefined) j.thread = true;
  return ask(w, { data, crc, job }) as Promise<{ data: Buffer; crc: number }>;
}

/**
 * The latest timestamp the job's lines begin with (undefined: none, or not every line begins
 * with one, or the scan was lost with a worker), and the job is forgotten: call it once the
 * last piece is deflated, or when giving up on the member.
 */
export async function finishJob(job: number): Promise<string | undefined> {
  const j = jobs.get(job);
  jobs.delete(job);
  if (j === undefined) return undefined;
  const here = (): string | undefined => {
    j.here?.finish();
    return j.here === undefined || j.here.unknown ? undefined : j.here.latestCanonical();
  };
  if (!j.thread) return here();
  const w = start();
  if (w === undefined || j.here !== undefined) return undefined;
  try {
    return ((await ask(w, { finish: job })) as { latest: string | undefined }).latest;
  } catch {
    return undefined;
  }
}

function ask(w: Worker, message: Omit<Piece, 'id'> | Omit<Finish, 'id'>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    // Referenced while it works: a process awaiting close() must not exit under it.
    if (waiting.size === 0) w.ref();
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, ...message });
  });
}

/**
 * Moves the deflated bytes with the message. A slice of a shared buffer is copied first (a
 * clone would copy all of it); Node 24 refuses to move some of zlib's buffers: those are cloned.
 */
function reply(port: MessagePort, id: number, out: Buffer, crc: number): void {
  const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : new Uint8Array(out);
  try {
    port.postMessage({ id, data: own, crc }, [own.buffer as ArrayBuffer]);
  } catch {
    // DataCloneError before anything moved.
    port.postMessage({ id, data: own, crc });
  }
}

if (!isMainThread && (workerData as { daybookGzip?: boolean } | undefined)?.daybookGzip === true) {
  // Elsewhere than Linux the worker runs at normal priority; still one piece at a time.
  setThreadPriority(constants.priority.PRIORITY_LOW);
  const scanners = new Map<number, LeadingTimeScanner>();
  parentPort!.on('message', (p: Piece | Finish | { priority: number }) => {
    if ('priority' in p) return void setThreadPriority(p.priority);
    if ('finish' in p) {
      const s = scanners.get(p.finish);
      scanners.delete(p.finish);
      s?.finish();
      return parentPort!.postMessage({ id: p.id, latest: s === undefined || s.unknown ? null : s.latestCanonical() ?? null });
    }
    try {
      if (p.job >= 0) {
        let s = scanners.get(p.job);
        if (s === undefined) scanners.set(p.job, (s = new LeadingTimeScanner()));
        s.push(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));
      }
      reply(parentPort!, p.id, deflatePiece(p.data), crc32(p.data, p.crc));
    } catch (e) {
      parentPort!.postMessage({ id: p.id, error: (e as Error).message });
    }
  });
}

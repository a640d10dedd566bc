import { constants } from 'node:os';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { crc32, deflatePiece, PIECE_OPTIONS } from './gzip-pieces.js';
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
}

let worker: Worker | undefined;
let failed = false;
/** Writers waiting for the compressor (hurry()): while any is, it runs at normal priority. */
let hurrying = 0;
let nextId = 0;
const waiting = new Map<number, { resolve: (r: { data: Buffer; crc: number }) => void; reject: (e: Error) => void }>();
const poolDeflate = promisify<zlib.InputType, zlib.ZlibOptions, Buffer>(zlib.deflateRaw);

function start(): Worker | undefined {
  if (worker !== undefined || failed) return worker;
  try {
    const w = new Worker(new URL(import.meta.url), { workerData: { daybookGzip: true } });
    // An idle compressor never keeps a process alive; a backup left plain at exit is
    // compressed by the next start (compress.ts recoverBackups).
    w.unref();
    w.on('message', (m: { id: number; data?: Uint8Array; crc?: number; error?: string }) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if (m.data !== undefined) p?.resolve({ data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), crc: m.crc! });
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

/**
 * Deflates one piece of a gzip member in the low-priority worker (in libuv's pool when no
 * worker can run), and carries the member's CRC-32 on over it. A piece in a SharedArrayBuffer
 * is read where it is (refill it only once this settles): 50 pieces of a backup copied into
 * the worker were 50 MB of garbage there before its next collection. Any other piece is
 * copied, and its buffer may be refilled at once.
 */
export function deflateInBackground(data: Uint8Array, crc: number): Promise<{ data: Buffer; crc: number }> {
  const w = start();
  if (w === undefined) {
    const own = data.buffer instanceof SharedArrayBuffer ? data : Buffer.from(data);
    return poolDeflate(own, PIECE_OPTIONS).then((out) => ({ data: out, crc: crc32(own, crc) }));
  }
  return new Promise((resolve, reject) => {
    const id = nextId++;
    // Referenced while it works: a process awaiting close() must not exit under it.
    if (waiting.size === 0) w.ref();
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, data, crc } satisfies Piece);
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
  parentPort!.on('message', (p: Piece | { priority: number }) => {
    if ('priority' in p) return void setThreadPriority(p.priority);
    try {
      reply(parentPort!, p.id, deflatePiece(p.data), crc32(p.data, p.crc));
    } catch (e) {
      parentPort!.postMessage({ id: p.id, error: (e as Error).message });
    }
  });
}

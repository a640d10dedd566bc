import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import * as zlib from 'node:zlib';

// Compressing a rotated file is a third of a second of CPU per 50 MB, and audit.log and its
// category file rotate together: two gzips at once in libuv's pool took both cores of a small
// machine from the bot and from the writes and fdatasyncs its trade acks wait for (p99 of
// `sync` acks at 50k/s: 21 ms with compression against 9 ms without). So backups are
// compressed one at a time, in one worker thread at the lowest CPU priority: it runs on what
// the bot leaves idle. A backup waits longer to be compressed; nothing else does.

/** Level 1: on JSON log lines it still shrinks files 6-8x, at several times the speed of the default level. */
const GZIP_LEVEL = 1;

interface Job {
  id: number;
  data: Uint8Array;
}

let worker: Worker | undefined;
let failed = false;
let nextId = 0;
const waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
const poolGzip = promisify(zlib.gzip);

function start(): Worker | undefined {
  if (worker !== undefined || failed) return worker;
  try {
    const w = new Worker(new URL(import.meta.url), { workerData: { daybookGzip: true } });
    // An idle compressor never keeps a process alive; a backup left plain at exit is
    // compressed by the next start (compress.ts recoverBackups).
    w.unref();
    w.on('message', (m: { id: number; data?: Uint8Array; error?: string }) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if (m.data !== undefined) p?.resolve(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
      else p?.reject(new Error(m.error));
    });
    w.on('error', (e) => stop(e));
    w.on('exit', (code) => stop(new Error(`the gzip worker stopped (exit code ${code})`)));
    worker = w;
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

/** The compressor thread if one runs: for tests, to stop it as a crash would. */
export function compressorThread(): Worker | undefined {
  return worker;
}

/**
 * Gzips `data` in the low-priority worker, one job after another; in libuv's pool when no
 * worker can run. `data`'s memory is handed to the worker (the caller must not use it again).
 */
export function gzipInBackground(data: Buffer): Promise<Buffer> {
  const w = start();
  if (w === undefined) return poolGzip(data, { level: GZIP_LEVEL });
  return new Promise((resolve, reject) => {
    const id = nextId++;
    // Referenced while it works: a process awaiting close() must not exit under it.
    if (waiting.size === 0) w.ref();
    waiting.set(id, { resolve, reject });
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    // A slice of a shared buffer is copied; a buffer of its own is moved without a copy.
    const job: Job = { id, data: whole ? data : new Uint8Array(data) };
    post(w, job, job.data);
  });
}

/**
 * Moves `data`'s memory with the message when it owns its buffer and the runtime lets it
 * (Node 24 marks some of Buffer's and zlib's buffers untransferable); copies it otherwise.
 */
function post(port: Worker | MessagePort, message: object, data: Uint8Array | undefined): void {
  if (data !== undefined && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
    try {
      port.postMessage(message, [data.buffer as ArrayBuffer]);
      return;
    } catch {
      // DataCloneError before anything moved: send a copy.
    }
  }
  port.postMessage(message);
}

if (!isMainThread && (workerData as { daybookGzip?: boolean } | undefined)?.daybookGzip === true) {
  try {
    // Linux names the calling thread in /proc/thread-self (…/task/<tid>); setpriority() with
    // a thread id sets that thread's niceness alone.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid)) setPriority(tid, constants.priority.PRIORITY_LOW);
  } catch {
    // Elsewhere the worker runs at normal priority; still one compression at a time.
  }
  parentPort!.on('message', (job: Job) => {
    try {
      const out = zlib.gzipSync(job.data, { level: GZIP_LEVEL });
      const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
      post(parentPort!, { id: job.id, data: whole ? out : new Uint8Array(out) }, whole ? out : undefined);
    } catch (e) {
      parentPort!.postMessage({ id: job.id, error: (e as Error).message });
    }
  });
}

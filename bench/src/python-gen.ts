// Writes a log directory in the Python DayBot's format (seed-notes.md, "DayBot audit logger"),
// for the analytics benchmark on Python-era logs:
//   - one JSON line per event, `json.dumps` style: `", "` and `": "` separators, non-ASCII
//     escaped, keys in the Python logger's order (timestamp, level, logger, message, module,
//     function, line, event_id, …, metadata, strategy_name, environment);
//   - `datetime.isoformat()` timestamps: micro-seconds and `+00:00` (no fraction when the
//     micro-second is 0, as Python writes it);
//   - top-level numbers forced to floats (`"quantity": 48.0`), uuid4 event ids;
//   - files chosen by level: every event to audit.log, trades.log, system.log and
//     performance.log, an ERROR or CRITICAL one to errors.log too;
//   - RotatingFileHandler's rotation at its 50 MB default (DAYBOT_LOG_MAX_SIZE, 52428800
//     bytes) with 10 backups: `audit.log.1` is the newest backup, nothing is compressed; no
//     hash chain, no `.daybook` directory.
// The events are analytics-gen.ts's (same mix, same seed): written by daybook's logger into a
// scratch directory, then each audit.log line is re-written the Python way.
//
//   node bench/dist/python-gen.js [dir] [megabytes]     (default .bench-data/python 300)
//   node bench/dist/python-gen.js --append dir startMs [n]   (n events as the bot appends them)
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { createRandom } from 'daybook/random';
import { listLogFiles } from '@daybook/analytics';
import { dirBytes, generate } from './analytics-gen.js';

/** RotatingFileHandler's limits in the DayBot logger (DAYBOT_LOG_MAX_SIZE, DAYBOT_LOG_BACKUP_COUNT defaults). */
export const PY_MAX_BYTES = 52_428_800;
export const PY_BACKUP_COUNT = 10;
const FILES = ['audit', 'trades', 'system', 'performance'] as const;

/** Python's repr of a float (what json.dumps writes): `48.0`, `0.01`, `5e-05`, `1e+16`. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e16) {
    const s = String(x); // JS switches to exponents below 1e-6 only; in [1e-4, 1e16) it agrees with Python
    return s.includes('.') || s.includes('e') ? s : `${s}.0`;
  }
  // Python: the shortest digits, exponent with a sign and at least two digits.
  const [m, e] = x.toExponential().split('e') as [string, string];
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** A JSON string as Python's json.dumps writes it (ensure_ascii). */
function pyString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.dumps(v) of a nested value: integers stay integers (as the Python dicts held them). */
function pyValue(v: unknown, float: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return float || !Number.isInteger(v) ? pyFloat(v) : String(v);
  if (typeof v === 'string') return pyString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map((x) => pyValue(x, false)).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyString(k)}: ${pyValue(x, false)}`).join(', ')}}`;
}

/** Where the Python logger's `_log_entry` put the source location of every entry. */
const CALLER = { module: 'audit_logger', function: '_log_entry', line: 238 };
const HEAD = ['timestamp', 'level', 'logger', 'message'];
const TAIL = ['metadata', 'strategy_name', 'environment'];
const NOT_PYTHON = new Set([...HEAD, ...TAIL, 'hash', 'event_id', 'event_type', 'component', 'session_id']);

/**
 * One event (daybook's fields) as the Python DayBot's line; `timestamp` is the Python text.
 * Top-level numbers are floats, `metadata` is always there.
 */
export function pythonLine(e: Record<string, unknown>, timestamp: string): string {
  const parts = [`"timestamp": ${pyString(timestamp)}`, `"level": ${pyString(String(e.level))}`, `"logger": "daybot_audit"`, `"message": ${pyString(String(e.message ?? ''))}`];
  parts.push(`"module": "${CALLER.module}"`, `"function": "${CALLER.function}"`, `"line": ${CALLER.line}`);
  for (const k of ['event_id', 'event_type', 'component', 'session_id']) if (e[k] !== undefined) parts.push(`"${k}": ${pyValue(e[k], false)}`);
  for (const [k, v] of Object.entries(e)) if (!NOT_PYTHON.has(k) && v !== undefined) parts.push(`${pyString(k)}: ${pyValue(v, true)}`);
  parts.push(`"metadata": ${pyValue(e.metadata ?? {}, false)}`);
  if (e.strategy_name !== undefined) parts.push(`"strategy_name": ${pyValue(e.strategy_name, false)}`);
  if (e.environment !== undefined) parts.push(`"environment": ${pyValue(e.environment, false)}`);
  return `{${parts.join(', ')}}`;
}

/** datetime.isoformat() of an instant given in micro-seconds: `…T18:47:00.543641+00:00`, no fraction at .000000. */
export function pyTimestamp(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = us - ms * 1000;
  const base = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = base.slice(20, 23) + String(micro).padStart(3, '0');
  return `${base.slice(0, 19)}${frac === '000000' ? '' : `.${frac}`}+00:00`;
}

/** A uuid4 from a seeded random source. */
export function uuid4(random: () => number): string {
  const h = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${h(8)}-${h(4)}-4${h(3)}-${'89ab'[Math.floor(random() * 4)]}${h(3)}-${h(12)}`;
}

/** One file of the Python logger, rotated as RotatingFileHandler does. Appends to what is there. */
class PyFile {
  private size: number;
  private buf: string[] = [];
  private bufBytes = 0;
  constructor(private readonly path: string) {
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  write(line: string): void {
    const n = line.length + 1; // ASCII (ensure_ascii)
    // shouldRollover: `self.stream.tell() + len(msg) >= self.maxBytes`, before the write.
    if (this.size + this.bufBytes > 0 && this.size + this.bufBytes + n >= PY_MAX_BYTES) this.rollover();
    this.buf.push(line, '\n');
    this.bufBytes += n;
    if (this.bufBytes > 1 << 22) this.flush();
  }

  flush(): void {
    if (this.bufBytes === 0) return;
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, this.buf.join(''));
    } finally {
      closeSync(fd);
    }
    this.size += this.bufBytes;
    this.buf = [];
    this.bufBytes = 0;
  }

  /** doRollover: .9 → .10 (the old .10 removed), …, .1 → .2, the file → .1. */
  private rollover(): void {
    this.flush();
    for (let i = PY_BACKUP_COUNT - 1; i >= 1; i--) {
      const from = `${this.path}.${i}`;
      if (existsSync(from)) {
        if (existsSync(`${this.path}.${i + 1}`)) unlinkSync(`${this.path}.${i + 1}`);
        renameSync(from, `${this.path}.${i + 1}`);
      }
    }
    if (existsSync(`${this.path}.1`)) unlinkSync(`${this.path}.1`);
    renameSync(this.path, `${this.path}.1`);
    this.size = 0;
  }
}

/** The Python logger's five files in `dir`, routing each line by level as it did. */
export class PythonWriter {
  private readonly files: Record<string, PyFile>;
  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.files = Object.fromEntries([...FILES, 'errors'].map((f) => [f, new PyFile(join(dir, `${f}.log`))]));
  }

  write(line: string, level: string): void {
    for (const f of FILES) this.files[f]!.write(line);
    if (level === 'ERROR' || level === 'CRITICAL') this.files.errors!.write(line);
  }

  close(): void {
    for (const f of Object.values(this.files)) f.flush();
  }
}

/** Writes about `megabytes` MiB of Python DayBot logs into `dir` (emptied first). */
export async function generatePython(dir: string, megabytes: number, seed = 7): Promise<{ events: number; bytesOnDisk: number; seconds: number }> {
  const t0 = Date.now();
  rmSync(dir, { recursive: true, force: true });
  const scratch = `${dir}.daybook-src`;
  // A Python line is about as long as daybook's, and goes to four files (daybook's: two).
  await generate(scratch, Math.max(1, Math.round(megabytes * 0.47)), seed);
  const random = createRandom(seed + 1);
  const out = new PythonWriter(dir);
  let events = 0;
  try {
    for (const f of listLogFiles([scratch]).filter((x) => x.base === 'audit')) {
      const file = createReadStream(f.path);
      const lines = createInterface({ input: f.gz ? file.pipe(createGunzip()) : file, crlfDelay: Infinity });
      for await (const line of lines) {
        const e = JSON.parse(line) as Record<string, unknown>;
        const us = Date.parse(e.timestamp as string) * 1000 + Math.floor(random() * 1000);
        e.event_id = uuid4(random);
        out.write(pythonLine(e, pyTimestamp(us)), String(e.level));
        events++;
      }
    }
  } finally {
    out.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  return { events, bytesOnDisk: dirBytes(dir), seconds: (Date.now() - t0) / 1000 };
}

/**
 * Appends `n` events the way the Python DayBot did (to its files by level), from `startMs` on,
 * 1 s apart. Their ids are new on every call (seeded by the clock): a second bench run must not
 * append copies of the first run's events, which de-duplication would drop.
 */
export function appendPython(dir: string, startMs: number, n: number): void {
  const out = new PythonWriter(dir);
  const random = createRandom((Date.now() ^ (process.pid << 10)) >>> 0);
  for (let i = 0; i < n; i++) {
    const us = (startMs + (i + 1) * 1000) * 1000 + Math.floor(random() * 1000);
    const base = { level: 'INFO', event_id: uuid4(random), component: 'trading', session_id: 'bench_append', environment: 'bench' };
    const pnl = (i % 7) - 3;
    const lat = 10 + (i % 90);
    const e = i % 50 === 0
      ? { ...base, message: `Trade exit: AAPL 1 @ $100.00, P&L: $${pnl.toFixed(2)}`, event_type: 'trade_exit', symbol: 'AAPL', quantity: 1, price: 100, pnl, metadata: { exit_reason: 'unknown', hold_time_minutes: 3.0 } }
      : { ...base, level: 'DEBUG', component: 'api', message: `API call: GET /v2/orders -> 200 (${lat}ms)`, event_type: 'api_call', latency_ms: lat, metadata: { endpoint: '/v2/orders', method: 'GET', status_code: 200 } };
    out.write(pythonLine(e, pyTimestamp(us)), e.level);
  }
  out.close();
}

if (process.argv[1]?.endsWith('python-gen.js') && process.argv[2] === '--append') {
  appendPython(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5] ?? 5000));
} else if (process.argv[1]?.endsWith('python-gen.js')) {
  const dir = process.argv[2] ?? '.bench-data/python';
  const mb = Number(process.argv[3] ?? 300);
  const r = await generatePython(dir, mb);
  process.stdout.write(`${dir}: ${r.events} events, ${(r.bytesOnDisk / 1048576).toFixed(0)} MiB on disk, ${r.seconds.toFixed(0)} s\n`);
}

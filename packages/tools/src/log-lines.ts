import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** What the lines of a log say about their health. */
export interface LineScan {
  lines: number;
  /** Lines in a format daybook knows: compact/verbose app lines or JSON events. */
  recognized: number;
  errorsLastHour: number;
  warningsLastHour: number;
  /** 1-based numbers (within what was read) of lines that cannot be log records. */
  damaged: number[];
  /** The last line has no newline: a write cut short. */
  tornTail: boolean;
}

// `2025-08-30 21:49:03,511 | jit-mm-swift | INFO | ...`: asctime is UTC (see core's app-format).
const TEXT_LINE = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}),(\d{3}) \| [^|]*\| (DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL) \|/;

function parseLine(line: string): { time: number; level: string } | 'damaged' | 'other' {
  const m = TEXT_LINE.exec(line);
  if (m !== null) return { time: Date.parse(`${m[1]}T${m[2]}.${m[3]}Z`), level: m[4]! };
  // A NUL or a replacement character (bytes that are not UTF-8) never belongs in a log line.
  if (line.includes('\u0000') || line.includes('\ufffd')) return 'damaged';
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as { timestamp?: unknown; level?: unknown };
      if (typeof o.timestamp === 'string' && typeof o.level === 'string') return { time: Date.parse(o.timestamp), level: o.level };
      return 'other';
    } catch {
      return 'damaged';
    }
  }
  // Tracebacks and other continuation lines of the Python loggers: not records, not damage.
  return 'other';
}

export function scanLines(text: string, now: number, windowMs = 3_600_000): LineScan {
  const parts = text.split('\n');
  const tornTail = parts[parts.length - 1] !== '';
  if (!tornTail) parts.pop();
  const scan: LineScan = { lines: parts.length, recognized: 0, errorsLastHour: 0, warningsLastHour: 0, damaged: [], tornTail: tornTail && text !== '' };
  parts.forEach((line, i) => {
    const p = parseLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (p === 'damaged') {
      // A torn last line is reported as such, not as damage.
      if (!(tornTail && i === parts.length - 1)) scan.damaged.push(i + 1);
      return;
    }
    if (p === 'other') return;
    scan.recognized++;
    if (!(now - p.time <= windowMs && p.time <= now + 60_000)) return;
    if (p.level === 'ERROR' || p.level === 'CRITICAL' || p.level === 'FATAL') scan.errorsLastHour++;
    else if (p.level === 'WARNING' || p.level === 'WARN') scan.warningsLastHour++;
  });
  return scan;
}

/** The last `maxBytes` of a file, from a line start; `whole` says whether nothing was cut. */
export function readTail(path: string, maxBytes: number): { text: string; whole: boolean } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, start + off);
      if (n === 0) break;
      off += n;
    }
    let text = buf.subarray(0, off).toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return { text, whole: start === 0 };
  } finally {
    closeSync(fd);
  }
}

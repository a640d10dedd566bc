import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CHAIN_DIR } from '@daybook/core';

// Where the shipper is in each file of a directory, for one target (URL + database): a JSON
// file `<logDir>/.daybook/ship/<key>.json`, beside the logs it describes (a copy of the
// directory carries it; another target has its own). Written atomically (temp file, fsync,
// rename, fsync of the directory) and only after ClickHouse acknowledged every line it
// counts: after a crash the file names lines that are in ClickHouse, or fewer (then a batch is
// inserted again, and the ReplacingMergeTree keyed by event_id counts it once).

/** How far a file (known by its first line: fileHead) has been shipped. */
export interface FilePosition {
  /** Bytes of complete lines shipped (uncompressed), from the file's start. */
  bytes: number;
  /** Lines shipped (good, bad and rejected alike). */
  lines: number;
  /** The file's name when last read (for people; identity is the head). */
  name: string;
  /** A gzip backup read to its end: nothing more will come. */
  done?: boolean;
}

export interface PositionFile {
  version: 1;
  /** The target, without credentials. */
  target: string;
  database: string;
  files: Record<string, FilePosition>;
}

/** The name of a target's position file: a hash of what it ships to. */
function positionKey(display: string, database: string): string {
  return createHash('sha256').update(`${display}\n${database}`).digest('hex').slice(0, 16);
}

export function positionPath(logDir: string, display: string, database: string): string {
  return join(logDir, CHAIN_DIR, 'ship', `${positionKey(display, database)}.json`);
}

/** Reads a position file; a missing or unreadable one is an empty position (ship from the start). */
export function loadPositions(path: string): Map<string, FilePosition> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
  const files = (parsed as Partial<PositionFile> | null)?.files;
  const out = new Map<string, FilePosition>();
  if (files === null || typeof files !== 'object') return out;
  for (const [head, p] of Object.entries(files)) {
    if (p !== null && typeof p === 'object' && Number.isSafeInteger(p.bytes) && p.bytes >= 0) {
      out.set(head, { bytes: p.bytes, lines: Number.isSafeInteger(p.lines) ? p.lines : 0, name: String(p.name ?? ''), ...(p.done === true ? { done: true } : {}) });
    }
  }
  return out;
}

/** Writes a position file atomically and durably. */
export function savePositions(path: string, display: string, database: string, files: ReadonlyMap<string, FilePosition>): void {
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true });
  const body: PositionFile = { version: 1, target: display, database, files: Object.fromEntries(files) };
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(body, null, 1) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  // The rename itself must survive a power cut, or the old position comes back (a re-insert: safe, but slow).
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

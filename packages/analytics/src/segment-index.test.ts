import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LogAnalyzer } from './analyzer.js';
import { INDEX_DIR } from './segment-index.js';
import { STORE_VERSION } from './segment-store.js';
import { FileSource } from './source.js';
import { ev, exit, tempDir } from './test/helpers.js';

// Each `new LogAnalyzer` stands for a new process: its in-memory cache is empty, so whatever
// it does not parse comes from the index on disk.

let clock = Date.UTC(2024, 0, 1);
/** A mix of what the segments hold: trades with and without numbers, errors, values, text ids, app lines, bad lines. */
function batch(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const timestamp = new Date((clock += 61_000)).toISOString();
    switch (i % 9) {
      case 0: out.push(JSON.stringify(exit(timestamp, i % 2 === 0 ? -0 : 12.5 * i, { metadata: { exit_reason: 'tp', hold_time_minutes: i } }))); break;
      case 1: out.push(JSON.stringify(ev({ timestamp, event_type: 'trade_entry', symbol: 'MSFT', quantity: 'ten', price: 3, session_id: `s${i % 4}` }))); break;
      case 2: out.push(JSON.stringify(ev({ timestamp, level: 'ERROR', event_type: 'api_error', message: `timeout ${i}`, metadata: { error_type: 'Timeout' } }))); break;
      case 3: out.push(JSON.stringify(ev({ timestamp, event_type: 'api_call', latency_ms: i * 1.5, metadata: { status_code: i % 2 === 0 ? 503 : 200 } }))); break;
      case 4: out.push(JSON.stringify(ev({ timestamp, event_type: 'health_check', portfolio_value: 1000 + i, metadata: { status: 'degraded', portfolio_heat: 0.1 } }))); break;
      case 5: out.push(JSON.stringify(ev({ timestamp, event_id: `custom-${i}-${clock}`, level: 'WARNING' }))); break;
      case 6: out.push(`${timestamp.slice(0, 10)} ${timestamp.slice(11, 19)},250 | jit-mm | CRITICAL | order ${i} rejected`); break;
      case 7: out.push('{"broken": '); break;
      default: out.push(JSON.stringify(ev({ timestamp, event_type: 'risk_limit_hit', daily_pnl: -i }))); break;
    }
  }
  return out.join('\n') + '\n';
}

async function reportOf(dir: string, persist: boolean, readViews = false): Promise<unknown> {
  const r = await new LogAnalyzer(dir, { persist, threads: 1, readViews }).getReport();
  return { ...r, generated_at: undefined };
}

/** A new process with the index gives exactly what a new process without it gives. */
async function sameAsParsing(dir: string, readViews = false): Promise<void> {
  assert.deepStrictEqual(await reportOf(dir, true, readViews), await reportOf(dir, false, readViews));
}

const stored = (dir: string, ext: string): string[] => (existsSync(join(dir, INDEX_DIR)) ? readdirSync(join(dir, INDEX_DIR)).filter((n) => n.endsWith(ext)).sort() : []);
/** The segment parts of the index, and its backups' trading rows. */
const parts = (dir: string): string[] => stored(dir, '.seg');
const tradeParts = (dir: string): string[] => stored(dir, '.trd');
const inoOf = (path: string): number => statSync(path).ino;

function logDir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'audit.log.2.gz'), gzipSync(batch(40)));
  writeFileSync(join(dir, 'audit.log.1'), batch(40));
  writeFileSync(join(dir, 'audit.log'), batch(30) + '{"event_id":"unfinished');
  writeFileSync(join(dir, 'trades.log'), batch(5));
  return dir;
}

describe('segment index', () => {
  it('a new process reads the stored segments, not the files, while their identity is unchanged', async () => {
    const dir = logDir();
    await sameAsParsing(dir);
    assert.equal(parts(dir).length, 3, 'one part per file read (trades.log is not read beside audit.log)');
    assert.deepEqual(tradeParts(dir), ['audit.log.1', 'audit.log.2.gz'].map((f) => `${statSync(join(dir, f)).dev}-${inoOf(join(dir, f))}.trd`).sort(), 'and the trading rows of each backup');
    // Same inode, size and mtime, other events: only the index can still give the old figures.
    const path = join(dir, 'audit.log.1');
    const before = await reportOf(dir, true);
    const st = statSync(path);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"level":"ERROR"/g, '"level":"DEBUG"'));
    utimesSync(path, st.atime, st.mtime);
    assert.equal(statSync(path).ino, st.ino);
    assert.deepStrictEqual(await reportOf(dir, true), before);
    assert.notDeepStrictEqual(await reportOf(dir, false), before);
  });

  it('a grown file is read from where the stored parts end, in this process and the next', async () => {
    const dir = logDir();
    const source = new FileSource(dir, { threads: 1 });
    await source.load();
    appendFileSync(join(dir, 'audit.log'), `",${batch(20)}`); // completes the unfinished line (as a bad one)
    await sameAsParsing(dir);
    await source.load();
    appendFileSync(join(dir, 'audit.log'), batch(7));
    await source.load();
    const ino = statSync(join(dir, 'audit.log')).ino;
    assert.ok(parts(dir).filter((p) => p.includes(`-${ino}-`)).length >= 3, 'a part per growth');
    // The next process merges the stored parts: every metric then passes over one segment of it.
    const next = await new FileSource(dir, { threads: 1 }).load();
    assert.equal(next.segments.filter((s) => s.source === join(dir, 'audit.log')).length, 1);
    await sameAsParsing(dir);
    appendFileSync(join(dir, 'audit.log'), 'half a line');
    await sameAsParsing(dir);
  });

  it('a file read on every change keeps a bounded number of parts', async () => {
    const dir = logDir();
    const source = new FileSource(dir, { threads: 1 });
    for (let i = 0; i < 70; i++) {
      appendFileSync(join(dir, 'audit.log'), batch(2));
      await source.load();
    }
    const ino = statSync(join(dir, 'audit.log')).ino;
    const own = parts(dir).filter((p) => p.includes(`-${ino}-`)).length;
    assert.ok(own >= 2 && own <= 64, `${own} parts`);
    await sameAsParsing(dir);
  });

  it('stores what was read, not what de-duplication kept (the category views repeat audit.log)', async () => {
    const dir = logDir();
    writeFileSync(join(dir, 'trades.log'), readFileSync(join(dir, 'audit.log.1')));
    const source = new FileSource(dir, { threads: 1, readViews: true });
    await source.load();
    appendFileSync(join(dir, 'trades.log'), batch(4));
    await source.load();
    await sameAsParsing(dir, true);
    rmSync(join(dir, 'audit.log.1')); // the first copies are gone: trades.log's rows count now
    await sameAsParsing(dir, true);
  });

  it('follows a rotation (rename keeps the inode, gzip makes a new one) and deletes the parts of files that are gone', async () => {
    const dir = logDir();
    await sameAsParsing(dir);
    rmSync(join(dir, 'audit.log.2.gz'));
    renameSync(join(dir, 'audit.log.1'), join(dir, 'audit.log.2'));
    renameSync(join(dir, 'audit.log'), join(dir, 'audit.log.1'));
    writeFileSync(join(dir, 'audit.log'), batch(10));
    await sameAsParsing(dir);
    writeFileSync(join(dir, 'audit.log.2.gz'), gzipSync(readFileSync(join(dir, 'audit.log.2'))));
    rmSync(join(dir, 'audit.log.2'));
    await sameAsParsing(dir);
    const present = readdirSync(dir).filter((f) => f.startsWith('audit.log')).map((f) => `-${statSync(join(dir, f)).ino}-`);
    assert.deepEqual(parts(dir).filter((p) => !present.some((i) => p.includes(i))), [], 'no part of a file that is gone');
    assert.equal(parts(dir).length, 3);
    const backups = ['audit.log.1', 'audit.log.2.gz'].map((f) => `-${inoOf(join(dir, f))}.trd`);
    assert.deepEqual(tradeParts(dir).map((p) => backups.filter((b) => p.endsWith(b)).length), [1, 1], 'the trading rows of the backups there, and of no file that is gone');
  });

  it('a file truncated or replaced in place is parsed again', async () => {
    const dir = logDir();
    await sameAsParsing(dir);
    const path = join(dir, 'audit.log');
    truncateSync(path, 1000);
    await sameAsParsing(dir);
    writeFileSync(path, batch(50)); // longer than before, other bytes before the old end
    await sameAsParsing(dir);
  });

  it('ignores and rewrites a damaged, truncated or older-format part', async () => {
    const dir = logDir();
    await sameAsParsing(dir);
    const [a, b, c] = parts(dir).map((p) => join(dir, INDEX_DIR, p));
    const flipped = readFileSync(a!);
    flipped[flipped.length - 3]! ^= 0x40;
    writeFileSync(a!, flipped);
    writeFileSync(b!, readFileSync(b!).subarray(0, 100));
    const old = readFileSync(c!);
    old.writeUInt32LE(old.readUInt32LE(4) - 1, 4);
    writeFileSync(c!, old);
    writeFileSync(join(dir, INDEX_DIR, '1-2-0.seg'), 'not a part'); // a file that is not there
    const sizes = [a, b, c].map((p) => statSync(p!).size);
    await sameAsParsing(dir);
    assert.notDeepEqual([a, b, c].map((p) => statSync(p!).size), sizes, 'rewritten');
    // The checksum does not cover the version: only the version check has the older part rewritten.
    assert.equal(readFileSync(c!).readUInt32LE(4), STORE_VERSION, 'the older-format part rewritten in this format');
    assert.equal(parts(dir).length, 3, 'the stray part is deleted');
    await sameAsParsing(dir);
  });

  it('an index that cannot be written: the same figures and one problem, no exception', async () => {
    const dir = logDir();
    writeFileSync(join(dir, '.daybook'), 'a file where the directory should be');
    const analyzer = new LogAnalyzer(dir, { threads: 1 });
    for (let i = 0; i < 2; i++) {
      const expected = (await reportOf(dir, false)) as { read_problems: unknown[] };
      const r = await analyzer.getReport();
      assert.deepStrictEqual({ ...r, generated_at: undefined, read_problems: [] }, { ...expected, read_problems: [] });
      assert.deepEqual(r.read_problems.map((p) => p.code), ['DAYBOOK_W_INDEX_WRITE'], 'one problem for the directory, not one per file');
      appendFileSync(join(dir, 'audit.log'), batch(3));
    }
    assert.deepEqual((await new LogAnalyzer(dir, { persist: false }).getReport()).read_problems, []);
  });

  it('a part whose write fails on the thread pool (open, then rename): the same figures, one problem, no temporary file left', async () => {
    for (const blocked of ['tmp', 'part'] as const) {
      const dir = logDir();
      const st = statSync(join(dir, 'audit.log'));
      const part = join(dir, INDEX_DIR, `${st.dev}-${st.ino}-0.seg`);
      // A directory where the write's file goes: open (or the rename onto it) fails, root or not.
      mkdirSync(join(blocked === 'tmp' ? `${part}.${process.pid}.tmp` : part, 'x'), { recursive: true });
      const r = await new LogAnalyzer(dir, { threads: 1 }).getReport();
      assert.deepStrictEqual({ ...r, generated_at: undefined, read_problems: [] }, { ...(await reportOf(dir, false) as object), read_problems: [] }, blocked);
      assert.deepEqual(r.read_problems.map((p) => p.code), ['DAYBOOK_W_INDEX_WRITE'], blocked);
      if (blocked === 'part') assert.deepEqual(readdirSync(join(dir, INDEX_DIR)).filter((n) => n.endsWith('.tmp')), [], 'the temporary file is removed');
    }
  });

  // Root writes through permissions: there the test above stands in for this one.
  it('a read-only log directory: the same figures and one problem', { skip: process.getuid?.() === 0 }, async () => {
    const dir = logDir();
    mkdirSync(join(dir, '.daybook'));
    chmodSync(join(dir, '.daybook'), 0o555);
    try {
      const r = await new LogAnalyzer(dir, { threads: 1 }).getReport();
      assert.deepStrictEqual({ ...r, generated_at: undefined, read_problems: [] }, { ...(await reportOf(dir, false) as object), read_problems: [] });
      assert.deepEqual(r.read_problems.map((p) => p.code), ['DAYBOOK_W_INDEX_WRITE']);
    } finally {
      chmodSync(join(dir, '.daybook'), 0o755);
    }
  });

  it('persist: false writes nothing', async () => {
    const dir = logDir();
    await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(existsSync(join(dir, '.daybook')), false);
  });
});

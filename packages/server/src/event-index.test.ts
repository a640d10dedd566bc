import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { LogAnalyzer } from '@daybook/analytics';
import { buildApp } from './app.js';
import { EventIndex, type EventFilter } from './event-index.js';
import { BOMB_LINE, bomb, tempDir } from './test/helpers.js';

// Over-long lines: counted as a problem and skipped as they stream by, the other lines
// answered as usual. A small maxLineBytes (1 KiB-64 KiB) and lines of a few MB exercise
// the same code as the 16 MiB default against a 600 MB line.

const MiB = 1024 * 1024;
let n = 0;
const ev = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: `e${++n}`, timestamp: `2024-01-02T10:00:${String(n % 60).padStart(2, '0')}Z`, level: 'INFO', event_type: 'market_status', message: 'm', ...extra }) + '\n';
/** A valid event whose line is about `bytes` long: only its length is wrong. */
const big = (bytes: number) => ev({ message: 'x'.repeat(bytes) });
const idOf = (line: string): string => (JSON.parse(line) as { event_id: string }).event_id;
const ALL: EventFilter = { start: -Infinity, end: Infinity, endExclusive: false };

async function ids(index: EventIndex): Promise<string[]> {
  await index.refresh();
  const { rows } = index.query(ALL, 1000, 'asc');
  return (await index.read(rows)).map((r) => r.event.event_id as string);
}

describe('event index: over-long lines', () => {
  it('skips and counts a line over maxLineBytes, keeps the lines around it', async () => {
    const dir = tempDir();
    const a = ev(), b = ev(), c = ev();
    writeFileSync(join(dir, 'audit.log'), a + big(3 * MiB) + b + big(70_000) + c);
    const index = new EventIndex([dir], { maxLineBytes: 64 * 1024 });
    assert.deepEqual(await ids(index), [a, b, c].map(idOf));
    assert.equal(index.tooLongLines, 2);
    assert.equal(index.files[0]!.skipped, 2);
  });

  it('a long line still being written is dropped across refreshes, once counted', async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    const a = ev();
    writeFileSync(file, a + 'y'.repeat(2 * MiB)); // no newline yet
    const index = new EventIndex([dir], { maxLineBytes: 1024 });
    assert.deepEqual(await ids(index), [idOf(a)]);
    assert.equal(index.tooLongLines, 1);
    appendFileSync(file, 'y'.repeat(MiB));
    await index.refresh();
    const b = ev();
    appendFileSync(file, 'tail of it"}\n' + b);
    assert.deepEqual(await ids(index), [a, b].map(idOf));
    assert.equal(index.tooLongLines, 1);
  });

  it('in a compressed backup too', async () => {
    const dir = tempDir();
    const a = ev(), b = ev();
    writeFileSync(join(dir, 'audit.log.1.gz'), gzipSync(a + big(MiB) + b));
    writeFileSync(join(dir, 'audit.log'), '');
    const index = new EventIndex([dir], { maxLineBytes: 4096 });
    assert.deepEqual(await ids(index), [a, b].map(idOf));
    assert.equal(index.tooLongLines, 1);
  });

  it('a tail index that starts inside a line drops the rest of it, without calling it a problem', async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    writeFileSync(file, ev() + 'z'.repeat(200_000)); // no newline in the last 64 KiB
    const tail = new EventIndex([dir], { from: 'end' });
    assert.deepEqual(await ids(tail), []);
    const b = ev();
    appendFileSync(file, '"}\n' + b);
    assert.deepEqual(await ids(tail), [idOf(b)]);
    assert.equal(tail.files[0]!.skipped, 0);
  });

  it('a page stops at maxPageBytes (at least one row), and the cursor goes on from there', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 6 }, () => big(3000));
    writeFileSync(join(dir, 'audit.log'), lines.join(''));
    const index = new EventIndex([dir], { maxPageBytes: 7000 });
    await index.refresh();
    const seen: number[] = [];
    let after;
    for (;;) {
      const { rows, more } = index.query(ALL, 1000, 'asc', after);
      seen.push(rows.length);
      after = rows.at(-1);
      if (!more) break;
    }
    assert.deepEqual(seen, [2, 2, 2]);
    const tiny = new EventIndex([dir], { maxPageBytes: 10 });
    await tiny.refresh();
    assert.equal(tiny.query(ALL, 1000, 'asc').rows.length, 1, 'one row even when it alone is over');
  });

  it('over HTTP: /audit/events answers the other lines; maxLineBytes is a server option', async () => {
    const dir = tempDir();
    const a = ev(), b = ev();
    writeFileSync(join(dir, 'audit.log'), a + big(4 * MiB) + b);
    const app = await buildApp({ logDir: dir, docs: false, pollMs: 0, maxLineBytes: 1 * MiB });
    try {
      const r = await app.inject('/audit/events?order=asc');
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json().events.map((e: { event_id: string }) => e.event_id), [a, b].map(idOf));
      assert.equal(app.daybook.index.tooLongLines, 1);
      assert.equal((await buildApp({ logDir: dir, maxLineBytes: 10 }).catch((e: Error) => e.message)), 'maxLineBytes must be a whole number of bytes, at least 1024');
    } finally {
      await app.close();
    }
  });
});

describe('event index: gzip inflation', () => {
  it('stops a compressed file at the reports\' inflate limit: the lines before it indexed, the rest unread', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 5000 }, () => ev());
    const gz = gzipSync(lines.join(''), { level: 9 });
    const path = join(dir, 'audit.log.1.gz');
    writeFileSync(path, gz);
    writeFileSync(join(dir, 'audit.log'), '');
    const limits = { maxInflateRatio: 4, minInflateBytes: 64 * 1024 };
    const limit = Math.max(limits.minInflateBytes, limits.maxInflateRatio * gz.length);
    const index = new EventIndex([dir], limits);
    const got = await ids(index);
    const fi = index.files[0]!;
    assert.equal(fi.inflateCut, limit);
    assert.ok(fi.end <= limit, `${fi.end} bytes inflated, the limit is ${limit}`);
    assert.deepEqual(index.inflateCutFiles, [path]);
    // Complete lines before the limit, in order; none after it.
    const before = lines.join('').slice(0, limit).split('\n').length - 1;
    assert.ok(before > 0 && before < lines.length);
    assert.deepEqual(got, lines.slice(0, before).map(idOf));
    // The reports' reader, given the same limits, counts the same events.
    const report = await new LogAnalyzer(dir, { persist: false, threads: 1, limits }).getSystemMetrics();
    assert.equal(report.total_events, before);
  });

  it('a real bomb (256 MiB from under 1 MB) at the default limits: cut at 64 MiB, its rows bounded', async () => {
    const dir = tempDir();
    const gz = bomb(256);
    assert.ok(gz.length < MiB, `${gz.length} bytes compressed`); // 64x of it is under minInflateBytes
    writeFileSync(join(dir, 'audit.log.1.gz'), gz);
    const a = ev();
    writeFileSync(join(dir, 'audit.log'), a);
    const index = new EventIndex([dir]);
    await index.refresh();
    const [backup, current] = index.files;
    assert.equal(backup!.inflateCut, 64 * MiB, 'the defaults: DEFAULT_READ_LIMITS');
    assert.ok(backup!.end <= 64 * MiB);
    assert.equal(backup!.n, Math.floor(backup!.end / BOMB_LINE.length), 'every whole line before the limit, no more');
    assert.equal(current!.n, 1);
    const { rows } = index.query(ALL, 1, 'desc');
    assert.deepEqual((await index.read(rows)).map((r) => r.event.event_id), [idOf(a)]);
  });
});

describe('event index: events outside the audit family', () => {
  it('without audit.log, its views are indexed and an app log\'s events are not (as in the reports)', async () => {
    const dir = tempDir();
    const a = ev(), b = ev(), forged = ev({ event_type: 'trade_exit', pnl: 100_000 });
    writeFileSync(join(dir, 'trades.log'), a + b);
    writeFileSync(join(dir, 'a.log'), forged);
    writeFileSync(join(dir, '\u0430udit.log'), forged);
    assert.deepEqual(await ids(new EventIndex([dir])), [a, b].map(idOf));
    // Without a daybook file beside it, an app log's events are read as before.
    const other = tempDir();
    writeFileSync(join(other, 'a.log'), forged);
    assert.deepEqual(await ids(new EventIndex([other])), [idOf(forged)]);
  });
});

describe('event index: damaged backups', () => {
  it('a gzip backup that is not gzip, or is cut short, costs the index its own lines only, and is not read again', async () => {
    const dir = tempDir();
    const old = [ev(), ev(), ev()];
    const whole = gzipSync(old.join(''));
    writeFileSync(join(dir, 'audit.log.2.gz'), Buffer.from('not gzip at all\n'));
    writeFileSync(join(dir, 'audit.log.1.gz'), whole.subarray(0, whole.length - 12)); // no trailer, part of the stream
    const a = ev(), b = ev();
    writeFileSync(join(dir, 'audit.log'), a + b);
    const index = new EventIndex([dir]);
    const first = await ids(index);
    // What the cut backup gave before its damage, if anything, comes first and in order; the current file whole.
    assert.deepEqual(first.slice(-2), [a, b].map(idOf));
    assert.deepEqual(first.slice(0, -2), old.map(idOf).slice(0, first.length - 2));
    assert.equal(index.inflateCutFiles.length, 0, 'damage is not the inflate limit');
    // A backup is read once, damaged or not: a refresh reads only what was appended.
    const c = ev();
    appendFileSync(join(dir, 'audit.log'), c);
    assert.deepEqual(await ids(index), [...first, idOf(c)]);
  });
});

describe('event index: newest first across files', () => {
  it('reads every file backwards, the oldest backup too, whatever the files\' sizes', async () => {
    // A regression: the backwards walk started each earlier file at the row count of the file
    // before it, so files of other sizes lost rows or gained empty ones, and the oldest file
    // was never read (with 24 backups: /audit/events listed 2,400 of 2,502 events).
    const dir = tempDir();
    const lines = Array.from({ length: 9 }, () => ev());
    writeFileSync(join(dir, 'audit.log.2'), lines.slice(0, 2).join(''));
    writeFileSync(join(dir, 'audit.log.1'), lines.slice(2, 7).join(''));
    writeFileSync(join(dir, 'audit.log'), lines.slice(7).join(''));
    const index = new EventIndex([dir]);
    await index.refresh();
    const desc: string[] = [];
    let after;
    for (;;) {
      const { rows, more } = index.query(ALL, 3, 'desc', after);
      desc.push(...(await index.read(rows)).map((r) => r.event.event_id as string));
      if (!more) break;
      after = rows.at(-1);
    }
    assert.deepEqual(desc, lines.map(idOf).reverse());
  });
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { GZIP_HEADER_LATEST, latestField } from '@daybook/core';
import { LogAnalyzer } from './analyzer.js';
import { parseTimestamp } from './dates.js';
import { eventSetFromEvents } from './event-set.js';
import { latestEventTime, latestEventTimeOf } from './scan.js';
import { FileSource } from './source.js';
import { ev, exit, lines, tempDir } from './test/helpers.js';

const us = (iso: string): number => parseTimestamp(iso)!;
/** A line as the Python DayBot's json.dumps writes it (`", "` and `": "`), `more` its other members. */
const py = (ts: string, id: string, more = ''): string => `{"timestamp": "${ts}", "level": "INFO", "event_id": "${id}"${more}}`;
const bytes = (text: string): Buffer => Buffer.from(text);

/** The latest event time the parser finds in these lines (-Infinity: none). */
function parsedLatest(text: string): number {
  const set = eventSetFromEvents(text.split('\n').filter((l, i, a) => i < a.length - 1 || l !== ''));
  let t = -Infinity;
  for (const s of set.segments) for (let r = 0; r < s.n; r++) t = Math.max(t, s.ts[r]!);
  return t;
}

describe('latest event time by scan', () => {
  it('is the greatest leading timestamp, in any order, in any piece size, with a torn last line', () => {
    const text = lines([ev({ timestamp: '2024-01-03T00:00:00.000Z' }), ev({ timestamp: '2024-01-05T10:00:00.000Z' }), ev({ timestamp: '2024-01-04T00:00:00.000Z' })])
      + JSON.stringify(ev({ timestamp: '2024-01-06T00:00:00.000Z' })).slice(0, 60);
    for (const piece of [1, 2, 7, 13, 64, 100_000]) assert.equal(latestEventTimeOf(bytes(text), piece), us('2024-01-06T00:00:00.000Z'), `pieces of ${piece}`);
    assert.equal(latestEventTimeOf(bytes('\ufeff' + lines([ev({ timestamp: '2024-01-02T00:00:00.000Z' })])), 1), us('2024-01-02T00:00:00.000Z'), 'a byte order mark');
    assert.equal(latestEventTimeOf(bytes('')), -Infinity, 'an empty file has no event');
  });

  it('parses other timestamp forms like the reader (offsets, micro-seconds, CRLF)', () => {
    const text = '{"timestamp":"2024-01-01T23:30:00-02:00","event_id":"a"}\r\n{"timestamp":"2024-01-02T01:00:00.000001Z","event_id":"b"}\n';
    assert.equal(latestEventTimeOf(bytes(text)), us('2024-01-02T01:30:00Z'));
    // Its first 24 bytes end in Z" like a canonical timestamp, but it is 00:00-05, 05:00 UTC.
    const lookalike = '{"timestamp":"2099-01-01T03:00:00.000Z","event_id":"a"}\n{"timestamp":"2099-01-01T00:00-05","aZ":1,"event_id":"b"}\n';
    assert.equal(latestEventTimeOf(bytes(lookalike)), us('2099-01-01T05:00:00Z'));
  });

  it('dates the Python DayBot\'s lines (`{"timestamp": "`, micro-seconds and +00:00) like the reader', () => {
    const text = [py('2024-01-03T10:00:00.000001+00:00', 'a'), py('2024-01-05T10:00:00+00:00', 'b'), py('2024-01-04T23:59:59.999999+00:00', 'c')].join('\n') + '\n';
    for (const piece of [1, 7, 64, 100_000]) assert.equal(latestEventTimeOf(bytes(text), piece), us('2024-01-05T10:00:00Z'), `pieces of ${piece}`);
    assert.equal(parsedLatest(text), us('2024-01-05T10:00:00Z'));
    // json.dumps writes one space; any other spacing is not a shape the scan knows.
    assert.equal(latestEventTimeOf(bytes(text + '{"timestamp":  "2024-01-01T00:00:00+00:00", "event_id": "d"}\n')), undefined);
  });

  it('says nothing of a file with a line that does not begin with its timestamp', () => {
    for (const odd of ['', 'not json', '{ "timestamp":"2024-01-01T00:00:00.000Z"}', '{"event_id":"x","timestamp":"2024-01-01T00:00:00.000Z"}', '2025-08-30 21:49:03,511 | app | INFO | text']) {
      const text = lines([ev({ timestamp: '2024-01-01T00:00:00.000Z' })]) + odd + '\n';
      assert.equal(latestEventTimeOf(bytes(text)), undefined, JSON.stringify(odd));
    }
  });

  it('never dates a file earlier than the parser would (random lines, including repeated and escaped timestamp keys)', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const day = (d: number): string => `2024-01-${String(d).padStart(2, '0')}T00:00:00.000Z`;
    const shapes: ((d: number) => string)[] = [
      (d) => JSON.stringify(ev({ timestamp: day(d) })),
      (d) => `{"timestamp":"${day(d)}","event_id":"x${d}","timestamp":"${day(d + 10)}"}`,
      (d) => `{"timestamp":"${day(d)}","event_id":"y${d}","time\\u0073tamp":"${day(d + 10)}"}`,
      (d) => `{"timestamp":"${day(d)}","event_id":"z${d}","metadata":{"timestamp":"${day(d + 10)}"}}`,
      (d) => `{"timestamp":"${day(d)}",broken`,
      (d) => `{"timestamp":"2024-01-${d}5T00:00:00.000Z","event_id":"w${d}"}`,
      (d) => `{"timestamp":"${day(d).slice(0, 19)}+00:00","event_id":"v${d}"}`,
      // 24 bytes that end in Z" but hold a shorter timestamp with an offset, and the next key.
      (d) => `{"timestamp":"${day(d).slice(0, 16)}-23","aZ":1,"event_id":"u${d}"}`,
      // The Python DayBot's spacing, alone and with a repeated or escaped key.
      (d) => py(`${day(d).slice(0, 19)}.000001+00:00`, `p${d}`),
      (d) => `{"timestamp": "${day(d).slice(0, 19)}+00:00", "event_id": "q${d}", "timestamp": "${day(d + 10).slice(0, 19)}+00:00"}`,
      (d) => `{"timestamp": "${day(d).slice(0, 19)}+00:00", "event_id": "r${d}", "time\\u0073tamp": "${day(d + 10)}"}`,
    ];
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 6);
      const text = Array.from({ length: n }, () => shapes[Math.floor(random() * shapes.length)]!(1 + Math.floor(random() * 9))).join('\n') + '\n';
      const scanned = latestEventTimeOf(bytes(text), 1 + Math.floor(random() * 40));
      if (scanned !== undefined) assert.ok(scanned >= parsedLatest(text), `scan ${scanned} < parsed ${parsedLatest(text)} for\n${text}`);
    }
  });

  it('a line whose JSON timestamp is not its leading one is a bad line (invalid_timestamp)', () => {
    const set = eventSetFromEvents([
      '{"timestamp":"2024-01-01T00:00:00.000Z","event_id":"a","timestamp":"2024-02-01T00:00:00.000Z"}',
      '{"timestamp":"2024-01-01T00:00:00.000Z","event_id":"b","time\\u0073tamp":"2024-02-01T00:00:00.000Z"}',
      '{"timestamp":"2024-01-01T00:00:00.000Z","event_id":"c","timestamp":"2024-01-01T00:00:00.000Z"}',
      '{"event_id":"d","timestamp":"2024-01-01T00:00:00.000Z","timestamp":"2024-02-01T00:00:00.000Z"}',
      '{"timestamp": "2024-01-01T00:00:00+00:00", "event_id": "e", "timestamp": "2024-02-01T00:00:00+00:00"}',
    ]);
    assert.equal(set.bad.invalid_timestamp, 3);
    assert.equal(set.segments[0]!.n, 2, 'a repeated key with the same value, and one not at the start (JSON.parse\'s last wins), still read');
  });

  it('takes a gzipped backup\'s latest time from its header when daybook wrote one, without inflating', async () => {
    const dir = tempDir();
    const text = lines([ev({ timestamp: '2024-01-02T00:00:00.000Z' })]);
    const header = (latest: string | undefined): Buffer => Buffer.concat([GZIP_HEADER_LATEST.subarray(0, 16), latestField(latest)]);
    const body = gzipSync(text).subarray(10);
    writeFileSync(join(dir, 'a.log.1.gz'), Buffer.concat([header('2024-01-02T00:00:00.000Z'), body]));
    assert.equal(await latestEventTime(join(dir, 'a.log.1.gz'), true), us('2024-01-02T00:00:00.000Z'));
    // The header alone is read: a body that does not inflate makes no difference.
    writeFileSync(join(dir, 'a.log.2.gz'), Buffer.concat([header('2024-01-05T00:00:00.000Z'), Buffer.from('not deflate')]));
    assert.equal(await latestEventTime(join(dir, 'a.log.2.gz'), true), us('2024-01-05T00:00:00.000Z'));
    // NULs (the lines had no leading time) or another extra field: the lines are scanned.
    writeFileSync(join(dir, 'a.log.3.gz'), Buffer.concat([header(undefined), body]));
    assert.equal(await latestEventTime(join(dir, 'a.log.3.gz'), true), us('2024-01-02T00:00:00.000Z'));
  });

  it('reads gzipped and plain files alike', async () => {
    const dir = tempDir();
    const text = lines([ev({ timestamp: '2024-01-02T00:00:00.000Z' }), ev({ timestamp: '2024-01-01T00:00:00.000Z' })]);
    writeFileSync(join(dir, 'a.log'), text);
    writeFileSync(join(dir, 'a.log.1.gz'), gzipSync(text));
    assert.equal(await latestEventTime(join(dir, 'a.log'), false), us('2024-01-02T00:00:00.000Z'));
    assert.equal(await latestEventTime(join(dir, 'a.log.1.gz'), true), us('2024-01-02T00:00:00.000Z'));
    assert.equal(await latestEventTime(join(dir, 'missing.log'), false), undefined);
  });

  it('with stopAt, answers at or after it exactly when the file ends at or after it (a recent file scanned in part)', async () => {
    const dir = tempDir();
    // ~3 MB: a late event first, then older ones, the latest of all in the last megabyte.
    const older = Array.from({ length: 12_000 }, (_, i) => ev({ timestamp: `2024-01-02T00:00:${String(i % 60).padStart(2, '0')}.000Z`, metadata: { pad: 'x'.repeat(150) } }));
    writeFileSync(join(dir, 'a.log'), lines([ev({ timestamp: '2024-01-05T00:00:00.000Z' }), ...older, ev({ timestamp: '2024-01-09T00:00:00.000Z' })]));
    const path = join(dir, 'a.log');
    const latest = us('2024-01-09T00:00:00.000Z');
    assert.equal(await latestEventTime(path, false), latest);
    // Stopped in the first megabyte: some time at or after stopAt, not the file's latest.
    const stopped = (await latestEventTime(path, false, undefined, us('2024-01-04T00:00:00.000Z')))!;
    assert.ok(stopped >= us('2024-01-04T00:00:00.000Z') && stopped < latest, String(stopped));
    // Nothing before the end reaches it: scanned to the end.
    assert.equal(await latestEventTime(path, false, undefined, us('2024-01-08T00:00:00.000Z')), latest);
    assert.equal(await latestEventTime(path, false, undefined, us('2024-01-10T00:00:00.000Z')), latest);
  });
});

describe('ranged loads leave out what ends before them', () => {
  /** Three generations: two old backups (one gzipped, with a bad line), the current file. */
  function directory(lateInOld = false): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log.2.gz'), gzipSync(lines([exit('2024-01-01T10:00:00.000Z', 5), exit('2024-01-01T11:00:00.000Z', -2)]) + '{"timestamp":"2024-01-01T12:00:00.000Z",broken\n'));
    writeFileSync(join(dir, 'audit.log.1'), lines([exit('2024-01-02T10:00:00.000Z', 7), ...(lateInOld ? [exit('2024-01-03T15:00:00.000Z', 100)] : [])]));
    writeFileSync(join(dir, 'audit.log'), lines([exit('2024-01-03T09:00:00.000Z', 3), exit('2024-01-03T10:00:00.000Z', -1), ev({ timestamp: '2024-01-03T11:00:00.000Z', event_type: 'system_error', level: 'ERROR' })]));
    return dir;
  }

  it('a report of the last day reads only the current file; its figures are those of a full read', async () => {
    const dir = directory();
    const source = new FileSource(dir, { persist: false });
    const ranged = await new LogAnalyzer(dir, { source }).getReport('2024-01-03', '2024-01-03');
    assert.equal(source.newestLeftOut(), us('2024-01-02T10:00:00.000Z'), 'both backups were only scanned');
    const full = new LogAnalyzer(dir, { persist: false });
    await full.load();
    const expected = await full.getReport('2024-01-03', '2024-01-03');
    assert.deepEqual(ranged.trading_metrics, expected.trading_metrics);
    assert.deepEqual(ranged.system_metrics, expected.system_metrics);
    assert.equal(ranged.trading_metrics.total_trades, 2);
    assert.equal(ranged.bad_lines.total, 0, 'the old backup\'s bad line is not in a report that does not read it');
    assert.equal(expected.bad_lines.total, 0, 'nor in the same report after a full read: the count does not depend on what was read before');
    assert.equal((await full.getReport()).bad_lines.total, 1, 'an unbounded report counts it');
  });

  it('loads from `newestLeftOut()` read one backup each, newest first, until none is left out', async () => {
    const dir = directory();
    const source = new FileSource(dir, { persist: false });
    await source.load({ since: us('2024-01-03T00:00:00Z') });
    const steps: number[] = [];
    for (let t = source.newestLeftOut(); t !== undefined; t = source.newestLeftOut()) {
      steps.push(t);
      await source.load({ since: t });
    }
    assert.deepEqual(steps, [us('2024-01-02T10:00:00.000Z'), us('2024-01-01T12:00:00.000Z')]);
    const all = await new LogAnalyzer(dir, { source }).getReport();
    assert.equal(all.trading_metrics.total_trades, 5);
    assert.equal(all.bad_lines.total, 1);
  });

  it('an old backup holding a later event is read (the scan looks at every line, not the order)', async () => {
    const dir = directory(true);
    const source = new FileSource(dir, { persist: false });
    const r = await new LogAnalyzer(dir, { source }).getTradingMetrics('2024-01-03', '2024-01-03');
    assert.equal(r.total_trades, 3);
    assert.equal(r.total_pnl, 102);
    assert.equal(source.newestLeftOut(), us('2024-01-01T12:00:00.000Z'), 'only the gzipped backup was left out');
  });

  it('a damaged gzipped backup is not left out silently: the ranged report names it in read_problems', async () => {
    const dir = directory();
    const good = gzipSync(lines([exit('2024-01-01T08:00:00.000Z', 1)]));
    writeFileSync(join(dir, 'audit.log.3.gz'), good.subarray(0, good.length - 12));
    const source = new FileSource(dir, { persist: false });
    const r = await new LogAnalyzer(dir, { source }).getReport('2024-01-03', '2024-01-03');
    assert.deepEqual(r.read_problems.map((p) => [p.file.endsWith('audit.log.3.gz'), p.code]), [[true, 'DAYBOOK_W_READ_GZIP']]);
    assert.equal(r.trading_metrics.total_trades, 2);
  });

  it('a report of the last day over the Python DayBot\'s files reads only the current audit.log', async () => {
    const dir = tempDir();
    const exitPy = (ts: string, id: string, pnl: number): string => py(ts, id, `, "event_type": "trade_exit", "symbol": "AAPL", "quantity": 1.0, "price": 10.0, "pnl": ${pnl.toFixed(1)}, "metadata": {}`);
    writeFileSync(join(dir, 'audit.log.1'), [exitPy('2024-01-02T10:00:00.250000+00:00', '11111111-1111-4111-8111-111111111111', 7)].join('\n') + '\n');
    writeFileSync(join(dir, 'audit.log'), [exitPy('2024-01-03T09:00:00.000001+00:00', '22222222-2222-4222-8222-222222222222', 3), exitPy('2024-01-03T10:00:00+00:00', '33333333-3333-4333-8333-333333333333', -1)].join('\n') + '\n');
    const source = new FileSource(dir, { persist: false });
    const r = await new LogAnalyzer(dir, { source }).getTradingMetrics('2024-01-03', '2024-01-03');
    assert.equal(r.total_trades, 2);
    assert.equal(r.total_pnl, 2);
    assert.equal(source.newestLeftOut(), us('2024-01-02T10:00:00.25Z'), 'audit.log.1 was only scanned');
  });

  it('a backup the scan cannot vouch for (app text lines) is read', async () => {
    const dir = directory();
    writeFileSync(join(dir, 'app.log.1'), '2024-01-01 10:00:00,000 | app | ERROR | old failure\n');
    writeFileSync(join(dir, 'app.log'), '');
    const source = new FileSource(dir, { persist: false });
    const r = await new LogAnalyzer(dir, { source }).getReport('2024-01-03', '2024-01-03');
    assert.equal(r.system_metrics.error_count, 1, 'the old failure is out of range, the current error in it');
    assert.equal(source.newestLeftOut(), us('2024-01-02T10:00:00.000Z'), 'app.log.1 was parsed, not left out');
  });
});

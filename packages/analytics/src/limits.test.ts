import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, createWriteStream, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createGzip, gzipSync } from 'node:zlib';
import { LogAnalyzer } from './analyzer.js';
import { emptyBadLines } from './bad-lines.js';
import { LineSplitter } from './lines.js';
import { exportEvents } from './export.js';
import { FileSource } from './source.js';
import { exit, lines, tempDir } from './test/helpers.js';

// Options passed as variables: the limits are checked by what the reports say.
const small = { persist: false, limits: { maxLineBytes: 1000, maxInflateRatio: 4, minInflateBytes: 64 * 1024 } };

const codes = (r: { read_problems: readonly { code: string }[] }): string[] => r.read_problems.map((p) => p.code);

describe('complete lines only', () => {
  it('a last line without its newline is not counted by a report or an export; once its newline is there it is', async () => {
    const dir = tempDir();
    const audit = join(dir, 'audit.log');
    const late = JSON.stringify(exit('2024-01-01T11:00:00Z', 10));
    writeFileSync(audit, lines([exit('2024-01-01T10:00:00Z', 1)]) + late);
    const following = new LogAnalyzer(dir, { persist: false });
    let m = await following.getTradingMetrics();
    assert.equal(m.total_trades, 1);
    assert.equal(m.bad_lines.total, 0);
    assert.equal((await new LogAnalyzer(dir).getTradingMetrics()).total_trades, 1); // with the segment index too
    const out = join(tempDir(), 'out.jsonl');
    assert.equal((await exportEvents([dir], out)).rows, 1);

    // A reader that follows the file (the server's analyzer) picks the line up with its newline.
    appendFileSync(audit, '\n');
    m = await following.getTradingMetrics();
    assert.equal(m.total_trades, 2);
    assert.equal(m.total_pnl, 11);
    assert.equal((await new LogAnalyzer(dir).getTradingMetrics()).total_pnl, 11);
    assert.equal((await exportEvents([dir], out)).rows, 2);
  });

  it('a line written in pieces counts once, when complete, in a FileSource that follows the file', async () => {
    const dir = tempDir();
    const audit = join(dir, 'audit.log');
    const source = new FileSource(dir, { persist: false });
    const line = JSON.stringify(exit('2024-01-01T11:00:00Z', 10)) + '\n';
    writeFileSync(audit, '');
    for (let i = 0; i < line.length; i += 37) {
      appendFileSync(audit, line.slice(i, i + 37));
      const set = await source.load();
      const rows = set.segments.reduce((n, s) => n + s.n, 0);
      assert.equal(rows, i + 37 >= line.length ? 1 : 0, `after ${i + 37} bytes`);
      assert.equal(Object.values(set.bad).reduce((a, b) => a + b, 0), 0);
    }
  });

  it('a gzipped backup that ends inside a line: not counted, and a problem', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log.1.gz'), gzipSync(lines([exit('2024-01-01T10:00:00Z', 1)]) + JSON.stringify(exit('2024-01-01T11:00:00Z', 10))));
    const r = await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 1);
    assert.equal(r.bad_lines.total, 0);
    assert.deepEqual(codes(r), ['DAYBOOK_W_READ_TORN_LINE']);
  });
});

describe('hostile input, in bounded memory', () => {
  it('over-long lines are counted and skipped, wherever the chunks cut them', async () => {
    const dir = tempDir();
    const long = `{"event_id":"x","timestamp":"2024-01-01T10:00:00Z","pad":"${'a'.repeat(5000)}"}`;
    writeFileSync(join(dir, 'audit.log'), lines([exit('2024-01-01T10:00:00Z', 1)]) + long + '\n' + lines([exit('2024-01-01T11:00:00Z', 2)]) + long + '\n' + long);
    // one over the 256 KiB read chunk too, with a limit between the two
    writeFileSync(join(dir, 'audit.log.1'), 'x'.repeat(300_000) + '\n' + lines([exit('2024-01-01T09:00:00Z', 4)]));
    const r = await new LogAnalyzer(dir, small).getReport();
    assert.equal(r.trading_metrics.total_pnl, 7);
    assert.equal(r.bad_lines.too_long, 3); // the unterminated last one is no line yet
    assert.equal(r.bad_lines.total, 3);
    assert.deepEqual(codes(r).sort(), ['DAYBOOK_W_READ_LINE_TOO_LONG', 'DAYBOOK_W_READ_LINE_TOO_LONG']);
    assert.match(r.read_problems.find((p) => p.file.endsWith('audit.log'))!.message, /2 lines longer than 1000 bytes skipped/);
    // Still said after a growth read, and by a new process from the segment index.
    const indexed = { ...small, persist: true };
    const follower = new LogAnalyzer(dir, indexed);
    await follower.getReport();
    appendFileSync(join(dir, 'audit.log'), '\n' + lines([exit('2024-01-01T12:00:00Z', 8)]));
    for (const again of [await follower.getReport(), await new LogAnalyzer(dir, indexed).getReport()]) {
      assert.equal(again.trading_metrics.total_pnl, 15);
      assert.equal(again.bad_lines.too_long, 4);
      assert.match(again.read_problems.find((p) => p.file.endsWith('audit.log'))!.message, /3 lines longer than 1000 bytes skipped/);
    }
    const out = join(tempDir(), 'out.jsonl');
    const x = await exportEvents([dir], out, small);
    assert.equal(x.rows, 4);
    assert.equal(x.bad_lines.too_long, 4);
  });

  it('the splitter agrees with a plain split for any chunking: lines up to the maximum read, longer ones counted, the unterminated rest left', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const max = 50;
    for (let round = 0; round < 200; round++) {
      const parts: string[] = [];
      for (let i = random(12); i > 0; i--) parts.push('x'.repeat(random(3) === 0 ? max - 1 + random(3) : random(120)));
      const text = parts.join('\n') + (random(2) === 0 ? '\n' : '');
      const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
      // Every line handed on is blank or invalid JSON: the counts say how many were read.
      const sink = { bad: emptyBadLines(), add: () => {}, addAppLine: () => {} };
      const splitter = new LineSplitter(sink, true, max);
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + random(80);
        splitter.push(bytes.subarray(at, at + n));
        at += n;
      }
      const read = complete.filter((l) => l.length <= max).length;
      assert.equal(sink.bad.too_long, complete.length - read, text);
      assert.equal(sink.bad.blank + sink.bad.invalid_json, read, text);
      assert.equal(splitter.consumed, text.lastIndexOf('\n') + 1);
      assert.equal(splitter.pendingBytes, bytes.length - splitter.consumed);
    }
  });

  it('a gzip bomb is inflated up to its limit only: what came before counts, then a problem', async () => {
    const dir = tempDir();
    const one = lines([exit('2024-01-01T10:00:00Z', 1)]);
    // 64 KiB limit (the floor; 4× the compressed size is less): the first line is read, not the
    // megabytes of zeros after it.
    writeFileSync(join(dir, 'audit.log.1.gz'), gzipSync(Buffer.concat([Buffer.from(one), Buffer.alloc(8 << 20)])));
    writeFileSync(join(dir, 'audit.log'), lines([exit('2024-01-01T11:00:00Z', 2)]));
    const r = await new LogAnalyzer(dir, small).getReport();
    assert.equal(r.trading_metrics.total_pnl, 3);
    assert.deepEqual(codes(r), ['DAYBOOK_W_READ_GZIP_LIMIT']);
    assert.match(r.read_problems[0]!.message, /audit\.log\.1\.gz: inflates to more than 65536 bytes/);
    const x = await exportEvents([dir], join(tempDir(), 'out.csv'), small);
    assert.equal(x.rows, 2);
    assert.deepEqual(codes(x), ['DAYBOOK_W_READ_GZIP_LIMIT']);
  });

  it('a limit that is not a positive number is refused', () => {
    assert.throws(() => new LogAnalyzer(tempDir(), { persist: false, limits: { maxLineBytes: 0 } } as never), { code: 'DAYBOOK_E_OPTION_INVALID' });
  });

  // The real sizes, in a child so that its peak memory is its own: a 64 MB line (once ended
  // the process past 512 MB: ERR_STRING_TOO_LONG) and a bomb inflating to 512 MB.
  it('a 64 MB line and a 512 MB gzip bomb: the report completes, says so, and memory stays flat', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const fd = openSync(join(dir, 'audit.log'), 'w');
    writeSync(fd, lines([exit('2024-01-01T10:00:00Z', 1)]) + '{"event_id":"x","pad":"');
    const mb = Buffer.alloc(1 << 20, 'a');
    for (let i = 0; i < 64; i++) writeSync(fd, mb);
    writeSync(fd, '"}\n' + lines([exit('2024-01-01T11:00:00Z', 2)]));
    closeSync(fd);
    const gz = createGzip({ level: 1 });
    const file = createWriteStream(join(dir, 'audit.log.1.gz'));
    gz.pipe(file);
    gz.write(lines([exit('2024-01-01T09:00:00Z', 4)]));
    const zeros = Buffer.alloc(4 << 20);
    for (let i = 0; i < 128; i++) if (!gz.write(zeros)) await once(gz, 'drain');
    gz.end();
    await once(file, 'close');

    const script = `
      const { LogAnalyzer } = await import(${JSON.stringify(new URL('./index.js', import.meta.url).href)});
      const before = process.resourceUsage().maxRSS;
      const r = await new LogAnalyzer(${JSON.stringify(dir)}, { persist: false, threads: 1, limits: { maxLineBytes: 1 << 20, maxInflateRatio: 16, minInflateBytes: 4 << 20 } }).getReport();
      console.log(JSON.stringify({ grew: (process.resourceUsage().maxRSS - before) * 1024, pnl: r.trading_metrics.total_pnl, bad: r.bad_lines, codes: r.read_problems.map((p) => p.code).sort() }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) });
    assert.equal(child.status, 0, child.stderr);
    const got = JSON.parse(child.stdout) as { grew: number; pnl: number; bad: { too_long: number }; codes: string[] };
    assert.equal(got.pnl, 7);
    assert.equal(got.bad.too_long, 1);
    assert.deepEqual(got.codes, ['DAYBOOK_W_READ_GZIP_LIMIT', 'DAYBOOK_W_READ_LINE_TOO_LONG']);
    // Whole, the line alone is 64 MB of buffer plus its string (+258 MB measured before the
    // limits), and the bomb 512 MB of text. Bounded: +33 MB on Node 20, up to +57 MB on Node 24,
    // whose heap grows in larger steps; the bound sits between those and the unbounded read.
    assert.ok(got.grew < 96 * 1024 * 1024, `peak RSS grew by ${(got.grew / 1048576).toFixed(1)} MB`);
  });
});

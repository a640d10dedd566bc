import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LogAnalyzer } from './analyzer.js';
import { exportEvents } from './export.js';
import { listLogFiles } from './reader.js';
import { exit, lines, tempDir } from './test/helpers.js';

// A FIFO blocked the reader forever: these tests end by their timeout if it comes back.
const GUARD = { timeout: 20_000 };

describe('which files a report reads (core classifyLogNames, as verify)', () => {
  it('look-alikes beside the real backups are not read, and each is a problem naming the file and why', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log'), lines([exit('2024-01-03T10:00:00Z', 1)]));
    writeFileSync(join(dir, 'audit.log.1.gz'), gzipSync(lines([exit('2024-01-02T10:00:00Z', 2)])));
    writeFileSync(join(dir, 'audit.log.3.gz'), gzipSync(lines([exit('2024-01-01T10:00:00Z', 4)])));
    // None of these is a file daybook writes: each would add its trade.
    writeFileSync(join(dir, 'audit.log.3'), lines([exit('2024-01-01T11:00:00Z', 100)]));
    writeFileSync(join(dir, 'audit.log.0'), lines([exit('2024-01-01T12:00:00Z', 1000)]));
    writeFileSync(join(dir, 'audit.log.gz'), gzipSync(lines([exit('2024-01-01T13:00:00Z', 10_000)])));
    writeFileSync(join(dir, 'audit.log.05.gz'), gzipSync(lines([exit('2024-01-01T14:00:00Z', 100_000)])));
    const strays = ['audit.log.0', 'audit.log.05.gz', 'audit.log.3', 'audit.log.gz'];

    assert.deepEqual(listLogFiles([dir]).map((f) => f.path.slice(dir.length + 1)), ['audit.log.3.gz', 'audit.log.1.gz', 'audit.log']);

    const r = await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 7);
    const stray = r.read_problems.filter((p) => p.code === 'DAYBOOK_W_READ_STRAY_FILE');
    assert.deepEqual(stray.map((p) => p.file.slice(dir.length + 1)), strays);
    assert.match(stray.find((p) => p.file.endsWith('audit.log.3'))!.message, /audit\.log\.3: not read: .*superseded by audit\.log\.3\.gz/);
    assert.match(stray.find((p) => p.file.endsWith('audit.log.0'))!.message, /backup numbers start at 1/);

    const out = join(tempDir(), 'out.jsonl');
    const x = await exportEvents([dir], out);
    assert.equal(x.rows, 3);
    assert.equal(x.read_problems.filter((p) => p.code === 'DAYBOOK_W_READ_STRAY_FILE').length, 4);
  });

  it('a path given as a file is read as it is, whatever its name', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log.0'), lines([exit('2024-01-01T12:00:00Z', 5)]));
    const r = await new LogAnalyzer(join(dir, 'audit.log.0'), { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 5);
    assert.deepEqual(r.read_problems, []);
  });

  it('a FIFO named audit.log, a symlink to one, or a FIFO given as the path: refused with a problem, never waited on', GUARD, async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'audit.log')]);
    writeFileSync(join(dir, 'audit.log.1'), lines([exit('2024-01-01T10:00:00Z', 3)]));
    const r = await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 3);
    assert.deepEqual(r.read_problems.map((p) => [p.code, p.file]), [['DAYBOOK_W_READ_NOT_FILE', join(dir, 'audit.log')]]);
    assert.match(r.read_problems[0]!.message, /is a FIFO, not a log file/);

    const linked = tempDir();
    execFileSync('mkfifo', [join(linked, 'pipe')]);
    symlinkSync(join(linked, 'pipe'), join(linked, 'audit.log'));
    writeFileSync(join(linked, 'app.log'), '2024-01-01 10:00:00,000 | app | INFO | up\n');
    const l = await new LogAnalyzer(linked, { persist: false }).getReport();
    assert.equal(l.system_metrics.total_events, 1);
    assert.deepEqual(l.read_problems.map((p) => p.code), ['DAYBOOK_W_READ_NOT_FILE']);

    const given = await new LogAnalyzer(join(linked, 'pipe'), { persist: false }).getReport();
    assert.equal(given.system_metrics.total_events, 0);
    assert.deepEqual(given.read_problems.map((p) => p.code), ['DAYBOOK_W_READ_NOT_FILE']);

    const out = join(tempDir(), 'out.csv');
    const x = await exportEvents([dir], out);
    assert.equal(x.rows, 1);
    assert.deepEqual(x.read_problems.map((p) => p.code), ['DAYBOOK_W_READ_NOT_FILE']);
  });

  it('a character device given as the path is refused, not read without end', GUARD, async () => {
    const r = await new LogAnalyzer('/dev/zero', { persist: false }).getReport();
    assert.deepEqual(r.read_problems.map((p) => [p.code, p.message]), [['DAYBOOK_W_READ_NOT_FILE', '/dev/zero is a device, not a log file: not read']]);
  });
});

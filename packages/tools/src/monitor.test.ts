import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { formatCompact, isoTimestamp } from '@daybook/core';
import { checkChain } from './chain.js';
import { monitor, type MonitorOptions } from './monitor.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A log directory from (name, content, age in ms) triples. */
function logDir(files: [string, string | Buffer, number][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-monitor-'));
  dirs.push(dir);
  for (const [name, content, age] of files) {
    writeFileSync(join(dir, name), content);
    utimesSync(join(dir, name), new Date(NOW - age), new Date(NOW - age));
  }
  return dir;
}

const line = (app: string, level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL', agoMs: number, msg = 'tick'): string =>
  formatCompact(isoTimestamp(NOW - agoMs), app, level, msg) + '\n';
const lines = (app: string, level: Parameters<typeof line>[1], n: number, agoMs: number): string => Array.from({ length: n }, (_, i) => line(app, level, agoMs + i * 1000)).join('');

// A roomy disk and a clean chain, unless a test says otherwise: the checks under test stay the only variable.
const base: MonitorOptions = { now: NOW, disk: () => ({ free: 50 * 2 ** 30, total: 100 * 2 ** 30 }), chain: async () => ({ status: 'ok', problems: [] }) };
const checks = (issues: { file: string; check: string; severity: string }[]): string[] => issues.map((i) => `${i.severity} ${i.check} ${i.file}`);

test('healthy: fresh logs, compressed backups, a Python traceback and JSON events: no issue, nothing to maintain', async () => {
  const dir = logDir([
    ['hedge-bot.log', line('hedge-bot', 'INFO', 5 * MIN) + line('hedge-bot', 'ERROR', 4 * MIN, 'order rejected') +
      'Traceback (most recent call last):\n  File "bot.py", line 3, in <module>\nValueError: bad\n' + line('hedge-bot', 'INFO', MIN), MIN],
    ['hedge-bot.log.1.gz', gzipSync(line('hedge-bot', 'INFO', DAY)), DAY],
    ['audit.log', JSON.stringify({ timestamp: new Date(NOW - MIN).toISOString(), level: 'INFO', message: 'x', event_type: 'system_start' }) + '\n', MIN],
    ['errors.log', '', 5 * DAY],
    ['writer.lock', '1234', MIN],
  ]);
  const r = await monitor(dir, { ...base, apps: ['hedge-bot'] });
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.maintenance, []);
  assert.deepEqual(r.files.map((f) => [f.file, f.backups, f.errors_last_hour]), [['audit.log', 0, 0], ['errors.log', 0, 0], ['hedge-bot.log', 1, 1]]);
});

test('stale: a critical log not written for hours warns; a utility log and the quiet errors.log do not', async () => {
  const dir = logDir([
    ['trend-bot.log', line('trend-bot', 'INFO', 3 * 60 * MIN), 3 * 60 * MIN],
    ['setup-wallet.log', line('setup-wallet', 'INFO', 3 * 60 * MIN), 3 * 60 * MIN],
    ['errors.log', '', 3 * 60 * MIN],
  ]);
  const r = await monitor(dir, base);
  assert.deepEqual(checks(r.issues), ['warning stale trend-bot.log']);
  assert.match(r.issues[0]!.message, /not written for 180 minutes \(threshold 60\)/);
});

test('oversized and unrotated: size warns, then is critical; far past the rotation limit with no backups', async () => {
  const dir = logDir([
    ['hedge-bot.log', line('hedge-bot', 'INFO', MIN).repeat(50), MIN],
    ['trend-bot.log', line('trend-bot', 'INFO', MIN).repeat(120), MIN],
  ]);
  const r = await monitor(dir, { ...base, warnBytes: 2_000, criticalBytes: 5_000, maxFileSize: 1_000_000 });
  assert.deepEqual(checks(r.issues), ['warning size hedge-bot.log', 'critical size trend-bot.log']);
  const u = await monitor(dir, { ...base, maxFileSize: 1_000 });
  assert.deepEqual(checks(u.issues), ['critical rotation hedge-bot.log', 'critical rotation trend-bot.log']);
  assert.match(u.issues[0]!.message, /the rotation limit .* and there are no backups: rotation is not working/);
});

test('past retention: dry run plans, a real run deletes and compresses and says what it freed', async () => {
  const recent = lines('hedge-bot', 'INFO', 200, 2 * DAY);
  const files: [string, string | Buffer, number][] = [
    ['hedge-bot.log', line('hedge-bot', 'INFO', MIN), MIN],
    ['hedge-bot.log.1', recent, 2 * DAY],
    ['hedge-bot.log.2.gz', gzipSync(line('hedge-bot', 'INFO', 10 * DAY)), 10 * DAY],
    ['hedge-bot.log.3.gz', gzipSync(line('hedge-bot', 'INFO', 11 * DAY)), 11 * DAY],
  ];
  const dir = logDir(files);
  const dry = await monitor(dir, { ...base, mode: 'dry-run' });
  assert.deepEqual(checks(dry.issues), ['warning compression hedge-bot.log.1', 'warning retention hedge-bot.log.2.gz', 'warning retention hedge-bot.log.3.gz']);
  assert.deepEqual(dry.maintenance.map((a) => [a.action, a.file]), [['delete', 'hedge-bot.log.2.gz'], ['delete', 'hedge-bot.log.3.gz'], ['compress', 'hedge-bot.log.1']]);
  assert.ok(existsSync(join(dir, 'hedge-bot.log.2.gz')) && existsSync(join(dir, 'hedge-bot.log.1')), 'a dry run changes nothing');

  const sizeOf2 = statSync(join(dir, 'hedge-bot.log.2.gz')).size;
  const done = await monitor(dir, base);
  assert.deepEqual(done.issues, [], 'what maintenance fixed is not reported as an issue');
  assert.deepEqual(done.maintenance.map((a) => [a.action, a.file]), dry.maintenance.map((a) => [a.action, a.file]));
  assert.equal(done.maintenance[0]!.freed, sizeOf2);
  assert.ok(done.maintenance[2]!.freed > 0 && done.maintenance[2]!.freed < recent.length);
  assert.equal(existsSync(join(dir, 'hedge-bot.log.2.gz')), false);
  assert.equal(existsSync(join(dir, 'hedge-bot.log.1')), false);
  assert.equal(gunzipSync(readFileSync(join(dir, 'hedge-bot.log.1.gz'))).toString(), recent);
  // The compressed backup keeps its age, so retention stays right.
  assert.equal(Math.round(statSync(join(dir, 'hedge-bot.log.1.gz')).mtimeMs), NOW - 2 * DAY);
});

test('a hash-chained stream: maintenance compresses but leaves pruning to the logger that owns the chain', async () => {
  const dir = logDir([
    ['audit.log', '', MIN],
    ['audit.log.1', line('x', 'INFO', DAY), DAY],
    ['audit.log.2.gz', gzipSync(line('x', 'INFO', 10 * DAY)), 10 * DAY],
  ]);
  mkdirSync(join(dir, '.daybook'));
  writeFileSync(join(dir, '.daybook', 'audit.log.chain'), '');
  const r = await monitor(dir, base);
  assert.deepEqual(r.maintenance.map((a) => [a.action, a.file]), [['compress', 'audit.log.1']]);
  assert.ok(existsSync(join(dir, 'audit.log.2.gz')));
  assert.deepEqual(checks(r.issues), ['warning retention audit.log.2.gz']);
  assert.match(r.issues[0]!.message, /chained: the logger that owns the chain prunes it/);
});

test('maintenance only: the same work, no checks', async () => {
  const dir = logDir([
    ['a-bot.log', line('a-bot', 'INFO', 5 * 60 * MIN), 5 * 60 * MIN],
    ['a-bot.log.1', line('a-bot', 'INFO', DAY), DAY],
    ['a-bot.log.6.gz', gzipSync('x\n'), DAY],
  ]);
  const r = await monitor(dir, { ...base, mode: 'maintenance-only' });
  assert.deepEqual(r.issues, [], 'the stale log is not checked');
  assert.deepEqual(r.maintenance.map((a) => [a.action, a.file, a.reason]), [
    ['delete', 'a-bot.log.6.gz', 'beyond backupCount 5'], ['compress', 'a-bot.log.1', 'rotated backup not compressed'],
  ]);
  assert.equal(r.chain.status, 'not checked');
});

test('damaged: bytes that are not log lines, a corrupt gzip, a backup cut short', async () => {
  const dir = logDir([
    ['hedge-bot.log', line('hedge-bot', 'INFO', MIN) + 'garbage\u0000\u0000\n' + '{"timestamp": "2026-11-22T11:59:00Z", "lev\n' + line('hedge-bot', 'INFO', MIN), MIN],
    ['hedge-bot.log.1.gz', Buffer.from('not gzip at all'), DAY],
    ['hedge-bot.log.2', line('hedge-bot', 'INFO', 2 * DAY) + '2026-11-20 11:00:00,000 | hedge-b', 2 * DAY],
    ['binary.log', Buffer.from([0xff, 0xfe, 0x00, 0x10, 0x0a]), MIN],
  ]);
  const r = await monitor(dir, { ...base, compress: false });
  assert.deepEqual(checks(r.issues), ['warning damaged binary.log', 'critical damaged hedge-bot.log.1.gz', 'warning damaged hedge-bot.log.2', 'warning damaged hedge-bot.log']);
  assert.match(r.issues[3]!.message, /2 damaged line\(s\), the first at line 2/);
  assert.match(r.issues[2]!.message, /cut short/);
});

test('errors over the last hour are counted from the timestamps, not the whole file', async () => {
  const dir = logDir([
    ['hedge-bot.log', lines('hedge-bot', 'ERROR', 30, 3 * 60 * MIN) + lines('hedge-bot', 'ERROR', 12, 10 * MIN) + lines('hedge-bot', 'WARNING', 3, MIN), MIN],
  ]);
  const r = await monitor(dir, base);
  assert.deepEqual(checks(r.issues), ['warning errors hedge-bot.log']);
  assert.match(r.issues[0]!.message, /^12 ERROR\/CRITICAL lines in the last hour \(threshold 10\)$/);
  assert.equal(r.files[0]!.warnings_last_hour, 3);
});

test('a critical app with no log, a filling disk, and chain problems from verify', async () => {
  const dir = logDir([['hedge-bot.log', line('hedge-bot', 'INFO', MIN), MIN]]);
  const r = await monitor(dir, {
    ...base, apps: ['hedge-bot', 'risk-manager'], disk: () => ({ free: 50 * 2 ** 20, total: 100 * 2 ** 30 }),
    chain: async () => ({ status: 'damaged', problems: [
      { file: 'audit.log', line: 7, kind: 'modified', message: 'line 7 does not match its link' },
      { file: 'trades.log', line: 3, kind: 'torn_tail', message: 'last line cut short' },
    ] }),
  });
  assert.deepEqual(checks(r.issues), ['critical missing risk-manager.log', 'critical disk .', 'critical chain audit.log', 'warning chain trades.log']);
  const low = await monitor(dir, { ...base, disk: () => ({ free: 500 * 2 ** 20, total: 100 * 2 ** 30 }) });
  assert.deepEqual(checks(low.issues), ['warning disk .']);
});

test('the chain check runs core verify: a chained directory passes, an edited line is reported', async () => {
  const { initializeAuditLogger, closeAuditLogger } = await import('@daybook/core');
  const dir = mkdtempSync(join(tmpdir(), 'daybook-monitor-'));
  dirs.push(dir);
  // Durability 'none': what is under test is the chain, not fsync batching.
  const audit = initializeAuditLogger({ logDir: dir, consoleLevel: false, environment: 'test', sessionId: 's', durability: { trading: 'none' } });
  for (let i = 0; i < 5; i++) await audit.logTradeEntry({ symbol: 'SOL', side: 'buy', quantity: i + 1, price: 10 });
  await closeAuditLogger();
  assert.equal((await checkChain(dir)).status, 'ok');
  const path = join(dir, 'trades.log');
  writeFileSync(path, readFileSync(path, 'utf8').replace('"quantity":3', '"quantity":30'));
  const c = await checkChain(dir);
  assert.equal(c.status, 'damaged');
  assert.ok(c.problems.some((p) => p.file === 'trades.log' && p.kind === 'modified'), JSON.stringify(c.problems));
  await assert.rejects(monitor(join(dir, 'nope'), base), { code: 'DAYBOOK_E_TOOLS_PATH' });
});

test('an audit directory counts each event once: errors.log and system.log repeat audit.log lines', async () => {
  const event = (agoMs: number, level: string, category: string): string =>
    JSON.stringify({ timestamp: new Date(NOW - agoMs).toISOString(), level, message: 'order rejected', event_type: 'error', category }) + '\n';
  const errors = Array.from({ length: 6 }, (_, i) => event(MIN + i * 1000, 'ERROR', 'system')).join('');
  const dir = logDir([['audit.log', errors, MIN], ['errors.log', errors, MIN], ['system.log', errors, MIN]]);
  const r = await monitor(dir, { ...base, maxErrorsPerHour: 10 });
  // 6 errors, not 18: under the threshold of 10, and counted in audit.log alone.
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.files.map((f) => [f.file, f.errors_last_hour, f.counted_in]), [['audit.log', 6, undefined], ['errors.log', 0, 'audit.log'], ['system.log', 0, 'audit.log']]);
  // The table says where they are counted rather than 0 errors an hour.
  const { formatMonitorReport } = await import('./report-format.js');
  assert.match(formatMonitorReport(r, true), /^errors\.log +\S+ \S+ +0 +\d+ min +in audit\.log +in audit\.log$/m);
  // Without audit.log beside them, the category files are the only record and are counted.
  const alone = logDir([['errors.log', errors, MIN]]);
  assert.deepEqual((await monitor(alone, base)).files.map((f) => [f.file, f.errors_last_hour]), [['errors.log', 6]]);
});

test('a log a crash filled with 200 MB of NUL bytes: read in bounded memory, the NUL run reported', async () => {
  // Sparse files: no disk is used; the child measures its own peak memory.
  const dir = logDir([['hedge-bot.log', line('hedge-bot', 'INFO', MIN), MIN], ['hedge-bot.log.1', '', 2 * MIN]]);
  const grow = (name: string, bytes: number): void => {
    const fd = openSync(join(dir, name), 'r+');
    ftruncateSync(fd, bytes);
    closeSync(fd);
    utimesSync(join(dir, name), new Date(NOW - MIN), new Date(NOW - MIN));
  };
  grow('hedge-bot.log', 200 * 2 ** 20);
  grow('hedge-bot.log.1', 200 * 2 ** 20);
  const script = `
    const { monitor } = await import(${JSON.stringify(new URL('./monitor.js', import.meta.url).href)});
    const before = process.memoryUsage().rss;
    const r = await monitor(${JSON.stringify(dir)}, { now: ${NOW}, compress: false, tailBytes: 64 * 2 ** 20, maxFileSize: 2 ** 30, warnBytes: 2 ** 30,
      disk: () => ({ free: 2 ** 40, total: 2 ** 40 }), chain: async () => ({ status: 'ok', problems: [] }) });
    process.stdout.write(JSON.stringify({ issues: r.issues, grew: process.resourceUsage().maxRSS * 1024 - before }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const { issues, grew } = JSON.parse(out) as { issues: { file: string; check: string; message: string }[]; grew: number };
  assert.deepEqual(issues.map((i) => `${i.check} ${i.file}`), ['damaged hedge-bot.log.1', 'damaged hedge-bot.log']);
  // The backup (under 8 x tailBytes) is read whole; of the active file, its last tailBytes (200 - 64 MiB = byte 142606336).
  assert.match(issues[0]!.message, /^200\.0 MiB of NUL bytes, the longest run 200\.0 MiB at byte 0: the records written there were lost/);
  assert.match(issues[1]!.message, /^64\.0 MiB of NUL bytes \(of the last 64\.0 MiB\), the longest run 64\.0 MiB at byte 142606336: /);
  // Reading 264 MiB grew the process by a few chunks and one line at most, never by what it read.
  assert.ok(grew < 48 * 2 ** 20, `peak memory grew by ${(grew / 2 ** 20).toFixed(0)} MiB`);
});

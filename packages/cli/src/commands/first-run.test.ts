// What a new user runs into: pipes that close early, a directory without logs, a range that
// holds nothing, relative dates, numbers as a trader reads them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const BIN = fileURLToPath(new URL('../../bin/daybook.js', import.meta.url));
const daybook = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
/** `daybook ARGS | READER` in bash with pipefail: the pipeline's status is daybook's when the reader succeeds. */
const piped = (args: string[], reader: string) => {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return spawnSync('bash', ['-o', 'pipefail', '-c', `${quoted} | ${reader}`], { encoding: 'utf8' });
};

const root = mkdtempSync(join(tmpdir(), 'daybook-cli-first-run-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const ev = (f: Record<string, unknown>) => JSON.stringify({ timestamp: '2024-01-02T10:00:00Z', level: 'INFO', message: 'a message long enough to fill a pipe quickly', event_id: `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`, event_type: 'api_call', session_id: 's1', metadata: {}, ...f }) + '\n';

const logs = join(root, 'logs');
mkdirSync(logs);
writeFileSync(join(logs, 'audit.log'), [
  ev({ event_type: 'trade_exit', symbol: 'AAPL', quantity: 100, price: 150, pnl: 12345.6 }),
  ev({ timestamp: '2024-01-03T11:00:00Z', event_type: 'trade_partial_exit', symbol: 'TSLA', quantity: 1, price: 50, pnl: -92 }),
  ...Array.from({ length: 3000 }, (_, i) => ev({ timestamp: `2024-01-03T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`, latency_ms: i })),
].join(''));

describe('a reader that goes away', () => {
  it('daybook tail | head -1: the first line, then a quiet exit 0 (no EPIPE, no stack trace)', () => {
    // Following: more than a pipe's buffer of events, so that writes go on after head has left.
    const r = piped(['tail', '--dir', logs, '-n', '3000'], 'head -1');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(r.stdout.split('\n').length, 2);
  });

  it('daybook report | a reader that never reads: exit 0, nothing on stderr', () => {
    for (const args of [['report', 'trading', '--dir', logs], ['report', 'symbols', '--dir', logs, '--json'], ['verify', logs], ['--help']]) {
      const r = piped(args, 'true');
      assert.equal(r.stderr, '', args.join(' '));
      assert.equal(r.status, 0, args.join(' '));
    }
  });
});

describe('report on what is not there', () => {
  it('a directory with no log files: exit 1, the reason on stderr, nothing on stdout', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'not a log');
    for (const args of [['report', '--dir', empty], ['report', 'trading', '--dir', empty, '--json']]) {
      const r = daybook(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^daybook report: no log files in .*empty.*\[DAYBOOK_E_REPORT_NO_LOGS\]\n$/);
    }
    assert.equal(daybook('report', '--dir', join(root, 'missing')).status, 2, 'a missing directory stays bad usage');
  });

  it('a range that holds nothing: the figures, and on stderr the days the logs cover', () => {
    const r = daybook('report', 'trading', '--dir', logs, '--from', '2020-01-01', '--to', '2020-01-31', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).total_trades, 0);
    assert.match(r.stderr, /^daybook report: no events from 2020-01-01 to 2020-01-31; the logs cover 2024-01-02 \.\. 2024-01-03 \(UTC\)\n$/);
    assert.match(daybook('report', 'errors', '--dir', logs, '--date', '2023-12-31').stderr, /no events on 2023-12-31; the logs cover/);
    const daily = daybook('report', 'daily', '--dir', logs, '--from', '2024-01-02');
    assert.equal(daily.status, 2, 'the daily report is one day: --from was silently ignored');
    assert.match(daily.stderr, /give --date/);
    const today = daybook('report', '--dir', logs);
    assert.match(today.stderr, /no events on \d{4}-\d{2}-\d{2}; the logs cover 2024-01-02 \.\. 2024-01-03/);
    assert.equal(daybook('report', 'trading', '--dir', logs, '--date', '2024-01-02').stderr, '', 'no notice when the range has events');
  });

  it('relative dates: today, yesterday, Nd', () => {
    const today = join(root, 'today');
    mkdirSync(today);
    const now = new Date().toISOString();
    writeFileSync(join(today, 'audit.log'), ev({ timestamp: now, event_type: 'trade_exit', symbol: 'AAPL', pnl: 5 }));
    const day = JSON.parse(daybook('report', 'trading', '--dir', today, '--date', 'today', '--json').stdout);
    assert.equal(day.total_trades, 1);
    assert.equal(JSON.parse(daybook('report', 'trading', '--dir', today, '--from', '7d', '--json').stdout).total_trades, 1);
    assert.equal(JSON.parse(daybook('report', 'trading', '--dir', today, '--to', 'yesterday', '--json').stdout).total_trades, 0);
  });
});

describe('numbers and terminals', () => {
  it('tables show money as -$92.00 with thousands separators and rates as percentages', () => {
    const r = daybook('report', 'trading', '--dir', logs);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^total_pnl\s+\$12,253\.60$/m);
    assert.match(r.stdout, /^largest_loss\s+-\$92\.00$/m);
    assert.match(r.stdout, /^win_rate\s+50\.00%$/m);
    assert.match(r.stdout, /^total_volume\s+\$15,050\.00$/m);
    assert.doesNotMatch(r.stdout, /\$-/);
    const sym = daybook('report', 'symbols', '--dir', logs).stdout;
    assert.match(sym, /^TSLA\s+1\s+0\s+1\s+0\.00%\s+-\$92\.00/m);
    const system = daybook('report', 'system', '--dir', logs).stdout;
    assert.match(system, /^total_events\s+3,002$/m);
    assert.match(system, /^max_api_latency\s+2,999 ms$/m);
  });

  it('not a terminal: no progress, no escape codes on stdout or stderr', () => {
    for (const args of [['report', 'daily', '--dir', logs, '--date', '2024-01-03'], ['verify', logs], ['export', '--dir', logs, '-o', join(root, 'out.csv')]]) {
      const r = daybook(...args);
      assert.doesNotMatch(r.stdout + r.stderr, /[\r\x1b]/, args.join(' '));
    }
  });

  // util-linux's script(1) gives the command a terminal, as a user's shell does.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it('a terminal: the progress line on stderr, erased when done; stdout (a file) and --json never carry it', { skip: !hasScript && 'no script(1)' }, () => {
    const out = join(root, 'tty-out.txt');
    const onTerminal = (args: string[]) => {
      const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
      // DAYBOOK_PROGRESS_DELAY_MS=0: the line shows at once, whatever the machine's speed.
      return spawnSync('script', ['-qec', `${quoted} > '${out}'`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, DAYBOOK_PROGRESS_DELAY_MS: '0' } });
    };
    const r = onTerminal(['report', 'trading', '--dir', logs]);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /\r\x1b\[2Kreading logs\.\.\. \d+\.\d s/);
    assert.ok(r.stdout.endsWith('\r\x1b[2K'), 'erased at the end');
    const table = readFileSync(out, 'utf8');
    assert.match(table, /^range: /);
    assert.doesNotMatch(table, /[\r\x1b]/);
    const json = onTerminal(['report', 'trading', '--dir', logs, '--json']);
    assert.equal(json.stdout, '');
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).total_trades, 2);
    const verify = onTerminal(['verify', logs]);
    assert.match(verify.stdout, /verifying .*logs/);
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, daybook } from '../test/run.js';

// `daybook serve` and `daybook tail` as a user runs them: the real bin, real sockets on loopback.

const dir = mkdtempSync(join(tmpdir(), 'daybook-cli-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const ev = (f: Record<string, unknown>) => JSON.stringify({ timestamp: '2024-01-02T10:00:00Z', level: 'INFO', message: 'm', event_id: `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`, event_type: 'api_call', session_id: 's1', metadata: {}, ...f }) + '\n';
writeFileSync(join(dir, 'audit.log'), ev({ event_type: 'trade_exit', symbol: 'AAPL', quantity: 1, price: 1, pnl: 100, message: 'first exit' }) + ev({ level: 'ERROR', event_type: 'system_error', message: 'broker down' }));

/** Starts the bin and resolves with the first stdout text matching `re`. */
function start(args: string[], re: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; out: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = re.exec(out);
      if (m !== null) resolve({ child, match: m, out: () => out });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', (code) => r(code)));

describe('daybook serve', () => {
  it('serves the reports on loopback until SIGTERM, with a token when given', async () => {
    const { child, match } = await start(['serve', '--dir', dir, '--port', '0', '--token', 'cli-test-token'], /at (http:\/\/127\.0\.0\.1:\d+)/);
    const url = match[1]!;
    try {
      assert.equal((await fetch(`${url}/health`)).status, 200);
      assert.equal((await fetch(`${url}/audit/trading_metrics`)).status, 401);
      const r = await fetch(`${url}/audit/trading_metrics?start_date=2024-01-01`, { headers: { authorization: 'Bearer cli-test-token' } });
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { total_pnl: number }).total_pnl, 100);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited(child), 0);
  });

  it('bound to every interface (--host 0.0.0.0, with a token): says so beside the loopback URL', async () => {
    const { child, match } = await start(['serve', '--dir', dir, '--host', '0.0.0.0', '--port', '0', '--token', 'cli-test-token'], /at (http:\/\/127\.0\.0\.1:(\d+)), listening on every interface \(0\.0\.0\.0:(\d+)\)/);
    try {
      assert.equal(match[2], match[3]);
      assert.equal((await fetch(`${match[1]!}/health`)).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited(child), 0);
  });

  it('--allowed-host adds the names a Host header may carry; any other is a 421', async () => {
    const { child, match } = await start(['serve', '--dir', dir, '--port', '0', '--allowed-host', 'daybook.lan', '--allowed-host', 'box.lan:9000'], /at http:\/\/127\.0\.0\.1:(\d+)/);
    const port = Number(match[1]);
    const status = (host: string) => new Promise<number>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/audit/events', headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    try {
      assert.equal(await status(`localhost:${port}`), 200);
      assert.equal(await status('daybook.lan:8080'), 200);
      assert.equal(await status('box.lan:9000'), 200);
      assert.equal(await status('box.lan:9001'), 421);
      assert.equal(await status('rebound.example'), 421);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited(child), 0);
    assert.equal(daybook('serve', '--dir', dir, '--allowed-host', 'bad host/').status, 2);
  });

  it('refuses a public address without a token; bad usage is exit 2', () => {
    const r = daybook('serve', '--dir', dir, '--host', '0.0.0.0', '--port', '0');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /DAYBOOK_E_SERVER_INSECURE_BIND/);
    assert.equal(daybook('serve', '--port', 'x').status, 2);
    assert.equal(daybook('serve', '--help').status, 0);
  });
});

describe('daybook tail', () => {
  it('prints the last events, filtered, then follows new ones', async () => {
    const r = daybook('tail', '--dir', dir, '--no-follow', '-n', '5', '--json', '--level', 'error');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { message: string }).message), ['broker down']);
    const pretty = daybook('tail', '--dir', dir, '--no-follow');
    assert.match(pretty.stdout, /trade_exit\s+first exit\s+\[AAPL 1 @ \$1\.00 pnl=\$100\.00\]/);
    assert.equal(daybook('tail', '--type', 'nope').status, 2);

    const { child, out } = await start(['tail', '--dir', dir, '-n', '1', '--type', 'trade_exit'], /first exit/);
    try {
      appendFileSync(join(dir, 'audit.log'), ev({ message: 'ignored call' }) + ev({ event_type: 'trade_exit', symbol: 'TSLA', pnl: -5, message: 'live exit' }));
      for (let i = 0; i < 100 && !out().includes('live exit'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(out(), /live exit/);
      assert.doesNotMatch(out(), /ignored call|broker down/);
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited(child), 0);
  });
});

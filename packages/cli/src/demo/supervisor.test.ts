import assert from 'node:assert/strict';
import { LogAnalyzer } from '@daybook/analytics';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { verify } from '@daybook/core';
import { FLEET } from './fleet.js';
import { firstDifference, normalizeAppLine, normalizeEvents } from './normalize.js';

// `npm start` runs this bin with `demo`.
const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'daybook-demo-'));
after(() => rmSync(root, { recursive: true, force: true }));

function demo(...args: string[]) {
  const child = spawn(process.execPath, [BIN, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exit,
    output: () => out,
    /** Resolves with the first match of `re` in the output, or rejects if the demo exits first. */
    waitFor: (re: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = (): void => {
          const m = out.match(re);
          if (m !== null) {
            child.stdout.off('data', check);
            resolve(m);
          }
        };
        child.stdout.on('data', check);
        check();
        void exit.then((code) => reject(new Error(`demo exited (${String(code)}) before ${re}:\n${out}`)));
      }),
  };
}

const events = (dir: string): Record<string, unknown>[] =>
  readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

async function json(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return (await res.json()) as Record<string, unknown>;
}

describe('daybook demo', () => {
  it('--help and bad usage', async () => {
    const help = demo('--help');
    assert.equal(await help.exit, 0);
    assert.match(help.output(), /Usage: daybook demo/);
    const bad = demo('--speed', 'fast');
    assert.equal(await bad.exit, 2);
    assert.match(bad.output(), /--speed fast/);
  });

  it("npm start's path: history, a served API (and dashboard) with trades, live trading; SIGINT leaves a directory that verifies", async () => {
    const dir = join(root, 'start');
    const run = demo('--dir', dir, '--days', '1', '--speed', '6000', '--port', '0', '--seed', '3');
    try {
      const [, url] = await run.waitFor(/Dashboard +(http:\/\/\S+)/);
      await run.waitFor(/Ctrl-C stops everything/);
      assert.match(run.output(), /history: 1 trading day .* \d+ trades/);
      for (const cmd of ['daybook report', 'daybook tail', 'daybook verify']) assert.ok(run.output().includes(cmd), cmd);
      const history = await json(`${url}audit/trading_metrics`);
      assert.ok((history.total_trades as number) > 0, 'the backfilled history has trades');
      // The bot's books and the report of its days agree: trades, and P&L after fees to the cent.
      const [, from, to, trades, sign, amount] = /history: 1 trading day \((\S+) \.\. (\S+)\), ([\d,]+) trades, P&L ([+-])\$([\d,.]+)/.exec(run.output())!;
      const days = await json(`${url}audit/trading_metrics?start_date=${from}&end_date=${to}`);
      assert.equal(days.total_trades, Number(trades!.replaceAll(',', '')));
      assert.equal(Math.round((days.net_pnl as number) * 100), Math.round(Number(`${sign}${amount!.replaceAll(',', '')}`) * 100), `net_pnl ${days.net_pnl as number} against the history line`);
      const page = await fetch(url!);
      if (run.output().includes('dashboard not built')) await page.body?.cancel();
      else {
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-type') ?? '', /html/);
        await page.text();
      }
      // The live bot trades today, through the broker and the instrumented fetch.
      const today = new Date().toISOString().slice(0, 10);
      let live = 0;
      for (let i = 0; i < 60 && live === 0; i++) {
        await new Promise((r) => setTimeout(r, 500));
        live = (await json(`${url}audit/trading_metrics?start_date=${today}&end_date=${today}`)).total_trades as number;
      }
      assert.ok(live > 0, 'live trades appear in the served metrics');
    } finally {
      run.child.kill('SIGINT');
    }
    assert.equal(await run.exit, 0, run.output());
    assert.match(run.output(), /stopping \(Ctrl-C\)/);
    assert.match(run.output(), /verify .*: ok, \d+ log files/);
    const result = await verify(dir);
    assert.equal(result.ok, true, JSON.stringify(result.problems));
    assert.deepEqual(readdirSync(join(dir, '.daybook')).filter((f) => f.endsWith('.lock')), [], 'every writer released its lock');
    const types = new Set(events(dir).map((e) => e.event_type));
    for (const t of ['api_call', 'trade_exit', 'system_stop']) assert.ok(types.has(t), t);
    for (const app of FLEET) assert.match(readFileSync(join(dir, `${app}.log`), 'utf8'), new RegExp(`${app} shutting down`));
    // Started again on the same directory: no history is made, and it says so once; the bot
    // trades on from the equity its logs leave it (start + net P&L), not from $100,000.
    const before = await new LogAnalyzer(dir).getTradingMetrics();
    const again = demo('--dir', dir, '--days', '1', '--speed', '6000', '--port', '0', '--seed', '3');
    try {
      await again.waitFor(/history: /);
    } finally {
      again.child.kill('SIGINT');
    }
    await again.exit;
    assert.match(again.output(), /backfill skipped/);
    assert.doesNotMatch(again.output(), /backfilling/);
    const [, equity] = /trading on from equity \$([\d,.]+)/.exec(again.output())!;
    assert.equal(Math.round(Number(equity!.replaceAll(',', '')) * 100), Math.round((100_000 + before.net_pnl) * 100));
  });

  it('two runs with the same seed write the same events, apart from times, ids and process facts', async (t) => {
    const dirs = [join(root, 'seed-a'), join(root, 'seed-b')];
    const runs = dirs.map((dir) => demo('--dir', dir, '--days', '1', '--speed', '6000', '--duration', '3', '--no-serve', '--seed', '5'));
    for (const r of runs) assert.equal(await r.exit, 0, r.output());
    const isLive = (e: Record<string, unknown>): boolean => String(e.session_id).endsWith('_live');
    const [a, b] = dirs.map((dir) => events(dir)) as [Record<string, unknown>[], Record<string, unknown>[]];
    // History: identical. Live: the same up to where the shorter run was stopped.
    assert.deepEqual(normalizeEvents(a.filter((e) => !isLive(e))), normalizeEvents(b.filter((e) => !isLive(e))));
    const untilStop = (es: Record<string, unknown>[]): Record<string, unknown>[] => {
      const live = normalizeEvents(es.filter(isLive));
      const stop = live.findIndex((e) => e.message === 'Shutdown requested: closing open positions' || e.message === 'Audit logger stopped');
      return stop === -1 ? live : live.slice(0, stop);
    };
    const [la, lb] = [untilStop(a), untilStop(b)];
    assert.ok(Math.min(la.length, lb.length) > 5, `live events compared: ${la.length}, ${lb.length}`);
    t.diagnostic(`live events compared: ${Math.min(la.length, lb.length)} (of ${la.length} and ${lb.length})`);
    const at = firstDifference(la, lb);
    assert.equal(at, -1, `live event ${at}: ${JSON.stringify(la[at])} vs ${JSON.stringify(lb[at])}`);
    for (const app of FLEET) {
      const [x, y] = dirs.map((dir) => readFileSync(join(dir, `${app}.log`), 'utf8').trim().split('\n').map(normalizeAppLine).filter((l) => !l.includes('shutting down')));
      const i = firstDifference(x!, y!);
      assert.equal(i, -1, `${app} line ${i}: ${x![i]} vs ${y![i]}`);
    }
  });
});

import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogAnalyzer } from './analyzer.js';
import { AnalyticsError } from './codes.js';
import { ev, exit, lines, tempDir } from './test/helpers.js';

// snapshot(since): the reports of every range from `since` on, from one read. The alert rules
// read their windows so; a snapshot's figures must be the analyzer's own, range by range.

const at = (h: number, m = 0) => `2024-03-0${1 + Math.floor(h / 24)}T${String(h % 24).padStart(2, '0')}:${String(m).padStart(2, '0')}:00.000Z`;

function day(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let h = 0; h < 48; h++) {
    out.push(ev({ timestamp: at(h, 1), event_type: 'api_call', component: 'api', metadata: { latency_ms: 10 + ((h * 37) % 400), status_code: h % 7 === 0 ? 429 : 200 } }));
    if (h % 3 === 0) out.push(ev({ timestamp: at(h, 2), level: 'ERROR', event_type: 'error', component: 'alpaca_client', message: 'API connection failed' }));
    if (h % 5 === 0) out.push(ev({ timestamp: at(h, 3), event_type: 'risk_limit_hit', component: 'risk', level: 'WARNING' }));
    out.push(ev({ timestamp: at(h, 10), event_type: 'trade_entry', component: 'trading', symbol: 'AAPL', side: 'buy', quantity: 1, price: 100 }));
    out.push(exit(at(h, 40), ((h * 53) % 17) - 8));
  }
  return out;
}

describe('LogAnalyzer.snapshot', () => {
  it("gives every range from its start the analyzer's own figures, from one read", async () => {
    const dir = tempDir();
    const events = day();
    // Two files, as after a rotation: the older one ends before the late ranges begin.
    writeFileSync(join(dir, 'audit.log.1'), lines(events.slice(0, events.length / 2)));
    writeFileSync(join(dir, 'audit.log'), lines(events.slice(events.length / 2)));
    const analyzer = new LogAnalyzer(dir);
    const end = at(47, 59);
    const starts = [at(46), at(40), at(30), at(20), at(0)];
    const snap = await analyzer.snapshot(at(0));
    for (const start of starts) {
      const fresh = new LogAnalyzer(dir);
      assert.deepEqual(await snap.getTradingMetrics(start, end), await fresh.getTradingMetrics(start, end), `trading from ${start}`);
      assert.deepEqual(await snap.getSystemMetrics(start, end), await fresh.getSystemMetrics(start, end), `system from ${start}`);
      assert.deepEqual(await snap.getRiskMetrics(start, end), await fresh.getRiskMetrics(start, end), `risk from ${start}`);
      assert.deepEqual(await snap.getErrorSummary(start, end), await fresh.getErrorSummary(start, end), `errors from ${start}`);
    }
    // A snapshot from a late start leaves the older file out, yet its trades still link (their
    // entries may be in it): the figures of a late range are the same.
    const late = await analyzer.snapshot(at(40));
    assert.deepEqual(await late.getTradingMetrics(at(40), end), await new LogAnalyzer(dir).getTradingMetrics(at(40), end));
  });

  it('holds the lines of the read it was taken from: what is appended later is not in it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log'), lines(day()));
    const analyzer = new LogAnalyzer(dir);
    const snap = await analyzer.snapshot(at(0));
    const before = (await snap.getErrorSummary(at(0), at(47, 59))).total_errors;
    appendFileSync(join(dir, 'audit.log'), lines([ev({ timestamp: at(47, 30), level: 'ERROR', event_type: 'error', component: 'x', message: 'late' })]));
    assert.equal((await snap.getErrorSummary(at(0), at(47, 59))).total_errors, before);
    assert.equal((await analyzer.getErrorSummary(at(0), at(47, 59))).total_errors, before + 1);
  });

  it('refuses a range that starts before it, whose files it may have left out', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log'), lines(day()));
    const snap = await new LogAnalyzer(dir).snapshot(at(10));
    await assert.rejects(async () => snap.getSystemMetrics(at(9), at(20)), (e: unknown) => e instanceof AnalyticsError && e.code === 'DAYBOOK_E_OPTION_INVALID' && /before the snapshot/.test(e.message));
    await assert.rejects(async () => snap.getErrorSummary(), AnalyticsError);
  });

  it("gives in its lean figures the reports' own numbers (fees, derived pnl, partial exits, appends, cut ranges)", async () => {
    // A seeded stream that makes the sums inexact in doubles (fees and prices in cents, latencies
    // with fractions), exits without pnl (derived from the entry), partial exits, cancels,
    // CRITICAL errors, ties: the lean figures must be the very doubles of the reports.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const min = (m: number) => new Date(Date.parse('2024-03-01T00:00:00Z') + m * 60_000).toISOString();
    const batch = (from: number, n: number) => {
      const out: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const t = min(from + Math.floor(i / 2));
        const r = rnd();
        const sym = rnd() < 0.5 ? 'AAPL' : 'MSFT';
        if (r < 0.35) out.push(ev({ timestamp: t, event_type: 'api_call', component: 'api', metadata: { latency_ms: Math.round(rnd() * 90000) / 100, status_code: rnd() < 0.1 ? 429 : 200 } }));
        else if (r < 0.45) out.push(ev({ timestamp: t, level: rnd() < 0.3 ? 'CRITICAL' : 'ERROR', event_type: 'error', component: 'broker', message: `failed ${i}` }));
        else if (r < 0.65) out.push(ev({ timestamp: t, event_type: 'trade_entry', component: 'trading', symbol: sym, side: rnd() < 0.5 ? 'buy' : 'sell', quantity: 3, price: Math.round(rnd() * 10000) / 100, fee: Math.round(rnd() * 100) / 100 }));
        else if (r < 0.75) out.push(ev({ timestamp: t, event_type: 'trade_partial_exit', component: 'trading', symbol: sym, quantity: 1, price: Math.round(rnd() * 10000) / 100, fee: 0.07 }));
        else if (r < 0.95) out.push(ev({ timestamp: t, event_type: 'trade_exit', component: 'trading', symbol: sym, quantity: 2, price: Math.round(rnd() * 10000) / 100, ...(rnd() < 0.5 ? { pnl: Math.round(rnd() * 20000) / 100 - 100 } : {}), fee: 0.13 }));
        else out.push(ev({ timestamp: t, event_type: 'trade_cancelled', component: 'trading', symbol: sym, fee: 0.01 }));
      }
      return out;
    };
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log'), lines(batch(0, 600)));
    const analyzer = new LogAnalyzer(dir);
    let last = 300;
    for (let k = 0; k < 4; k++) {
      // Appended between snapshots: each read adds a segment, and ranges cut the new ones.
      appendFileSync(join(dir, 'audit.log'), lines(batch(last, 200)));
      last += 100;
      const snap = await analyzer.snapshot(min(0));
      const fresh = new LogAnalyzer(dir, { persist: false });
      for (const [start, end] of [[min(0), min(last)], [min(17), min(last - 3)], [min(last - 60), min(last)], [min(250), min(last + 5)], [min(last - 1), min(last)], [min(last + 10), min(last + 20)]]) {
        const what = `${start}..${end} after append ${k}`;
        const trading = await fresh.getTradingMetrics(start, end);
        const system = await fresh.getSystemMetrics(start, end);
        assert.deepEqual(await snap.getPnlFigures(start, end), { net_pnl: trading.net_pnl, max_drawdown: trading.max_drawdown }, `pnl ${what}`);
        assert.deepEqual(await snap.getSystemFigures(start, end), { total_events: system.total_events, avg_api_latency: system.avg_api_latency, p99_api_latency: system.p99_api_latency, rate_limit_hits: system.rate_limit_hits }, `system ${what}`);
        assert.deepEqual(await snap.getErrorCount(start, end), { total_errors: (await fresh.getErrorSummary(start, end)).total_errors }, `errors ${what}`);
      }
    }
    const whole = await new LogAnalyzer(dir, { persist: false }).getTradingMetrics();
    assert.ok(whole.total_fees > 0 && whole.max_drawdown > 0 && whole.total_trades > 50, 'the stream has fees, drawdowns and trades');
    await assert.rejects(async () => (await analyzer.snapshot(min(10))).getPnlFigures(min(9), min(20)), AnalyticsError, 'a lean figure is checked against the snapshot start too');
  });
});

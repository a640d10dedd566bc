import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLogger } from '@daybook/core';
import { LogAnalyzer } from '@daybook/analytics';
import { addSignals, noSignals, type SignalNeeds, type Signals } from './signals.js';
import { tempDir } from './test/helpers.js';

const ALL: SignalNeeds = { errors: true, rateLimits: true, riskHits: true, latency: true, loss: true };

function signalsOf(text: string | Buffer, need = ALL): Signals {
  const b = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const s = noSignals();
  addSignals(b, 0, b.length, s, need);
  return s;
}

test('lines as daybook writes them (chained): each kind of line counts where the analyzer counts it', async () => {
  const dir = tempDir();
  const logger = new AuditLogger({ logDir: dir, consoleLevel: false });
  void logger.logApiCall({ endpoint: '/v2/orders', method: 'GET', statusCode: 200, latencyMs: 250.5 });
  void logger.logApiCall({ endpoint: '/v2/orders', method: 'POST', statusCode: 429, latencyMs: 12 });
  void logger.logError('broker down', 'broker');
  void logger.logSystemEvent('health_check', 'ok', 'INFO');
  void logger.logRiskEvent('risk_limit_hit', 'position too large');
  void logger.logEvent('rate_limit', 'slow down', { level: 'WARNING' });
  logger.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 2, price: 100, fee: 1.5 });
  void logger.logTradeExit({ symbol: 'AAPL', quantity: 2, price: 90, pnl: -20, fee: 1.5 });
  void logger.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 110, pnl: 10 });
  await logger.close();
  const s = signalsOf(readFileSync(join(dir, 'audit.log')));
  // Every line, with the logger's own start and stop events.
  assert.equal(s.lines, readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').length);
  assert.deepEqual({ errors: s.errors, rateLimits: s.rateLimits, riskHits: s.riskHits, maxLatency: s.maxLatency, loss: s.loss }, { errors: 1, rateLimits: 2, riskHits: 1, maxLatency: 250.5, loss: 1.5 + 20 + 1.5 });
  // And no more than the analyzer reads from the same file.
  const r = await new LogAnalyzer(dir, { persist: false }).getReport();
  assert.equal(r.error_summary.total_errors, 1);
  assert.equal(r.system_metrics.rate_limit_hits, 2);
  assert.equal(r.system_metrics.max_api_latency, 250.5);
  assert.equal(0 - r.trading_metrics.net_pnl, 13);
});

test('what is not read is not counted: only the needs asked for', () => {
  const line = '{"timestamp":"2026-09-15T12:00:00.000Z","level":"ERROR","event_type":"api_call","latency_ms":900,"metadata":{"status_code":429}}\n';
  assert.deepEqual(signalsOf(line, { errors: false, rateLimits: false, riskHits: false, latency: false, loss: false }), { ...noSignals(), lines: 1 });
  assert.deepEqual(signalsOf(line, { errors: true, rateLimits: false, riskHits: false, latency: false, loss: false }), { ...noSignals(), lines: 1, errors: 1 });
  assert.deepEqual(signalsOf(line, { errors: false, rateLimits: false, riskHits: false, latency: true, loss: false }), { ...noSignals(), lines: 1, maxLatency: 900 });
});

test("other writers' layouts: spaces, any key order, any level case, app text lines; an exit without pnl makes the loss unbounded", () => {
  const python = '{"timestamp": "2026-09-15T12:00:00", "level": "error", "event_type": "system_error", "message": "x"}\n';
  const reordered = '{"latency_ms" : 1.2e3, "metadata": {"status_code": 429.0}, "event_type": "api_call", "level": "Critical", "timestamp": "2026-09-15T12:00:00Z"}\n';
  const text = '2026-09-15 12:00:00,123 | bot | ERROR | broker down\n2026-09-15 12:00:01 | bot | INFO | fine, no error here\n';
  const blank = '\n   \n';
  const s = signalsOf(python + reordered + text + blank);
  assert.deepEqual(s, { lines: 4, errors: 3, rateLimits: 1, riskHits: 0, maxLatency: 1200, loss: 0 });
  assert.equal(signalsOf('{"event_type":"trade_exit","symbol":"AAPL","price":90,"quantity":1}\n').loss, Infinity);
  assert.equal(signalsOf('{"event_type":"trade_exit","symbol":"AAPL","pnl":"12"}\n').loss, Infinity);
  // A key inside a string is not a key; a level's word must be the whole value.
  assert.deepEqual(signalsOf('{"message":"said \\"level\\":\\"ERROR\\"","level":"ERRORS","event_type":"health_check"}\n').errors, 0);
});

/** A random event line in one of several layouts, with values of every kind the analyzer reads. */
function randomLine(r: () => number, i: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const type = pick(['api_call', 'api_call', 'api_call', 'system_error', 'rate_limit', 'risk_limit_hit', 'trade_entry', 'trade_exit', 'trade_partial_exit', 'health_check']);
  const o: Record<string, unknown> = {
    timestamp: new Date(Date.UTC(2026, 8, 15, 12) + i * 1000).toISOString(),
    level: pick(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'error', 'Critical', 'info']),
    message: pick(['plain', 'with "quotes" and \\ backslash', '"level":"ERROR" in text', 'ünïcode ✓']),
    event_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    event_type: type,
    session_id: 's1',
  };
  // Metadata with keys of its own (the keys read appear once in a line, as every writer we know writes them: see signals.ts).
  const meta: Record<string, unknown> = r() < 0.3 ? { endpoint: '/v2/orders', note: pick(['', 'x'.repeat(300)]) } : {};
  if (type === 'api_call') {
    if (r() < 0.9) o.latency_ms = pick([Math.round(r() * 900), r() * 2000, 1.5e3, -5]);
    meta.status_code = pick([200, 200, 429, 500, 429.0]);
  }
  if (type.startsWith('trade_')) {
    o.symbol = 'AAPL';
    o.side = pick(['buy', 'sell']);
    o.quantity = 1 + Math.floor(r() * 3);
    o.price = 90 + Math.round(r() * 20);
    if (r() < 0.5) o.fee = pick([0.5, 1, -0.25]);
    if (type !== 'trade_entry' && r() < 0.8) o.pnl = Math.round((r() - 0.6) * 100);
  }
  o.metadata = meta;
  const keys = Object.keys(o);
  if (r() < 0.4) keys.sort(() => r() - 0.5);
  const spaced = r() < 0.4;
  return `{${keys.map((k) => `${JSON.stringify(k)}${spaced ? ': ' : ':'}${JSON.stringify(o[k])}`).join(spaced ? ', ' : ',')}}\n`;
}

test('random lines in random layouts, read whole or in pieces: every bound at least what the analyzer counts in them', async () => {
  let seed = 7;
  const r = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let round = 0; round < 20; round++) {
    const dir = tempDir();
    const text = Array.from({ length: 60 }, (_, i) => randomLine(r, round * 100 + i)).join('');
    writeFileSync(join(dir, 'audit.log'), text);
    const report = await new LogAnalyzer(dir, { persist: false }).getReport();
    // Whole, and in pieces cut at random line ends, into one buffer read twice (finders keep places between calls).
    const b = Buffer.from(text);
    const whole = signalsOf(b);
    const pieces = noSignals();
    let at = 0;
    while (at < b.length) {
      let end = b.indexOf(10, Math.min(b.length - 1, at + Math.floor(r() * 2000))) + 1;
      if (end <= at) end = b.length;
      addSignals(b, at, end, pieces, ALL);
      at = end;
    }
    assert.deepEqual(pieces, whole, `round ${round}: the same bounds whatever the pieces`);
    const again = signalsOf(b);
    assert.deepEqual(again, whole);
    const m = report.system_metrics;
    assert.ok(whole.errors >= report.error_summary.total_errors, `round ${round}: errors ${whole.errors} < ${report.error_summary.total_errors}`);
    assert.ok(whole.rateLimits >= m.rate_limit_hits, `round ${round}: rate limits`);
    assert.ok(whole.riskHits >= report.risk_metrics.risk_limit_hits, `round ${round}: risk hits`);
    assert.ok(m.max_api_latency === null || whole.maxLatency >= m.max_api_latency, `round ${round}: latency ${whole.maxLatency} < ${m.max_api_latency}`);
    const t = report.trading_metrics;
    assert.ok(whole.loss >= 0 - t.net_pnl, `round ${round}: loss ${whole.loss} < ${-t.net_pnl}`);
    assert.ok(whole.loss >= t.max_drawdown, `round ${round}: drawdown`);
  }
});

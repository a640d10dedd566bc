import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogAnalyzer } from '@daybook/analytics';
import { Evaluator } from './evaluator.js';
import { directoryTarget } from './targets.js';
import { parseRules } from './rules.js';
import { MemoryStateStore } from './state.js';
import { append, apiEv, at, entryEv, errorEv, ev, exitEv, rateEv, riskEv, tempDir } from './test/helpers.js';
import type { Figures } from './kinds.js';
import type { Alert, Dispatcher } from './types.js';

/** A dispatcher that records what the evaluator hands it (the seam only; the real one sends). */
function recording(): Dispatcher & { calls: { alerts: Alert[]; now: number }[] } {
  const calls: { alerts: Alert[]; now: number }[] = [];
  return { calls, update: (alerts, now) => void calls.push({ alerts: structuredClone([...alerts]), now }), flush: async () => {}, close: async () => {} };
}

const T0 = '2026-09-15T12:00:00.000Z';
const plus = (iso: string, ms: number): string => new Date(at(iso) + ms).toISOString();
const MIN = 60_000;

function setup(rules: unknown[]) {
  const dir = tempDir();
  append(dir, [ev('2026-09-15T10:00:00.000Z')]);
  const dispatcher = recording();
  const state = new MemoryStateStore();
  const evaluator = new Evaluator({ rules: parseRules({ rules }), targets: () => [directoryTarget(dir, { persist: false })], dispatcher, state });
  return { dir, dispatcher, state, evaluator };
}

test("the seed's two rules on its thresholds: more than 10 errors in the last hour, average latency above 1 s", async () => {
  const { dir, evaluator, dispatcher } = setup([
    { name: 'HighErrorCount', kind: 'error_count', window: '1h', threshold: 10, annotations: { summary: 'High error count: {{ $value }} (over {{ $threshold }})' } },
    { name: 'HighApiLatency', kind: 'avg_api_latency_ms', window: '1h', threshold: 1000 },
  ]);
  // 10 errors and 1000 ms on average: at the thresholds, not above them.
  append(dir, [...Array.from({ length: 10 }, (_, i) => errorEv(plus(T0, -50 * MIN + i * 1000))), apiEv(plus(T0, -40 * MIN), 500), apiEv(plus(T0, -39 * MIN), 1500)]);
  let e = await evaluator.evaluate(at(T0));
  assert.deepEqual(e.alerts.map((a) => [a.name, a.state, a.value]), [['HighErrorCount', 'inactive', 10], ['HighApiLatency', 'inactive', 1000]]);
  assert.deepEqual(dispatcher.calls.at(-1)!.alerts, []);
  append(dir, [errorEv(plus(T0, 1000)), apiEv(plus(T0, 2000), 1100)]);
  e = await evaluator.evaluate(at(plus(T0, 5 * MIN)));
  assert.deepEqual(e.alerts.map((a) => [a.name, a.state, a.value]), [['HighErrorCount', 'firing', 11], ['HighApiLatency', 'firing', 1033.3333333333333]]);
  assert.equal(e.alerts[0]!.annotations.summary, 'High error count: 11 (over 10)');
  assert.deepEqual(e.transitions.map((t) => [t.alert.name, t.from, t.to]), [['HighErrorCount', 'inactive', 'firing'], ['HighApiLatency', 'inactive', 'firing']]);
  assert.deepEqual(dispatcher.calls.at(-1)!.alerts.map((a) => a.name), ['HighErrorCount', 'HighApiLatency']);
  // An hour on, the first ten errors have left the window: resolved, handed over once as resolved.
  e = await evaluator.evaluate(at(plus(T0, 11 * MIN)));
  assert.deepEqual(e.alerts.map((a) => [a.name, a.state, a.value]), [['HighErrorCount', 'inactive', 1], ['HighApiLatency', 'firing', 1033.3333333333333]]);
  assert.equal(e.alerts[0]!.resolvedAt, plus(T0, 11 * MIN));
  assert.deepEqual(dispatcher.calls.at(-1)!.alerts.map((a) => [a.name, a.state]), [['HighErrorCount', 'inactive'], ['HighApiLatency', 'firing']]);
  e = await evaluator.evaluate(at(plus(T0, 12 * MIN)));
  assert.deepEqual(dispatcher.calls.at(-1)!.alerts.map((a) => a.name), ['HighApiLatency'], 'a resolved alert is handed over once');
});

/**
 * Each kind on one timeline: nothing at T0, the triggering events just after, `for` 10
 * minutes. Pending at T0+1m, still pending at T0+10m59s... firing once 10 minutes have
 * passed since it became active, resolved when the window (30 minutes) no longer holds them.
 */
const KINDS: { kind: string; threshold?: number; events: (t: string) => Record<string, unknown>[] }[] = [
  { kind: 'error_count', threshold: 1, events: (t) => [errorEv(t), errorEv(t)] },
  { kind: 'avg_api_latency_ms', threshold: 1000, events: (t) => [apiEv(t, 1500)] },
  { kind: 'p99_api_latency_ms', threshold: 2000, events: (t) => [apiEv(t, 100), apiEv(t, 2500)] },
  { kind: 'daily_loss', threshold: 50, events: (t) => [entryEv(t, 'p1'), exitEv(t, 'p1', -80)] },
  { kind: 'max_drawdown', threshold: 50, events: (t) => [entryEv(t, 'p2'), exitEv(t, 'p2', 20), entryEv(t, 'p3'), exitEv(t, 'p3', -90)] },
  { kind: 'risk_limit_hits', threshold: 0, events: (t) => [riskEv(t)] },
  { kind: 'rate_limit_hits', threshold: 0, events: (t) => [rateEv(t)] },
];

for (const k of KINDS) {
  test(`${k.kind}: pending for "for", firing after it, resolved when the window passes`, async () => {
    const { dir, evaluator } = setup([{ name: 'R', kind: k.kind, window: '30m', for: '10m', threshold: k.threshold }]);
    const step = async (ms: number) => (await evaluator.evaluate(at(plus(T0, ms)))).alerts[0]!;
    assert.equal((await step(0)).state, 'inactive');
    append(dir, k.events(plus(T0, 30_000)));
    const p = await step(MIN);
    assert.equal(p.state, 'pending');
    assert.equal(p.activeAt, plus(T0, MIN));
    assert.equal((await step(10 * MIN + 59_000)).state, 'pending', 'held for 9m59s: still pending');
    const f = await step(11 * MIN);
    assert.equal(f.state, 'firing', 'held for 10m');
    assert.equal(f.since, plus(T0, 11 * MIN));
    assert.equal(f.activeAt, plus(T0, MIN), 'startsAt is when the condition began');
    // The events at T0+30s leave [now-30m, now] once now passes T0+30m30s.
    assert.equal((await step(30 * MIN + 30_000)).state, 'firing', 'the window still holds them at its start');
    const r = await step(30 * MIN + 31_000);
    assert.equal(r.state, 'inactive');
    assert.equal(r.resolvedAt, plus(T0, 30 * MIN + 31_000));
  });
}

test('no_events: fires when the window holds no event, resolves on the next one', async () => {
  const { dir, evaluator } = setup([{ name: 'BotSilent', kind: 'no_events', window: '5m', for: '2m' }]);
  append(dir, [ev(plus(T0, -MIN))]);
  const step = async (ms: number) => (await evaluator.evaluate(at(plus(T0, ms)))).alerts[0]!;
  assert.equal((await step(0)).state, 'inactive');
  assert.equal((await step(4 * MIN)).state, 'inactive', 'the event 5 minutes ago is in the window');
  const p = await step(4 * MIN + 1000);
  assert.deepEqual([p.state, p.value], ['pending', 0]);
  assert.equal((await step(6 * MIN + 1000)).state, 'firing');
  append(dir, [ev(plus(T0, 7 * MIN))]);
  assert.equal((await step(7 * MIN)).state, 'inactive');
});

test('chain_damaged: verify of a chained directory, fires on an edited line', async () => {
  const { AuditLogger } = await import('@daybook/core');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = tempDir();
  const logger = new AuditLogger({ logDir: dir, consoleLevel: false });
  for (let i = 0; i < 5; i++) await logger.logSystemEvent('health_check', `ok ${i}`);
  await logger.close();
  const evaluator = new Evaluator({ rules: parseRules({ rules: [{ name: 'Tampered', kind: 'chain_damaged' }] }), targets: () => [directoryTarget(dir, { persist: false })] });
  assert.deepEqual((await evaluator.evaluate(at(T0))).alerts.map((a) => [a.state, a.value]), [['inactive', 0]]);
  const file = join(dir, 'audit.log');
  writeFileSync(file, readFileSync(file, 'utf8').replace('ok 2', 'ok 9'));
  assert.deepEqual((await evaluator.evaluate(at(T0) + 1000)).alerts.map((a) => a.state), ['firing']);
});

test("a rule's value is the report's figure over the same range", async () => {
  const dir = tempDir();
  const events = [];
  for (let i = 0; i < 200; i++) {
    const t = plus(T0, -90 * MIN + i * 30_000);
    events.push(i % 7 === 0 ? errorEv(t) : i % 5 === 0 ? riskEv(t) : i % 11 === 0 ? rateEv(t) : apiEv(t, 50 + ((i * 37) % 400)));
    if (i % 9 === 0) events.push(entryEv(t, `q${i}`), exitEv(plus(t, 1000), `q${i}`, ((i * 13) % 50) - 30));
  }
  append(dir, events);
  const kinds = ['error_count', 'avg_api_latency_ms', 'p99_api_latency_ms', 'no_events', 'daily_loss', 'max_drawdown', 'risk_limit_hits', 'rate_limit_hits'];
  const evaluator = new Evaluator({ rules: parseRules({ rules: kinds.map((kind) => ({ name: kind, kind, window: '1h', threshold: 1e9 })) }), targets: () => [directoryTarget(dir, { persist: false })] });
  const values = Object.fromEntries((await evaluator.evaluate(at(T0))).alerts.map((a) => [a.name, a.value]));
  const report = await new LogAnalyzer(dir, { persist: false }).getReport(plus(T0, -60 * MIN), T0);
  assert.deepEqual(values, {
    error_count: report.error_summary.total_errors,
    avg_api_latency_ms: report.system_metrics.avg_api_latency,
    p99_api_latency_ms: report.system_metrics.p99_api_latency,
    no_events: report.system_metrics.total_events,
    daily_loss: -report.trading_metrics.net_pnl,
    max_drawdown: report.trading_metrics.max_drawdown,
    risk_limit_hits: report.risk_metrics.risk_limit_hits,
    rate_limit_hits: report.system_metrics.rate_limit_hits,
  });
  assert.ok(values.error_count! > 0 && values.risk_limit_hits! > 0 && values.max_drawdown! > 0, 'the figures are not all zero');
});

test('one evaluation reads a directory once, from its longest window, whatever the rules and windows', async () => {
  const dir = tempDir();
  const events = [];
  for (let i = 0; i < 120; i++) {
    const t = plus(T0, -26 * 60 * MIN + i * 13 * MIN);
    events.push(i % 4 === 0 ? errorEv(t) : apiEv(t, 20 + i));
    if (i % 6 === 0) events.push(entryEv(t, `w${i}`), exitEv(plus(t, 1000), `w${i}`, (i % 9) - 4));
  }
  append(dir, events);
  const analyzer = new LogAnalyzer(dir, { persist: false });
  const loads: (number | undefined)[] = [];
  const load = analyzer.load.bind(analyzer);
  analyzer.load = (o) => (loads.push(o?.since), load(o));
  const kinds = ['error_count', 'avg_api_latency_ms', 'daily_loss', 'risk_limit_hits'];
  const windows = ['5m', '1h', '1d'];
  const rules = parseRules({ rules: kinds.flatMap((kind) => windows.map((window) => ({ name: `${kind}_${window}`, kind, window, threshold: 1e9 }))) });
  const evaluator = new Evaluator({ rules, targets: () => [{ labels: {}, figures: analyzer }] });
  const e = await evaluator.evaluate(at(T0));
  assert.deepEqual(loads, [(at(T0) - 24 * 60 * MIN) * 1000], 'one load, from the start of the 1d window (µs)');
  // The values are the analyzer's own per range (each method loading for itself).
  const fresh = new LogAnalyzer(dir, { persist: false });
  for (const a of e.alerts) {
    const [kind, window] = [a.name.slice(0, a.name.lastIndexOf('_')), a.name.slice(a.name.lastIndexOf('_') + 1)];
    const start = plus(T0, -{ '5m': 5, '1h': 60, '1d': 1440 }[window]! * MIN);
    const want = kind === 'error_count' ? (await fresh.getErrorSummary(start, T0)).total_errors
      : kind === 'avg_api_latency_ms' ? (await fresh.getSystemMetrics(start, T0)).avg_api_latency
        : kind === 'daily_loss' ? 0 - (await fresh.getTradingMetrics(start, T0)).net_pnl
          : (await fresh.getRiskMetrics(start, T0)).risk_limit_hits;
    assert.equal(a.value, want, a.name);
  }
  assert.ok(e.alerts.some((a) => a.name === 'error_count_1d' && a.value! > 0), 'not all zero');
});

test('templates: $value, $threshold and $labels in annotations, $labels in labels; one alert per target', async () => {
  const dirs = [tempDir(), tempDir()];
  append(dirs[0]!, [errorEv(T0), errorEv(T0)]);
  append(dirs[1]!, [errorEv(T0)]);
  const evaluator = new Evaluator({
    rules: parseRules({ rules: [{ name: 'Errors', kind: 'error_count', window: '1h', threshold: 1, labels: { team: 'desk-{{ $labels.bot }}' }, annotations: { summary: '{{ $labels.bot }}@{{ $labels.host }}: {{ $value }} > {{ $threshold }}' } }] }),
    targets: () => dirs.map((d, i) => ({ ...directoryTarget(d, { persist: false }), labels: { bot: `bot${i}`, host: 'h1' } })),
  });
  const e = await evaluator.evaluate(at(T0));
  assert.deepEqual(e.alerts.map((a) => [a.state, a.labels, a.annotations.summary]), [
    ['firing', { bot: 'bot0', host: 'h1', team: 'desk-bot0', alertname: 'Errors' }, 'bot0@h1: 2 > 1'],
    ['inactive', { bot: 'bot1', host: 'h1', team: 'desk-bot1', alertname: 'Errors' }, 'bot1@h1: 1 > 1'],
  ]);
  assert.notEqual(e.alerts[0]!.fingerprint, e.alerts[1]!.fingerprint);
});

/** Figures of a target with no event; getSystemMetrics throws while `failing()`, as an analyzer whose ClickHouse is down. */
const quiet = (failing: () => boolean): Figures => ({
  getSystemMetrics: async () => {
    if (failing()) throw new Error('ClickHouse unreachable');
    return { total_events: 0, avg_api_latency: null, p99_api_latency: null, rate_limit_hits: 0 };
  },
  getErrorSummary: async () => ({ total_errors: 0 }), getTradingMetrics: async () => ({ net_pnl: 0, max_drawdown: 0 }), getRiskMetrics: async () => ({ risk_limit_hits: 0 }),
});

test('when the targets cannot be listed (ClickHouse down), the evaluation fails whole: nothing resolves, nothing is handed over, the next one goes on', async () => {
  let down = false;
  const figures = quiet(() => false);
  const dispatcher = recording();
  const state = new MemoryStateStore();
  const evaluator = new Evaluator({
    rules: parseRules({ rules: [{ name: 'Silent', kind: 'no_events', window: '5m' }] }),
    targets: async () => {
      if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:8123');
      return [{ labels: { bot: 'b', host: 'h' }, figures }];
    },
    dispatcher, state,
  });
  assert.equal((await evaluator.evaluate(at(T0))).alerts[0]!.state, 'firing');
  down = true;
  await assert.rejects(evaluator.evaluate(at(T0) + MIN), /ECONNREFUSED/);
  assert.equal(dispatcher.calls.length, 1, 'a failed listing hands nothing over (no resolution of every alert)');
  assert.deepEqual(evaluator.alerts().map((a) => a.state), ['firing']);
  assert.equal(state.data!.evaluatedAt, T0, 'the saved state is the last good evaluation');
  down = false;
  const next = await evaluator.evaluate(at(T0) + 2 * MIN);
  assert.deepEqual(next.transitions, [], 'still firing: no second firing transition');
  assert.deepEqual(dispatcher.calls.at(-1)!.alerts.map((a) => a.state), ['firing']);
});

test('a target that fails keeps its state and is reported; a target that leaves resolves', async () => {
  let fail = false;
  let present = true;
  const figures = quiet(() => fail);
  const dispatcher = recording();
  const evaluator = new Evaluator({ rules: parseRules({ rules: [{ name: 'Silent', kind: 'no_events', window: '5m' }] }), targets: () => (present ? [{ labels: { bot: 'b', host: 'h' }, figures }] : []), dispatcher });
  assert.equal((await evaluator.evaluate(at(T0))).alerts[0]!.state, 'firing');
  fail = true;
  const e = await evaluator.evaluate(at(T0) + MIN);
  assert.equal(e.alerts[0]!.state, 'firing', 'an error is not a resolution');
  assert.deepEqual(e.errors.map((x) => [x.rule, x.message]), [['Silent', 'ClickHouse unreachable']]);
  fail = false;
  present = false;
  const gone = await evaluator.evaluate(at(T0) + 2 * MIN);
  assert.deepEqual(gone.transitions.map((t) => [t.from, t.to]), [['firing', 'inactive']]);
  assert.deepEqual(dispatcher.calls.at(-1)!.alerts.map((a) => a.state), ['inactive']);
  assert.deepEqual((await evaluator.evaluate(at(T0) + 3 * MIN)).alerts, []);
  assert.equal(evaluator.recent()[0]!.to, 'inactive');
});

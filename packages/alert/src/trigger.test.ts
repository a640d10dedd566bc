import assert from 'node:assert/strict';
import { truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Evaluator } from './evaluator.js';
import { parseRules } from './rules.js';
import { directoryTarget } from './targets.js';
import { DataTrigger } from './trigger.js';
import { append, apiEv, at, errorEv, ev, exitEv, rateEv, riskEv, tempDir } from './test/helpers.js';

const T0 = '2026-09-15T12:00:00.000Z';
const plus = (ms: number): string => new Date(at(T0) + ms).toISOString();

/** A directory, its evaluator and trigger; `evaluate(ms)` runs one evaluation as the schedule does (begin, evaluate, settle). */
function setup(ruleList: unknown[]) {
  const dir = tempDir();
  append(dir, [ev(plus(-60_000))]);
  const rules = parseRules({ rules: ruleList });
  const evaluator = new Evaluator({ rules, targets: () => [directoryTarget(dir, { persist: false })] });
  const trigger = new DataTrigger(dir, rules.rules);
  trigger.scan(); // where the files end: what is before is the first evaluation's
  const evaluate = async (ms: number) => {
    trigger.begin();
    return trigger.after(evaluator.evaluate(at(T0) + ms));
  };
  const state = (e: Awaited<ReturnType<typeof evaluate>>, name: string) => e.alerts.find((a) => a.name === name)!.state;
  const crossedAfter = (events: Record<string, unknown>[]) => {
    append(dir, events);
    trigger.scan();
    return trigger.crossed()?.name;
  };
  return { dir, trigger, evaluate, state, crossedAfter };
}

test('new lines start an evaluation only when they may make a rule that does not hold hold: per kind, against its value', async () => {
  const { evaluate, state, crossedAfter } = setup([
    { name: 'Errors', kind: 'error_count', window: '1h', threshold: 2 },
    { name: 'Slow', kind: 'avg_api_latency_ms', window: '1h', threshold: 500 },
    { name: 'Loss', kind: 'daily_loss', window: '1d', threshold: 100 },
    { name: 'Silent', kind: 'no_events', window: '5m' },
  ]);
  await evaluate(0);
  // Errors: 0 + 2 is not above 2; a third may be.
  assert.equal(crossedAfter([errorEv(plus(1000)), errorEv(plus(1001))]), undefined);
  assert.equal(crossedAfter([errorEv(plus(1002))]), 'Errors');
  let e = await evaluate(2000);
  assert.equal(state(e, 'Errors'), 'firing');
  // A rule that holds already is not watched: its resolution comes at the interval.
  assert.equal(crossedAfter([errorEv(plus(2001))]), undefined);
  // Latency: a call at or below the threshold cannot lift the mean above it; one above it may.
  assert.equal(crossedAfter([apiEv(plus(2002), 400), apiEv(plus(2003), 500)]), undefined);
  assert.equal(crossedAfter([apiEv(plus(2004), 600)]), 'Slow');
  e = await evaluate(3000);
  // A bound, not the value: (400 + 500 + 600) / 3 is not above 500.
  assert.equal(state(e, 'Slow'), 'inactive');
  // Realized loss: 60, then 50 more; the bound leaves the gain between them out (a loss of 80).
  assert.equal(crossedAfter([exitEv(plus(3001), 'p1', -60), exitEv(plus(3002), 'p2', 30)]), undefined);
  assert.equal(crossedAfter([exitEv(plus(3003), 'p3', -50)]), 'Loss');
  e = await evaluate(4000);
  assert.deepEqual([state(e, 'Loss'), e.alerts.find((a) => a.name === 'Loss')!.value], ['inactive', 80]);
  assert.equal(crossedAfter([exitEv(plus(4001), 'p4', -21)]), 'Loss');
  e = await evaluate(5000);
  assert.equal(state(e, 'Loss'), 'firing');
});

test('lines that arrive while an evaluation runs count against its values, once it ends', async () => {
  const { dir, trigger, evaluate } = setup([{ name: 'Errors', kind: 'error_count', window: '1h', threshold: 2 }]);
  await evaluate(0);
  let told = 0;
  const w = trigger.watch(() => told++);
  try {
    trigger.begin();
    append(dir, [errorEv(plus(500)), errorEv(plus(501)), errorEv(plus(502))]);
    trigger.scan();
    assert.equal(trigger.crossed(), undefined, 'the values are not known until the evaluation ends');
    assert.equal(told, 0);
    // It ended having read none of them (value 0): they may make Errors hold.
    trigger.settle([{ name: 'Errors', state: 'inactive', value: 0, threshold: 2, labels: {}, annotations: {}, since: null, activeAt: null, resolvedAt: null, fingerprint: 'x' }]);
    assert.equal(told, 1);
    // Told once until the next evaluation starts.
    append(dir, [errorEv(plus(503))]);
    trigger.scan();
    assert.equal(told, 1);
  } finally {
    w.close();
  }
});

test('an evaluation that fails: its error passes through, and the last values stay armed', async () => {
  const { dir, trigger, evaluate } = setup([{ name: 'Errors', kind: 'error_count', window: '1h', threshold: 2 }]);
  await evaluate(0);
  trigger.begin();
  const failure = new Error('analyzer down');
  await assert.rejects(trigger.after(Promise.reject(failure)), (e) => e === failure);
  // Not left waiting for values that will not come: the lines since it started count against the last ones.
  append(dir, [errorEv(plus(1000)), errorEv(plus(1001)), errorEv(plus(1002))]);
  trigger.scan();
  assert.equal(trigger.crossed()?.name, 'Errors');
});

test('a count far from its threshold counts lines instead of reading them: an upper bound still', async () => {
  const { evaluate, state, crossedAfter } = setup([{ name: 'Many', kind: 'error_count', window: '1h', threshold: 2_000 }]);
  await evaluate(0);
  // A look of one line (~300 bytes) cannot bring 0 to 2,000: each line is counted as an error, unread.
  for (let i = 0; i < 30; i++) assert.equal(crossedAfter([ev(plus(1000 + i))]), undefined);
  // 1,975 errors at once are read (they could): with the 30 lines counted, 2,005 may be errors.
  assert.equal(crossedAfter(Array.from({ length: 1_975 }, (_, i) => errorEv(plus(2000 + i)))), 'Many');
  const e = await evaluate(5000);
  assert.deepEqual([state(e, 'Many'), e.alerts[0]!.value], ['inactive', 1_975]);
});

test('chain_damaged: a file rewritten rather than appended to starts an evaluation, when such a rule does not hold', async () => {
  const { dir, trigger, evaluate } = setup([
    { name: 'Damaged', kind: 'chain_damaged' },
    { name: 'Errors', kind: 'error_count', window: '1h', threshold: 100 },
  ]);
  await evaluate(0);
  append(dir, [ev(plus(1000))]);
  trigger.scan();
  assert.equal(trigger.crossed(), undefined);
  truncateSync(join(dir, 'audit.log'), 10);
  trigger.scan();
  assert.equal(trigger.crossed()?.name, 'Damaged');
  const other = setup([{ name: 'Errors', kind: 'error_count', window: '1h', threshold: 100 }]);
  await other.evaluate(0);
  truncateSync(join(other.dir, 'audit.log'), 10);
  other.trigger.scan();
  assert.equal(other.trigger.crossed(), undefined, 'no chain_damaged rule: nothing to tell');
});

test('never late: random batches of lines, and every rule that an evaluation finds newly holding was crossed before it', async () => {
  let seed = 11;
  const r = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const kinds = ['error_count', 'avg_api_latency_ms', 'p99_api_latency_ms', 'daily_loss', 'max_drawdown', 'risk_limit_hits', 'rate_limit_hits'];
  const { evaluate, trigger, crossedAfter } = setup(kinds.flatMap((kind) => [5, 20, 300].map((threshold) => ({ name: `${kind}_${threshold}`, kind, window: '1h', threshold }))));
  let e = await evaluate(0);
  let t = 1000;
  let position = 0;
  let crossings = 0;
  for (let step = 0; step < 40; step++) {
    const batch = Array.from({ length: Math.floor(r() * 6) }, () => {
      const k = r();
      t += 10;
      if (k < 0.25) return errorEv(plus(t));
      if (k < 0.5) return apiEv(plus(t), Math.round(r() * 400));
      if (k < 0.6) return riskEv(plus(t));
      if (k < 0.7) return rateEv(plus(t));
      if (k < 0.9) return exitEv(plus(t), `p${position++}`, Math.round((r() - 0.7) * 20));
      return ev(plus(t));
    });
    const before = new Map(e.alerts.map((a) => [a.name, a.state]));
    const crossed = crossedAfter(batch) !== undefined;
    if (crossed) crossings++;
    t += 1000;
    e = await evaluate(t);
    for (const a of e.alerts) {
      if (before.get(a.name) === 'inactive' && a.state !== 'inactive') assert.ok(crossed, `step ${step}: ${a.name} holds (${a.value}) and the trigger had not crossed`);
    }
    assert.equal(trigger.crossed(), undefined);
  }
  assert.ok(crossings > 3 && crossings < 40, `some steps crossed, not all (${crossings})`);
});

test('watching: lines that may fire a rule are told without being asked, by fs.watch or, where it says nothing, by the poll', async () => {
  for (const fsWatch of [true, false]) {
    const dir = tempDir();
    append(dir, [ev(plus(0))]);
    const rules = parseRules({ rules: [{ name: 'Errors', kind: 'error_count', window: '1h', threshold: 0 }] });
    const trigger = new DataTrigger(dir, rules.rules, { fsWatch, pollMs: 200, scanMs: 50 });
    let told = 0;
    const w = trigger.watch(() => told++);
    try {
      trigger.begin();
      trigger.settle([{ name: 'Errors', state: 'inactive', value: 0, threshold: 0, labels: {}, annotations: {}, since: null, activeAt: null, resolvedAt: null, fingerprint: 'x' }]);
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(told, 0);
      append(dir, [errorEv(plus(1000))]);
      const deadline = Date.now() + 10_000;
      while (told === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      assert.equal(told, 1, `fsWatch ${String(fsWatch)}`);
    } finally {
      w.close();
    }
  }
});

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { AuditLogger } from '@daybook/core';
import { Evaluator } from './evaluator.js';
import { parseRules } from './rules.js';
import { Schedule, type EvaluationReason } from './schedule.js';
import { directoryTarget } from './targets.js';
import { watchDirectory, type DirectoryWatch, type WatchOptions } from './watch.js';
import { FakeClock } from './test/notify-kit.js';
import { tempDir } from './test/helpers.js';
import type { Clock } from './notify/clock.js';
import type { Evaluation } from './evaluator.js';

// The schedule over a real directory written by a real AuditLogger, evaluated by a real
// Evaluator, watched by fs.watch and the poll. Where the test is about which instant an
// evaluation is at, the schedule and the evaluator run on a FakeClock the test moves (the
// directory and its notifications stay real); where it is about new lines, on the system clock,
// with generous waits and no assertion on how fast.

interface Run { reason: EvaluationReason; at: number; e: Evaluation }

/** A directory with a bot's logger, which has logged one API call. */
async function botDir(t: TestContext): Promise<{ dir: string; logger: AuditLogger }> {
  const dir = tempDir();
  const logger = new AuditLogger({ logDir: dir, consoleLevel: false });
  t.after(() => logger.close());
  void logger.logApiCall({ endpoint: '/v2/orders', method: 'GET', statusCode: 200, latencyMs: 20 });
  await logger.flush();
  return { dir, logger };
}

function scheduled(t: TestContext, dir: string, o: { interval: string; min: string; for?: string; clock?: Clock }): { schedule: Schedule<Evaluation>; runs: Run[] } {
  const rules = parseRules({
    evaluation_interval: o.interval, min_interval: o.min,
    rules: [{ name: 'AnyError', kind: 'error_count', window: '1h', threshold: 0, ...(o.for === undefined ? {} : { for: o.for }) }],
  });
  const clock = o.clock;
  const evaluator = new Evaluator({ rules, targets: (() => { const d = directoryTarget(dir); return () => [d]; })(), ...(clock === undefined ? {} : { clock: () => clock.now() }) });
  const runs: Run[] = [];
  const schedule = new Schedule<Evaluation>({
    evaluate: (now) => evaluator.evaluate(now),
    due: () => evaluator.nextDue(),
    interval: rules.evaluationInterval,
    minInterval: rules.minInterval,
    watch: (changed) => watchDirectory(dir, changed, { pollMs: rules.minInterval }),
    ...(clock === undefined ? {} : { clock }),
    onEvaluation: (e, reason) => runs.push({ reason, at: Date.parse(e.at), e }),
    onError: (e) => assert.fail(e as Error),
  });
  t.after(() => schedule.stop());
  return { schedule, runs };
}

const state = (r: Run | undefined): [string, number | null] | undefined => (r === undefined ? undefined : [r.e.alerts[0]!.state, r.e.alerts[0]!.value]);

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const realWait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('new lines start an evaluation min_interval after the last one, long before the interval', async (t) => {
  const { dir, logger } = await botDir(t);
  const { schedule, runs } = scheduled(t, dir, { interval: '1h', min: '200ms' });
  schedule.start();
  await until('the first evaluation', () => runs.length === 1);
  assert.deepEqual([runs[0]!.reason, state(runs[0])], ['start', ['inactive', 0]]);
  void logger.logError('broker down', 'broker');
  await logger.flush();
  await until('an evaluation of the new line', () => runs.length === 2);
  assert.equal(runs[1]!.reason, 'data');
  assert.deepEqual(state(runs[1]), ['firing', 1]);
  assert.ok(runs[1]!.at - runs[0]!.at >= 200, 'not before min_interval');
  // Nothing new since: the next is the interval's.
  await schedule.idle();
  assert.deepEqual(schedule.next, { at: runs[1]!.at + 3_600_000, reason: 'interval' });
});

test('without new lines only the interval evaluates', async (t) => {
  const { dir, logger } = await botDir(t);
  await logger.close();
  const clock = new FakeClock(Date.now());
  const { schedule, runs } = scheduled(t, dir, { interval: '10s', min: '100ms', clock });
  schedule.start();
  await schedule.idle();
  const t0 = runs[0]!.at;
  // Real time for fs.watch and the poll to report anything they would.
  await realWait(400);
  assert.deepEqual(schedule.next, { at: t0 + 10_000, reason: 'interval' });
  await clock.advance(9_999, () => schedule.idle());
  assert.equal(runs.length, 1, 'nothing before the interval');
  await clock.advance(1, () => schedule.idle());
  assert.deepEqual(runs.map((r) => [r.reason, r.at - t0]), [['start', 0], ['interval', 10_000]]);
  await clock.advance(10_000, () => schedule.idle());
  assert.deepEqual(runs.map((r) => r.reason), ['start', 'interval', 'interval']);
});

test("a pending alert fires at the instant its `for` ends, not at the next tick", async (t) => {
  const { dir, logger } = await botDir(t);
  void logger.logError('broker down', 'broker');
  await logger.close();
  // A second after the error, on a clock the test moves.
  const clock = new FakeClock(Date.now() + 1000);
  const { schedule, runs } = scheduled(t, dir, { interval: '1h', min: '100ms', for: '5m', clock });
  schedule.start();
  await schedule.idle();
  const t0 = runs[0]!.at;
  assert.deepEqual(state(runs[0]), ['pending', 1]);
  assert.deepEqual(schedule.next, { at: t0 + 300_000, reason: 'due' });
  await clock.advance(299_999, () => schedule.idle());
  assert.equal(runs.length, 1, 'still pending a millisecond before');
  await clock.advance(1, () => schedule.idle());
  assert.deepEqual(runs.map((r) => [r.reason, r.at - t0, state(r)]), [['start', 0, ['pending', 1]], ['due', 300_000, ['firing', 1]]]);
  assert.equal(runs[1]!.e.transitions[0]?.to, 'firing');
  // Firing: nothing is due any more, the interval is next.
  assert.deepEqual(schedule.next, { at: t0 + 300_000 + 3_600_000, reason: 'interval' });
});

test('lines appended all the time: one evaluation per min_interval at most, each reading the new lines', async (t) => {
  const { dir, logger } = await botDir(t);
  const { schedule, runs } = scheduled(t, dir, { interval: '1h', min: '300ms' });
  let logged = 0;
  const bot = setInterval(() => {
    logged++;
    void logger.logError('broker down', 'broker');
  }, 20);
  t.after(() => clearInterval(bot));
  schedule.start();
  await until('three evaluations of new lines', () => runs.filter((r) => r.reason === 'data').length >= 3);
  clearInterval(bot);
  assert.deepEqual(runs.map((r) => r.reason), ['start', ...runs.slice(1).map(() => 'data')]);
  for (let i = 1; i < runs.length; i++) assert.ok(runs[i]!.at - runs[i - 1]!.at >= 300, `evaluation ${i} is ${runs[i]!.at - runs[i - 1]!.at} ms after the one before`);
  // Each read more errors than the one before, and never more than were logged.
  const values = runs.map((r) => r.e.alerts[0]!.value!);
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, values.join(' '));
  assert.ok(values.at(-1)! <= logged);
});

test('stop(): waits for the evaluation under way, then nothing evaluates, new lines or not', async (t) => {
  const { dir, logger } = await botDir(t);
  const { schedule, runs } = scheduled(t, dir, { interval: '1s', min: '100ms' });
  schedule.start();
  await schedule.stop();
  assert.equal(runs.length, 1, 'the first evaluation ended before stop() returned');
  assert.equal(schedule.next, undefined);
  void logger.logError('broker down', 'broker');
  await logger.flush();
  // Past min_interval and the interval, in real time.
  await realWait(1500);
  assert.equal(runs.length, 1);
  assert.equal(schedule.next, undefined);
  schedule.start();
  assert.equal(runs.length, 1, 'a stopped schedule does not start again');
});

/** A bot's directory watched with `options`, its reports counted, once the first poll has taken the files as they are. */
async function watchedBot(t: TestContext, options: WatchOptions): Promise<{ dir: string; w: DirectoryWatch; seen: { changes: number }; append: () => Promise<void> }> {
  const { dir, logger } = await botDir(t);
  const seen = { changes: 0 };
  const w = watchDirectory(dir, () => seen.changes++, options);
  t.after(() => w.close());
  await realWait(200);
  const append = async (): Promise<void> => {
    void logger.logError('broker down', 'broker');
    await logger.flush();
  };
  return { dir, w, seen, append };
}

test('watchDirectory: appends to a log are reported, the .daybook directory is not', async (t) => {
  const { dir, w, seen, append } = await watchedBot(t, { pollMs: 50 });
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  mkdirSync(join(dir, '.daybook', 'alerts'), { recursive: true });
  writeFileSync(join(dir, '.daybook', 'alerts', 'state.json'), '{}');
  await realWait(300);
  assert.equal(seen.changes, 0, 'the analyzer index and the alert state are not new lines');
  await append();
  await until('the append reported', () => seen.changes > 0);
  w.close();
  const after = seen.changes;
  await append();
  await realWait(300);
  assert.equal(seen.changes, after, 'nothing after close()');
});

test('watchDirectory: fs.watch reports once, then waits for rearm (a busy bot\'s appends cost one event per evaluation)', async (t) => {
  // A poll too slow to report anything during the test: only fs.watch does.
  const { w, seen, append } = await watchedBot(t, { pollMs: 60_000 });
  for (let i = 0; i < 20; i++) {
    await append();
    await realWait(10);
  }
  await until('the first append reported', () => seen.changes > 0);
  await realWait(200);
  assert.equal(seen.changes, 1, 'twenty appends, one report until rearm()');
  w.rearm();
  await append();
  await until('an append after rearm() reported', () => seen.changes === 2);
  w.rearm();
  w.rearm();
  await append();
  await until('and again', () => seen.changes === 3);
  await realWait(200);
  assert.equal(seen.changes, 3, 'rearming twice watches once');
  w.close();
  w.rearm();
  await append();
  await realWait(300);
  assert.equal(seen.changes, 3, 'rearm() after close() watches nothing');
});

test('watchDirectory without fs.watch: the poll reports appends', async (t) => {
  const { w, seen, append } = await watchedBot(t, { pollMs: 50, fsWatch: false });
  assert.equal(seen.changes, 0, 'the first poll only takes the files as they are');
  w.rearm(); // nothing to rearm: the poll alone
  await append();
  await until('the poll to see the append', () => seen.changes > 0);
});

test('an evaluation that fails (ClickHouse down, a clock gone back) is reported, and the next one is still planned', async () => {
  const clock = new FakeClock(Date.now());
  const calls: number[] = [];
  const errors: [string, EvaluationReason][] = [];
  const done: EvaluationReason[] = [];
  const schedule = new Schedule<number>({
    evaluate: async (now) => {
      calls.push(now);
      if (calls.length === 1) throw new Error('connect ECONNREFUSED 127.0.0.1:8123');
      return now;
    },
    interval: 10_000, minInterval: 1000, clock,
    onEvaluation: (_e, reason) => done.push(reason),
    onError: (e, reason) => errors.push([(e as Error).message, reason]),
  });
  schedule.start();
  await schedule.idle();
  assert.deepEqual(errors, [['connect ECONNREFUSED 127.0.0.1:8123', 'start']]);
  assert.deepEqual(schedule.next, { at: calls[0]! + 10_000, reason: 'interval' });
  await clock.advance(10_000, () => schedule.idle());
  assert.deepEqual(done, ['interval']);
  await schedule.stop();
});

test('watchDirectory on a directory that is not there yet: no error, and appends are reported once it exists', async (t) => {
  const { mkdirSync, appendFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(tempDir(), 'logs');
  let changes = 0;
  const w = watchDirectory(dir, () => changes++, { pollMs: 50 });
  t.after(() => w.close());
  await realWait(200);
  mkdirSync(dir);
  appendFileSync(join(dir, 'audit.log'), '{}\n');
  await realWait(200);
  appendFileSync(join(dir, 'audit.log'), '{}\n');
  await until('the poll to report the append', () => changes > 0);
});
